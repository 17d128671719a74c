package browsertest

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
)

func TestInstrument(t *testing.T) {
	page := `<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"><title>r</title></head><body></body></html>`
	script := `document.title = 'x';`
	got := string(Instrument(t, []byte(page), script))
	sum := sha256.Sum256([]byte(script))
	want := `content="default-src 'none'; script-src 'sha256-` + base64.StdEncoding.EncodeToString(sum[:]) + `'; style-src 'unsafe-inline'"`
	if !strings.Contains(got, want) {
		t.Errorf("the policy does not allow the script by hash:\n%s\nwant it to contain %s", got, want)
	}
	s, ti := strings.Index(got, "<script>"+script+"</script>"), strings.Index(got, "<title>")
	if s < 0 || s > ti {
		t.Errorf("the script is not just before <title>:\n%s", got)
	}
	if !strings.HasSuffix(got, "<title>r</title></head><body></body></html>") {
		t.Errorf("the rest of the page changed:\n%s", got)
	}
}

func TestDecodeProbe(t *testing.T) {
	var r struct {
		Errors []string
		N      int
	}
	dom := `<html><body><p>x</p><pre id="zbench-probe">{"errors":["CSP: img-src &lt;x&gt;"],"n":3}</pre></body></html>`
	if err := DecodeProbe(dom, &r); err != nil {
		t.Fatal(err)
	}
	if r.N != 3 || len(r.Errors) != 1 || r.Errors[0] != "CSP: img-src <x>" {
		t.Errorf("decoded %+v", r)
	}
	if err := DecodeProbe(`<html><body></body></html>`, &r); err == nil {
		t.Error("no error for a page without the probe's result")
	}
	if err := DecodeProbe(`<pre id="zbench-probe">{"n":</pre>`, &r); err == nil {
		t.Error("no error for a truncated result")
	}
}

func TestConsole(t *testing.T) {
	stderr := "[1:2:1201/120000.000000:INFO:CONSOLE(3)] \"Refused to load the image\", source: file:///r.html (3)\n" +
		"[1:2:1201/120000.000001:ERROR:gpu_init.cc(1)] not a console line\n" +
		"[1:2:1201/120000.000002:INFO:CONSOLE:1] \"error\"\n"
	if got := Console(stderr); len(got) != 2 || !strings.Contains(got[0], "Refused") || !strings.Contains(got[1], `"error"`) {
		t.Errorf("console lines %q, want the two CONSOLE ones", got)
	}
}
