package safetext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	for in, want := range map[string]string{
		"plain text, ünïcödé ok":             "plain text, ünïcödé ok",
		"a\x1b[2J\x1b]0;title\x07b":          `a\x1b[2J\x1b]0;title\ab`,
		"line\nnext\r":                       `line\nnext\r`,
		"\u009b31m C1 CSI":                   `\u009b31m C1 CSI`,
		"\x9b raw":                           `\x9b raw`,
		"bidi \u202eevil\u202c":              `bidi \u202eevil\u202c`,
		"bad utf8 \xff\xfe":                  `bad utf8 \xff\xfe`,
		"del \x7f":                           `del \x7f`,
		"https://example.com/l?x=1&y=%1b":    "https://example.com/l?x=1&y=%1b",
		"application/vnd.oci.image.layer.v1": "application/vnd.oci.image.layer.v1",
	} {
		if got := Line(in); got != want {
			t.Errorf("Line(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Text("two\n\tlines\x1b[1A"); got != "two\n\tlines\\x1b[1A" {
		t.Errorf("Text kept or lost the wrong characters: %q", got)
	}
}

// FuzzLine checks that nothing Line returns can drive a terminal: no
// control or format character, valid UTF-8.
func FuzzLine(f *testing.F) {
	for _, s := range []string{"", "ok", "\x1b[31mred", "\x9b", "\u202e", "\xff", "a\nb\r\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, out := range []string{Line(s), Text(s)} {
			if !utf8.ValidString(out) {
				t.Fatalf("invalid UTF-8 out of %q: %q", s, out)
			}
			for _, r := range out {
				if unsafe(r) && r != '\n' && r != '\t' {
					t.Fatalf("%U left in %q (from %q)", r, out, s)
				}
			}
		}
		if strings.ContainsAny(Line(s), "\n\t") {
			t.Fatalf("Line left a newline or tab: %q", Line(s))
		}
	})
}
