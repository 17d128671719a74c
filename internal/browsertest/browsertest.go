// Package browsertest holds what the browser tests of plots and site
// share: finding Debian's chromium, running it headless and offline on a
// file, the directory that keeps their screenshots, and instrumenting a
// page with a probe script whose JSON result the test reads back from the
// dumped DOM.
//
// Only _test.go files import it. It imports nothing of zbench.
package browsertest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// Flags run Chromium headless, isolated, and without reaching out to the
// network on its own.
var Flags = []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"}

// timeout bounds one run of the browser.
const timeout = 90 * time.Second

// Find returns Debian's chromium (or $ZBENCH_CHROMIUM). Without it the
// test is skipped, unless CI=true: CI installs it (scripts/test.sh), so
// there its absence is a failure.
func Find(t testing.TB) string {
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

// ArtifactDir is where a browser test keeps its screenshots and the pages
// it loaded, created if need be: $ZBENCH_ARTIFACTS, or else
// ../out/test-artifacts from the test's package directory (where go test
// runs it), that is out/test-artifacts at the root of the module for a
// package one level down, as plots and site are.
func ArtifactDir(t testing.TB) string {
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

// Run runs the browser bin on file with Flags, a fresh profile (removed
// afterwards) and args, and returns its stdout and stderr. An error names
// the command and carries its stderr.
func Run(bin, file string, args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
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
	all := append(append(append([]string{}, Flags...), "--user-data-dir="+profile), args...)
	cmd := exec.CommandContext(ctx, bin, append(all, "file://"+filepath.ToSlash(abs))...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = append(os.Environ(), "HOME="+profile)
	if err := cmd.Run(); err != nil {
		return out.String(), errb.String(), fmt.Errorf("%s: %w\n%s", cmd, err, errb.String())
	}
	return out.String(), errb.String(), nil
}

// Screenshot loads page in a window of size ("width,height") and saves a
// screenshot of it at shot (replacing any older one), with the page's
// console logged to stderr, which it returns.
func Screenshot(bin, page, shot, size string) (stderr string, err error) {
	abs, err := filepath.Abs(shot)
	if err != nil {
		return "", err
	}
	os.Remove(abs)
	_, stderr, err = Run(bin, page, "--enable-logging=stderr", "--v=0", "--window-size="+size, "--screenshot="+abs)
	return stderr, err
}

// CheckScreenshot fails the test (without stopping it) unless shot holds a
// screenshot worth the name (10 kB or more), and logs where it is.
func CheckScreenshot(t testing.TB, shot string) {
	t.Helper()
	if abs, err := filepath.Abs(shot); err == nil {
		shot = abs
	}
	if st, err := os.Stat(shot); err != nil || st.Size() < 10_000 {
		t.Errorf("no screenshot at %s: %v", shot, err)
	} else {
		t.Logf("screenshot: %s", shot)
	}
}

// DumpDOM loads page in a window of size ("width,height") and returns the
// DOM after load, and stderr with the page's console on it.
func DumpDOM(bin, page, size string) (dom, stderr string, err error) {
	return Run(bin, page, "--enable-logging=stderr", "--v=0", "--window-size="+size, "--dump-dom")
}

// consoleLine is how Chromium logs a page's console messages, CSP
// violations and failed loads included, with --enable-logging=stderr.
var consoleLine = regexp.MustCompile(`(?m)^.*:CONSOLE[:(].*$`)

// Console returns the lines of the browser's stderr that log a console
// message of the page.
func Console(stderr string) []string {
	return consoleLine.FindAllString(stderr, -1)
}

// Instrument returns page with script as its first script (just before
// its <title>), and its Content-Security-Policy, which must start with
// default-src 'none', allowing that one script (by hash) and nothing more.
func Instrument(t testing.TB, page []byte, script string) []byte {
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
	out := append([]byte{}, page[:i]...)
	out = append(out, "<script>"+script+"</script>\n"...)
	return append(out, page[i:]...)
}

// probeResult is where a probe script leaves its result: JSON as the text
// of <pre id="zbench-probe">, appended to the body after load.
var probeResult = regexp.MustCompile(`<pre id="zbench-probe">([^<]*)</pre>`)

// DecodeProbe finds the probe's result in dom and decodes it into v.
func DecodeProbe(dom string, v any) error {
	m := probeResult.FindStringSubmatch(dom)
	if m == nil {
		return errors.New("the probe left no result (no #zbench-probe) in the page")
	}
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), v); err != nil {
		return fmt.Errorf("probe result %q: %w", m[1], err)
	}
	return nil
}
