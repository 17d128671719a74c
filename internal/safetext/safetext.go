// Package safetext escapes strings that come from elsewhere (a registry's
// media types, URLs, annotations, tags and error bodies; a lock file) before
// they reach a terminal, where an ESC sequence could move the cursor,
// rewrite what was printed, set the window title or hide text.
package safetext

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Line escapes s for one line of output: control characters (C0, DEL and
// C1, ESC and CSI among them, newlines too), Unicode format characters such
// as the bidirectional overrides, and invalid UTF-8 are written as Go
// escapes (\x1b, \u202e, \n); everything else is kept as is. Text that
// needs no escaping is returned unchanged.
func Line(s string) string { return escape(s, false) }

// Text is Line for a message of several lines: newlines and tabs are kept.
func Text(s string) string { return escape(s, true) }

func escape(s string, multiline bool) string {
	if clean(s, multiline) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case multiline && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case unsafe(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// clean reports whether s needs no escaping.
func clean(s string, multiline bool) bool {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return false
		}
		if unsafe(r) && !(multiline && (r == '\n' || r == '\t')) {
			return false
		}
		i += n
	}
	return true
}

// unsafe reports whether r must not reach a terminal raw: a control
// character, or a format character (bidi overrides, zero-width joiners).
func unsafe(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError
}
