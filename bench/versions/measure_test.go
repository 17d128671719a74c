package versions

import (
	"strings"
	"testing"

	"zbench/results"
)

// enc is a builder of encodes for the tests.
func enc(b Build, input, codec, level, digest string, n int64) results.VersionEncode {
	return results.VersionEncode{Build: b.ID(), Input: input, Codec: codec, Level: level, Digest: digest, Bytes: n}
}

func TestAssemble(t *testing.T) {
	axes := Axes{
		Go:        []string{"go1.26.8", "go1.27.4"},
		Klauspost: []string{"v1.17.11", "v1.18.0", "v1.20.4"},
		Libzstd:   []string{LibzstdBundled, LibzstdSystem},
	}
	settings := []Setting{{"gzip-std", "6"}, {"zstd-klauspost", "default"}, {"zstd-cgo", "3"}}
	base := axes.Baseline()
	go127 := axes.build(results.AxisGo, "go1.27.4")
	k18 := axes.build(results.AxisKlauspost, "v1.18.0")
	k20 := axes.build(results.AxisKlauspost, "v1.20.4")
	sys := axes.build(results.AxisLibzstd, LibzstdSystem)
	builds := []results.VersionBuild{
		{ID: base.ID()}, {ID: go127.ID()}, {ID: k18.ID()},
		{ID: k20.ID(), Err: "building: go build: exit status 1\nsome compiler output"},
		{ID: sys.ID()},
	}
	inputs := []results.DeterminismInput{{Name: "a", RawBytes: 100}, {Name: "b", RawBytes: 200}}
	encodes := []results.VersionEncode{
		enc(base, "a", "gzip-std", "6", "d1", 50), enc(base, "b", "gzip-std", "6", "d2", 90),
		enc(base, "a", "zstd-klauspost", "default", "k1", 40), enc(base, "b", "zstd-klauspost", "default", "k2", 80),
		enc(base, "a", "zstd-cgo", "3", "c1", 30), enc(base, "b", "zstd-cgo", "3", "c2", 70),
		// go1.27 changes gzip-std on a, not on b; not zstd-klauspost
		enc(go127, "a", "gzip-std", "6", "d1'", 47), enc(go127, "b", "gzip-std", "6", "d2", 90),
		enc(go127, "a", "zstd-klauspost", "default", "k1", 40), enc(go127, "b", "zstd-klauspost", "default", "k2", 80),
		// klauspost 1.18 changes zstd on b only; the encode of a failed
		{Build: k18.ID(), Input: "a", Codec: "zstd-klauspost", Level: "default", Err: "boom"},
		enc(k18, "b", "zstd-klauspost", "default", "k2'", 85),
		// the system libzstd wrote the same bytes
		enc(sys, "a", "zstd-cgo", "3", "c1", 30), enc(sys, "b", "zstd-cgo", "3", "c2", 70),
	}
	m := Assemble(axes, settings, builds, inputs, encodes)

	type row struct {
		axis, from, to, codec, input string
		same                         bool
		delta                        int64
		err                          string
	}
	want := []row{
		{"go", "go1.26.8", "go1.27.4", "gzip-std", "a", false, -3, ""},
		{"go", "go1.26.8", "go1.27.4", "gzip-std", "b", true, 0, ""},
		{"go", "go1.26.8", "go1.27.4", "zstd-klauspost", "a", true, 0, ""},
		{"go", "go1.26.8", "go1.27.4", "zstd-klauspost", "b", true, 0, ""},
		{"klauspost", "v1.17.11", "v1.18.0", "zstd-klauspost", "a", false, 0, "boom"},
		{"klauspost", "v1.17.11", "v1.18.0", "zstd-klauspost", "b", false, 5, ""},
		{"klauspost", "v1.18.0", "v1.20.4", "zstd-klauspost", "a", false, 0, "boom"},
		{"klauspost", "v1.18.0", "v1.20.4", "zstd-klauspost", "b", false, 0, "failed: building: go build: exit status 1"},
		{"libzstd", "bundled", "system", "zstd-cgo", "a", true, 0, ""},
		{"libzstd", "bundled", "system", "zstd-cgo", "b", true, 0, ""},
	}
	if len(m.Steps) != len(want) {
		for _, s := range m.Steps {
			t.Logf("%+v", s)
		}
		t.Fatalf("got %d steps, want %d", len(m.Steps), len(want))
	}
	for i, w := range want {
		s := m.Steps[i]
		got := row{s.Axis, s.From, s.To, s.Codec, s.Input, s.Same, s.Delta(), s.Err}
		if w.err != "" {
			if !strings.Contains(s.Err, w.err) {
				t.Errorf("step %d: error %q, want it to contain %q", i, s.Err, w.err)
			}
			got.err = w.err
		}
		if got != w {
			t.Errorf("step %d: got %+v, want %+v", i, got, w)
		}
	}
	// A failed build names the build and only the first line of its error.
	if e := m.Steps[7].Err; !strings.Contains(e, k20.ID()) || strings.Contains(e, "compiler output") {
		t.Errorf("failed build's step error %q: want the build's ID and the first line only", e)
	}
	if len(m.Axes) != 3 || m.Axes[1].Name != results.AxisKlauspost || len(m.Axes[1].Values) != 3 {
		t.Errorf("axes %+v", m.Axes)
	}
}

func TestAxesCheck(t *testing.T) {
	good := Axes{Go: []string{GoLocal, "go1.27.4"}, Klauspost: []string{"v1.20.4"}, Libzstd: []string{LibzstdBundled}}
	if err := good.Check(); err != nil {
		t.Errorf("Check(%+v) = %v", good, err)
	}
	for _, bad := range []Axes{
		{Go: []string{"1.27"}, Klauspost: []string{"v1.20.4"}, Libzstd: []string{LibzstdBundled}},
		{Go: []string{GoLocal}, Klauspost: []string{"latest"}, Libzstd: []string{LibzstdBundled}},
		{Go: []string{GoLocal}, Klauspost: []string{"v1.20.4"}, Libzstd: []string{"1.5.4"}},
		{Go: []string{GoLocal}, Libzstd: []string{LibzstdBundled}},
	} {
		if err := bad.Check(); err == nil {
			t.Errorf("Check(%+v) = nil, want an error", bad)
		}
	}
}

func TestGoLess(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"go1.27.3", "go1.27.4", true},
		{"go1.27.10", "go1.27.4", false},
		{"go1.27rc1", "go1.27.0", true},
		{"go1.27.0", "go1.27rc1", false},
		{"go1.26.8", "go1.27rc1", true},
	} {
		if got := goLess(c.a, c.b); got != c.want {
			t.Errorf("goLess(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
