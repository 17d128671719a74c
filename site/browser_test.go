package site

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zbench/internal/browsertest"
	"zbench/plots"
)

// probe records errors and, after load, every chart's drawn size, the
// vertical lines drawn in the colour of a worse step (their height against
// the chart's), and the chart texts that name a step, with their boxes.
const probe = `(function () {
  var r = {errors: [], charts: []};
  window.addEventListener('error', function (e) { r.errors.push('error: ' + (e.message || e.type)); }, true);
  document.addEventListener('securitypolicyviolation', function (e) { r.errors.push('CSP: ' + e.violatedDirective + ' ' + e.blockedURI); });
  window.addEventListener('load', function () {
    document.querySelectorAll('svg.chart').forEach(function (s) {
      var b = s.getBoundingClientRect();
      var c = {id: s.closest('figure').id, w: b.width, h: b.height, texts: s.querySelectorAll('text').length, lines: [], labels: []};
      s.querySelectorAll('path').forEach(function (p) {
        if (getComputedStyle(p).stroke !== WORSE) return;
        var pb = p.getBoundingClientRect();
        c.lines.push({x: pb.left - b.left, w: pb.width, h: pb.height});
      });
      s.querySelectorAll('text').forEach(function (t) {
        if (t.textContent.indexOf('step') < 0 && t.textContent.indexOf('\u2212') < 0) return;
        var tb = t.getBoundingClientRect();
        c.labels.push({text: t.textContent, x: tb.left - b.left, y: tb.top - b.top, w: tb.width, h: tb.height,
          fill: getComputedStyle(t).fill});
      });
      r.charts.push(c);
    });
    var p = document.createElement('pre');
    p.id = 'zbench-probe';
    p.textContent = JSON.stringify(r);
    document.body.appendChild(p);
  });
})();`

type probeResult struct {
	Errors []string
	Charts []struct {
		ID     string
		W, H   float64
		Texts  int
		Lines  []struct{ X, W, H float64 }
		Labels []struct {
			Text       string
			X, Y, W, H float64
			Fill       string
		}
	}
}

// load opens page in the browser as written (for a screenshot and its
// console) and instrumented (for the probe).
func load(t *testing.T, bin, page, shot string) probeResult {
	t.Helper()
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	c := plots.TrendWorseColor
	script := strings.Replace(probe, "WORSE", fmt.Sprintf("'rgb(%d, %d, %d)'", c.R, c.G, c.B), 1)
	probed := strings.TrimSuffix(page, ".html") + "-probed.html"
	if err := os.WriteFile(probed, browsertest.Instrument(t, b, script), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(probed)
	log, err := browsertest.Screenshot(bin, page, shot, "1280,1600")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range browsertest.Console(log) {
		t.Errorf("%s: browser console: %s", filepath.Base(page), line)
	}
	browsertest.CheckScreenshot(t, shot)
	dom, stderr, err := browsertest.DumpDOM(bin, probed, "1280,1600")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range browsertest.Console(stderr) {
		t.Errorf("%s (instrumented): browser console: %s", filepath.Base(page), line)
	}
	var r probeResult
	if err := browsertest.DecodeProbe(dom, &r); err != nil {
		t.Fatalf("%s: %v; stderr:\n%s", page, err, stderr)
	}
	for _, e := range r.Errors {
		t.Errorf("%s: page error: %s", filepath.Base(page), e)
	}
	for _, c := range r.Charts {
		if c.W < 100 || c.H < 50 || c.Texts == 0 {
			t.Errorf("%s: chart %s drawn %.0f×%.0f px with %d texts", filepath.Base(page), c.ID, c.W, c.H, c.Texts)
		}
	}
	return r
}

// TestSiteInBrowser writes the site of a synthetic history with a planted
// step (night 6: a klauspost upgrade makes one encoder 20% slower) and
// loads the stepped cell's page and its machine's page in headless
// Chromium: no console message, every chart drawn, and on the stepped
// cell's throughput chart a red vertical line spanning the plot, labelled
// with the change and the module version, inside the chart. Screenshots
// are kept in the artifact directory.
func TestSiteInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: skipped with -short")
	}
	bin := browsertest.Find(t)
	s := buildSynth(t)
	out := filepath.Join(browsertest.ArtifactDir(t), "site")
	os.RemoveAll(out)
	site, err := Write(s.st, out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	amd := site.Machines[0]
	var cell *Cell
	for _, c := range amd.Cells {
		if c.Name == zstdDefault {
			cell = c
		}
	}
	arts := browsertest.ArtifactDir(t)
	r := load(t, bin, filepath.Join(out, amd.Slug, cell.Slug+".html"), filepath.Join(arts, "site-cell.png"))
	if len(r.Charts) != len(cell.Series) {
		t.Fatalf("%d charts on the cell page, want %d", len(r.Charts), len(cell.Series))
	}
	tput := r.Charts[0] // MB/s comes first
	if !strings.HasSuffix(tput.ID, "-mb-s-"+strings.TrimPrefix(slug("MB/s", "MB/s"), "mb-s-")) {
		t.Errorf("first chart %s, want the MB/s one", tput.ID)
	}
	var tall int
	for _, l := range tput.Lines {
		if l.W < 4 && l.H > tput.H*0.5 {
			tall++
		}
	}
	if tall != 1 {
		t.Errorf("throughput chart: %d tall red vertical lines (of %d red paths %+v), want 1: the step", tall, len(tput.Lines), tput.Lines)
	}
	var labelled bool
	for _, l := range tput.Labels {
		if strings.HasPrefix(l.Text, "step −2") && strings.Contains(l.Text, "klauspost/compress v1.20.4 → v1.21.0") {
			labelled = true
			if l.X < 0 || l.Y < 0 || l.X+l.W > tput.W+1 || l.Y+l.H > tput.H+1 || l.W < 50 {
				t.Errorf("step label %q drawn at %.0f,%.0f %.0f×%.0f in a %.0f×%.0f chart", l.Text, l.X, l.Y, l.W, l.H, tput.W, tput.H)
			}
		}
	}
	if !labelled {
		t.Errorf("no step label on the throughput chart: %+v", tput.Labels)
	}
	// The step's line and the label sit at night 6 of 12: left of the middle.
	for _, l := range tput.Lines {
		if l.H > tput.H*0.5 && (l.X < tput.W*0.35 || l.X > tput.W*0.65) {
			t.Errorf("step line at x=%.0f of %.0f px, want near the middle (night 6 of 0–11)", l.X, tput.W)
		}
	}

	// The machine page: small multiples, one red step line, on the stepped cell.
	mr := load(t, bin, filepath.Join(out, amd.Slug, "index.html"), filepath.Join(arts, "site-machine.png"))
	if len(mr.Charts) != len(amd.Cells) {
		t.Errorf("%d small multiples, want %d", len(mr.Charts), len(amd.Cells))
	}
	var steppedCharts []string
	for _, c := range mr.Charts {
		for _, l := range c.Lines {
			if l.W < 4 && l.H > c.H*0.4 {
				steppedCharts = append(steppedCharts, c.ID)
			}
		}
	}
	if len(steppedCharts) != 1 || !strings.HasPrefix(steppedCharts[0], "fig-"+cell.Slug) {
		t.Errorf("small multiples with a step line: %v, want the one of %s", steppedCharts, cell.Slug)
	}
	load(t, bin, filepath.Join(out, "index.html"), filepath.Join(arts, "site-index.png"))
}
