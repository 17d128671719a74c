package main

import (
	"errors"
	"fmt"
	"testing"

	"zbench/corpus"
)

// TestFlagAdvice checks that the command names the flag the corpus leaves
// out, at the end of the message, as zbench said it before the corpus
// stopped naming flags.
func TestFlagAdvice(t *testing.T) {
	loop := fmt.Errorf(`fetching "127.0.0.1:5000/img:1": Get "http://127.0.0.1:5000/v2/": %w`,
		&corpus.InsecureError{Host: "127.0.0.1:5000", Loopback: true})
	remote := &corpus.InsecureError{Host: "registry.example.com"}
	for _, tt := range []struct {
		err  error
		want string
	}{
		{loop, `fetching "127.0.0.1:5000/img:1": Get "http://127.0.0.1:5000/v2/": plain HTTP refused to 127.0.0.1:5000: use -insecure for a registry on loopback without TLS`},
		{remote, "plain HTTP refused to registry.example.com: zbench allows plain HTTP only to a registry on loopback, and registry.example.com does not resolve to loopback addresses only (with -insecure)"},
		{corpus.ErrCorrupt, corpus.ErrCorrupt.Error()},
	} {
		if got := withFlagAdvice(tt.err); got != tt.want {
			t.Errorf("withFlagAdvice(%v) =\n  %s\nwant\n  %s", tt.err, got, tt.want)
		}
		if got := withAdvice(tt.err); got.Error() != tt.want || !errors.Is(got, tt.err) {
			t.Errorf("withAdvice(%v) = %v, want %s wrapping the error", tt.err, got, tt.want)
		}
	}
}
