package plots

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"zbench/internal/browsertest"
)

// probe runs in an instrumented copy of the report: it records errors,
// blocked requests and Content-Security-Policy violations as they happen,
// and after load the drawn size of every chart and whether the page is
// wider than the window, as JSON in #zbench-probe.
const probe = `(function () {
  var r = {errors: [], charts: [], figures: 0};
  window.addEventListener('error', function (e) { r.errors.push('error: ' + (e.message || (e.target && (e.target.src || e.target.href)) || e.type)); }, true);
  document.addEventListener('securitypolicyviolation', function (e) { r.errors.push('CSP: ' + e.violatedDirective + ' ' + e.blockedURI); });
  var ce = console.error;
  console.error = function () { r.errors.push('console: ' + Array.prototype.join.call(arguments, ' ')); ce.apply(console, arguments); };
  window.addEventListener('load', function () {
    document.querySelectorAll('details').forEach(function (d) { d.open = true; });
    document.querySelectorAll('svg.chart').forEach(function (s) {
      var b = s.getBoundingClientRect();
      var box = s.parentNode.getBoundingClientRect();
      r.charts.push({id: s.closest('figure').id, w: b.width, h: b.height, box: box.right, texts: s.querySelectorAll('text').length});
    });
    r.figures = document.querySelectorAll('figure').length;
    r.innerWidth = window.innerWidth;
    r.scrollWidth = document.documentElement.scrollWidth;
    var p = document.createElement('pre');
    p.id = 'zbench-probe';
    p.textContent = JSON.stringify(r);
    document.body.appendChild(p);
  });
})();`

// TestReportInBrowser loads a report (two runs, with a layer named like a
// script, the evidence with digests across versions, and the sections of a
// lazy-pull analysis and of measured pulls) in headless Chromium: no
// console message of any kind (the page has no script; a message means a
// blocked request or an error), every chart drawn with a size, nothing
// wider than a narrow window, and a screenshot kept in the artifact
// directory.
func TestReportInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: skipped with -short")
	}
	bin := browsertest.Find(t)
	dirs := synthDirs(t, true)
	runs, err := LoadRuns(dirs, nil)
	if err != nil {
		t.Fatal(err)
	}
	// With the evidence (digests across versions included), a lazy-pull
	// analysis and measured pulls.
	rep, err := Build(Summarize(runs), Options{Files: "report-files", Evidence: evidenceWithVersions(t, dirs), Lazy: synthLazy(), Pulls: synthPulls()})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rep.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	arts := browsertest.ArtifactDir(t)
	page := filepath.Join(arts, "browser-report.html")
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	probed := filepath.Join(arts, "browser-report-probed.html")
	if err := os.WriteFile(probed, browsertest.Instrument(t, buf.Bytes(), probe), 0o644); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(arts, "browser-report.png")

	// Two browsers at once: the report as written, for a screenshot and
	// its console; and an instrumented copy on a narrow window (500 px is
	// as narrow as headless Chromium goes) for chart sizes, errors and
	// overflow.
	var wg sync.WaitGroup
	var shotLog string
	var shotRunErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		shotLog, shotRunErr = browsertest.Screenshot(bin, page, shot, "1280,2000")
	}()
	dom, stderr, err := browsertest.DumpDOM(bin, probed, "500,900")
	wg.Wait()
	if shotRunErr != nil {
		t.Fatal(shotRunErr)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range browsertest.Console(shotLog) {
		t.Errorf("browser console: %s", line)
	}
	browsertest.CheckScreenshot(t, shot)
	for _, line := range browsertest.Console(stderr) {
		t.Errorf("browser console (instrumented page): %s", line)
	}
	var r struct {
		Errors  []string
		Figures int
		Charts  []struct {
			ID    string
			W, H  float64
			Box   float64 // right edge of the chart's scrolling box
			Texts int
		}
		InnerWidth, ScrollWidth float64
	}
	if err := browsertest.DecodeProbe(dom, &r); err != nil {
		t.Fatalf("%v; stderr:\n%s", err, stderr)
	}
	for _, e := range r.Errors {
		t.Errorf("page error: %s", e)
	}
	if want := len(rep.Figures()); len(r.Charts) != want || r.Figures != want {
		t.Errorf("%d charts and %d figures in the page, want %d", len(r.Charts), r.Figures, want)
	}
	for _, c := range r.Charts {
		if c.W < 100 || c.H < 50 || c.Texts == 0 {
			t.Errorf("chart %s drawn %.0f×%.0f px with %d texts", c.ID, c.W, c.H, c.Texts)
		}
		if c.Box > r.InnerWidth {
			t.Errorf("chart %s's box ends at %.0f px in a %.0f px window", c.ID, c.Box, r.InnerWidth)
		}
	}
	if r.ScrollWidth > r.InnerWidth+1 {
		t.Errorf("on a %.0f px window the page scrolls sideways (%.0f px wide)", r.InnerWidth, r.ScrollWidth)
	}
	if !strings.Contains(dom, `id="tab-evidence-determinism-versions"`) {
		t.Error("the page lacks the table of digests across versions")
	}
	for _, id := range []string{SectionLazy, SectionPulls} {
		if !strings.Contains(dom, `id="`+id+`"`) {
			t.Errorf("the page has no section %s", id)
		}
	}
	if strings.Contains(dom, "<script>alert(1)</script>") {
		t.Error("the layer named <script>alert(1)</script> became an element")
	}
}
