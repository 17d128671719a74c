package site

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
	"testing"
	"time"

	"zbench/plots"
)

// The helpers follow plots/browser_test.go: Debian's chromium, headless,
// offline, its console on stderr.

var chromiumFlags = []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"}

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

func chromium(bin, file string, args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	profile, err := os.MkdirTemp("", "zbench-chromium-")
	if err != nil {
		return "", "", err
	}
	defer os.RemoveAll(profile)
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", "", err
	}
	all := append(append(append([]string{}, chromiumFlags...), "--user-data-dir="+profile), args...)
	cmd := exec.CommandContext(ctx, bin, append(all, "file://"+filepath.ToSlash(abs))...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = append(os.Environ(), "HOME="+profile)
	if err := cmd.Run(); err != nil {
		return out.String(), errb.String(), fmt.Errorf("%s: %w\n%s", cmd, err, errb.String())
	}
	return out.String(), errb.String(), nil
}

var consoleLine = regexp.MustCompile(`(?m)^.*:CONSOLE[:(].*$`)

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

func instrument(t *testing.T, page []byte, script string) []byte {
	t.Helper()
	sum := sha256.Sum256([]byte(script))
	hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	csp := []byte(`content="default-src 'none';`)
	if !bytes.Contains(page, csp) {
		t.Fatal("the page has no Content-Security-Policy to extend")
	}
	page = bytes.Replace(page, csp, []byte(`content="default-src 'none'; script-src `+hash+`;`), 1)
	i := bytes.Index(page, []byte("<title>"))
	if i < 0 {
		t.Fatal("no <title> in the page")
	}
	return append(append(append([]byte{}, page[:i]...), "<script>"+script+"</script>\n"...), page[i:]...)
}

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
	if err := os.WriteFile(probed, instrument(t, b, script), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(probed)
	absShot, _ := filepath.Abs(shot)
	os.Remove(absShot)
	_, log, err := chromium(bin, page, "--enable-logging=stderr", "--v=0", "--window-size=1280,1600", "--screenshot="+absShot)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range consoleLine.FindAllString(log, -1) {
		t.Errorf("%s: browser console: %s", filepath.Base(page), line)
	}
	if st, err := os.Stat(absShot); err != nil || st.Size() < 10_000 {
		t.Errorf("no screenshot at %s: %v", absShot, err)
	} else {
		t.Logf("screenshot: %s", absShot)
	}
	dom, stderr, err := chromium(bin, probed, "--enable-logging=stderr", "--v=0", "--window-size=1280,1600", "--dump-dom")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range consoleLine.FindAllString(stderr, -1) {
		t.Errorf("%s (instrumented): browser console: %s", filepath.Base(page), line)
	}
	m := regexp.MustCompile(`<pre id="zbench-probe">([^<]*)</pre>`).FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("the probe left no result in %s; stderr:\n%s", page, stderr)
	}
	var r probeResult
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &r); err != nil {
		t.Fatalf("probe result %q: %v", m[1], err)
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
	bin := findChromium(t)
	s := buildSynth(t)
	out := filepath.Join(artifactDir(t), "site")
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
	arts := artifactDir(t)
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
