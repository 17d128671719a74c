package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
)

// TestClientFlag checks -client: one profile sets the decoders, resolved
// against PATH through the injected lookPath; several leave -decoders; a
// profile and -decoders together, or an unknown client, are usage errors.
func TestClientFlag(t *testing.T) {
	parse := func(path []string, args ...string) (gzip string, clients int, err error) {
		fs := flag.NewFlagSet("evidence", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		var ef evidenceFlags
		registerEvidenceFlags(fs, &ef)
		ef.lookPath = func(p string) (string, error) {
			for _, x := range path {
				if x == p {
					return "/bin/" + p, nil
				}
			}
			return "", errors.New("not found")
		}
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		p, err := ef.params("evidence", &stderr)
		if err != nil && !strings.Contains(stderr.String(), "-client") {
			t.Errorf("%q: error %v, stderr %q: want it to name -client", args, err, stderr.String())
		}
		return p.Decoders["gzip"], len(p.Clients), err
	}
	for _, c := range []struct {
		path    []string
		args    []string
		gzip    string
		clients int
	}{
		{[]string{"unpigz", "igzip"}, []string{"-client", "containerd"}, "igzip-pipe", 1},
		{[]string{"unpigz"}, []string{"-client", "containerd"}, "unpigz-pipe", 1},
		{nil, []string{"-client", "containerd"}, "gzip-klauspost", 1},
		{nil, []string{"-client", "docker"}, "gzip-std", 1},
		{nil, []string{"-client", "containers-image"}, "gzip-pgzip", 1},
		{nil, []string{"-client", "docker,containerd"}, "gzip-std", 2},
		{nil, []string{"-client", "docker,containerd", "-decoders", "gzip=gzip-klauspost"}, "gzip-klauspost", 2},
		{nil, []string{"-client", "none", "-decoders", "gzip=gzip-pgzip"}, "gzip-pgzip", 0},
		{nil, nil, "gzip-std", 16}, // all: 5 clients, 10 forced paths, library
	} {
		gz, n, err := parse(c.path, c.args...)
		if err != nil || gz != c.gzip || n != c.clients {
			t.Errorf("%q with %q on PATH: gzip decoder %s, %d profiles, %v; want %s, %d", c.args, c.path, gz, n, err, c.gzip, c.clients)
		}
	}
	for _, args := range [][]string{{"-client", "podman"}, {"-client", "docker", "-decoders", "gzip=gzip-pgzip"}} {
		if _, _, err := parse(nil, args...); !errors.Is(err, errUsage) {
			t.Errorf("%q: error %v, want errUsage", args, err)
		}
	}
}
