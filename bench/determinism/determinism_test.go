package determinism_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"zbench/bench"
	"zbench/bench/codecs"
	"zbench/bench/codectest"
	"zbench/bench/determinism"
)

// fake is a codec whose output is its input with a tag in front; what goes
// into the tag says what the output depends on.
type fake struct {
	name   string
	format string
	tag    func(l bench.Level, writes int) []byte
}

var counter uint64

func (f fake) Name() string          { return f.name }
func (f fake) Format() string        { return f.format }
func (f fake) Module() string        { return "fake" }
func (f fake) Levels() []bench.Level { return []bench.Level{{Name: "1", N: 1}, {Name: "2", N: 2}} }
func (f fake) Threads() int          { return runtime.GOMAXPROCS(0) }
func (f fake) NewReader(r io.Reader) (io.ReadCloser, error) {
	return nil, errors.New("fake: no reader")
}

func (f fake) NewWriter(w io.Writer, l bench.Level) (io.WriteCloser, error) {
	if f.tag == nil {
		return nil, errors.New("fake: broken")
	}
	return &fakeWriter{f: f, w: w, l: l}, nil
}

type fakeWriter struct {
	f      fake
	w      io.Writer
	l      bench.Level
	writes int
	buf    bytes.Buffer
}

func (fw *fakeWriter) Write(p []byte) (int, error) { fw.writes++; return fw.buf.Write(p) }
func (fw *fakeWriter) Close() error {
	fw.w.Write(fw.f.tag(fw.l, fw.writes))
	_, err := fw.w.Write(fw.buf.Bytes())
	return err
}

func variant(c bench.Codec) determinism.Task {
	return determinism.Task{Variant: bench.Variant{Codec: c, Threads: c.Threads, NewWriter: c.NewWriter}, Levels: c.Levels()}
}

func TestMeasure(t *testing.T) {
	stable := fake{"stable", bench.Gzip, func(l bench.Level, _ int) []byte { return []byte{byte(l.N)} }}
	twin := fake{"twin", bench.Gzip, stable.tag} // writes what stable writes
	random := fake{"random", bench.Gzip, func(bench.Level, int) []byte {
		counter++
		return binary.LittleEndian.AppendUint64(nil, counter)
	}}
	procs := fake{"procs", bench.Gzip, func(bench.Level, int) []byte { return []byte{byte(runtime.GOMAXPROCS(0))} }}
	writes := fake{"writes", bench.Zstd, func(_ bench.Level, n int) []byte { return []byte{byte(n)} }}
	broken := fake{name: "broken", format: bench.Zstd}
	other := fake{"other", bench.Zstd, func(l bench.Level, _ int) []byte { return []byte{byte(l.N)} }}

	tasks := []determinism.Task{variant(stable), variant(twin), variant(random), variant(procs), variant(writes), variant(broken), variant(other)}
	// a variant of stable that differs from it
	tasks = append(tasks, determinism.Task{Variant: bench.Variant{Codec: stable, Option: "shifted", Threads: func() int { return 8 },
		NewWriter: procs.NewWriter}, Levels: stable.Levels()[:1]})

	prev := runtime.GOMAXPROCS(0)
	var progress int
	in := determinism.Input{Name: "layer", DiffID: "sha256:x", Raw: codectest.TarLike(100 << 10)}
	m, err := determinism.Measure(context.Background(), []determinism.Input{in}, tasks,
		determinism.Options{Repeats: 2, GOMAXPROCS: []int{1, 3}, WriteSize: 10 << 10, Progress: func(string) { progress++ },
			Comparable: func(_ bench.Codec, l bench.Level) (int, bool) { return l.N, true }})
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOMAXPROCS(0) != prev {
		t.Errorf("GOMAXPROCS is %d after Measure, want it restored to %d", runtime.GOMAXPROCS(0), prev)
	}
	// 7 codecs x 2 levels + 1 variant x 1 level, each at 2 GOMAXPROCS x 2
	// repeats + 1 piecewise: 5 encodes; broken stops after its first at
	// each GOMAXPROCS, so 3 for each of its 2 levels.
	if want := 15*5 - 2*2; progress != want {
		t.Errorf("%d encodes, want %d", progress, want)
	}

	type want struct{ repeatable, procs, writes, det bool }
	for _, c := range []struct {
		name string
		want want
	}{
		{"stable", want{true, true, true, true}},
		{"random", want{false, false, false, false}},
		{"procs", want{true, false, true, false}},
		{"writes", want{true, true, false, false}},
		{"broken", want{false, false, false, false}},
	} {
		for _, s := range m.Settings {
			if s.Codec != c.name || s.Option != "" {
				continue
			}
			got := want{s.Repeatable, s.SameAcrossGOMAXPROCS, s.SameAcrossWrites, s.Deterministic()}
			if got != c.want {
				t.Errorf("%s level %s: (repeatable, across GOMAXPROCS, across writes, deterministic) = %v, want %v", c.name, s.Level, got, c.want)
			}
			if c.name == "procs" && (len(s.Threads) != 2 || s.Threads[0] != 1 || s.Threads[1] != 3) {
				t.Errorf("procs threads %v, want [1 3]", s.Threads)
			}
			if c.name == "broken" && !strings.Contains(s.Err, "fake: broken") {
				t.Errorf("broken: error %q", s.Err)
			}
		}
	}
	var found bool
	for _, s := range m.Settings {
		if s.Option == "shifted" {
			found = true
			if s.SameAsCodec == nil || *s.SameAsCodec {
				t.Errorf("variant that writes other bytes: SameAsCodec = %v, want false", s.SameAsCodec)
			}
		}
	}
	if !found {
		t.Error("no setting for the variant")
	}

	// Across implementations: gzip level 1 has stable, twin, random, procs
	// and the variant; stable and twin agree (at GOMAXPROCS 3, procs writes
	// {3}, the variant too: another group).
	for _, c := range m.Across {
		if c.Format == bench.Gzip && c.Level == 1 {
			if c.Identical || len(c.Groups) != 3 {
				t.Errorf("gzip level 1: groups %q, want 3", c.Groups)
			}
			if g := strings.Join(c.Groups[0], ","); g != "stable@1,twin@1" && g != "procs@1,stable [shifted]@1" {
				t.Errorf("gzip level 1: largest group %q", g)
			}
		}
		if c.Format == bench.Zstd && c.Level == 2 && c.Identical {
			t.Errorf("zstd level 2: writes and other differ in bytes but were found identical: %q", c.Groups)
		}
	}

	var buf bytes.Buffer
	if err := m.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"same_across_gomaxprocs"`) {
		t.Errorf("JSON lacks the summary fields:\n%.500s", buf.String())
	}
}

// TestRealCodecs runs the real codecs once on a small input: the library
// codecs as measured are deterministic, and libzstd with workers frames its
// output differently from libzstd without.
func TestRealCodecs(t *testing.T) {
	var tasks []determinism.Task
	for _, v := range codecs.Variants(codecs.All()) {
		if codecs.IsExternal(v.Codec) && testing.Short() {
			continue
		}
		if len(v.Codec.Levels()) == 0 {
			continue // a decode-only codec (unpigz-pipe): nothing to encode
		}
		l := v.Codec.(codecs.Defaulter).DefaultLevel()
		tasks = append(tasks, determinism.Task{Variant: v, Levels: []bench.Level{l}})
	}
	in := determinism.Input{Name: "tarlike", Raw: codectest.TarLike(3 << 20)}
	m, err := determinism.Measure(context.Background(), []determinism.Input{in}, tasks, determinism.Options{Repeats: 2, Comparable: codecs.ComparableLevel})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range m.Settings {
		if s.Err != "" {
			t.Errorf("%s level %s: %s", s.Name(), s.Level, s.Err)
		}
		// Of the libraries as measured, only klauspost's stateless gzip
		// mode depends on Write sizes, and it is not a default level.
		if s.Option == "" && !s.Deterministic() {
			t.Errorf("%s level %s is not deterministic: %+v", s.Name(), s.Level, s)
		}
		if s.Codec == "zstd-cgo" && s.Option == "nbWorkers=1" && (s.SameAsCodec == nil || *s.SameAsCodec) {
			t.Logf("zstd-cgo with one worker wrote what it writes without (libzstd framed both alike on this input)")
		}
	}
}
