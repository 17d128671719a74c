package plots

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// chromiumFlags run Chromium headless, isolated, and without reaching out
// to the network on its own.
var chromiumFlags = []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"}

// findChromium returns Debian's chromium (or ZBENCH_CHROMIUM). Without it
// the test is skipped, unless CI=true: CI installs it (scripts/test.sh),
// so there its absence is a failure.
func findChromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ZBENCH_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "chromium not found: the browser test needs Debian's chromium (apt-get install chromium; scripts/test.sh installs it) or ZBENCH_CHROMIUM"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// artifactDir is where the browser test keeps its screenshots and the
// report it loaded: $ZBENCH_ARTIFACTS, or out/test-artifacts at the root
// of the module.
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ZBENCH_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "out", "test-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// chromium runs the browser on a file with args and returns its stdout
// and stderr.
func chromium(bin, file string, args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	profile, err := os.MkdirTemp("", "zbench-chromium-")
	if err != nil {
		return "", "", err
	}
	defer os.RemoveAll(profile)
	all := append(append(append([]string{}, chromiumFlags...), "--user-data-dir="+profile), args...)
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", "", err
	}
	cmd := exec.CommandContext(ctx, bin, append(all, "file://"+filepath.ToSlash(abs))...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = append(os.Environ(), "HOME="+profile)
	if err := cmd.Run(); err != nil {
		return out.String(), errb.String(), fmt.Errorf("%s: %w\n%s", cmd, err, errb.String())
	}
	return out.String(), errb.String(), nil
}

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

// instrument returns the report with the probe as its first script, and
// its Content-Security-Policy allowing that one script (by hash) and
// nothing more.
func instrument(t *testing.T, page []byte) []byte {
	t.Helper()
	sum := sha256.Sum256([]byte(probe))
	hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	csp := []byte(`content="default-src 'none';`)
	if !bytes.Contains(page, csp) {
		t.Fatal("the report has no Content-Security-Policy to extend")
	}
	page = bytes.Replace(page, csp, []byte(`content="default-src 'none'; script-src `+hash+`;`), 1)
	i := bytes.Index(page, []byte("<title>"))
	if i < 0 {
		t.Fatal("no <title> in the report")
	}
	return insertBytes(page, i, []byte("<script>"+probe+"</script>\n"))
}

func insertBytes(b []byte, i int, ins []byte) []byte {
	out := append([]byte{}, b[:i]...)
	out = append(out, ins...)
	return append(out, b[i:]...)
}

// consoleLine is how Chromium logs a page's console messages, CSP
// violations and failed loads included, with --enable-logging=stderr.
var consoleLine = regexp.MustCompile(`(?m)^.*:CONSOLE[:(].*$`)

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
	bin := findChromium(t)
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
	arts := artifactDir(t)
	page := filepath.Join(arts, "browser-report.html")
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	probed := filepath.Join(arts, "browser-report-probed.html")
	if err := os.WriteFile(probed, instrument(t, buf.Bytes()), 0o644); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(arts, "browser-report.png")
	os.Remove(shot)

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
		_, shotLog, shotRunErr = chromium(bin, page, "--enable-logging=stderr", "--v=0", "--window-size=1280,2000",
			"--screenshot="+mustAbs(t, shot))
	}()
	dom, stderr, err := chromium(bin, probed, "--enable-logging=stderr", "--v=0", "--window-size=500,900", "--dump-dom")
	wg.Wait()
	if shotRunErr != nil {
		t.Fatal(shotRunErr)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range consoleLine.FindAllString(shotLog, -1) {
		t.Errorf("browser console: %s", line)
	}
	if st, err := os.Stat(shot); err != nil || st.Size() < 10_000 {
		t.Errorf("no screenshot at %s: %v", shot, err)
	} else {
		t.Logf("screenshot: %s", shot)
	}
	for _, line := range consoleLine.FindAllString(stderr, -1) {
		t.Errorf("browser console (instrumented page): %s", line)
	}
	m := regexp.MustCompile(`<pre id="zbench-probe">([^<]*)</pre>`).FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("the probe left no result in the page; stderr:\n%s", stderr)
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
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &r); err != nil {
		t.Fatalf("probe result %q: %v", m[1], err)
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

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
