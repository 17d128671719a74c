package codecs_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	kzstd "github.com/klauspost/compress/zstd"

	"zbench/bench"
	"zbench/bench/codecs"
	"zbench/bench/codectest"
)

// zstdCgoShort are the zstd-cgo levels checked in -short mode: its high
// levels take seconds per stream (level 22 sets up about a gigabyte of
// tables for a stream of unknown size).
var zstdCgoShort = codectest.ShortLevels("1", "3", "19", "20")

// shortLevels are the levels checked in -short mode for codecs whose high
// levels are slow, or whose every level starts a process several times.
var shortLevels = map[string]codectest.Option{
	"zstd-cgo":               zstdCgoShort,
	codecs.ZstdCLIName:       codectest.ShortLevels("1", "3", "19"),
	codecs.GzipCLIName:       codectest.ShortLevels("1", "6", "9"),
	codecs.PigzCLIName:       codectest.ShortLevels("1", "6", "9"),
	codecs.IgzipCLIName:      codectest.ShortLevels("0", "3"),
	codecs.LibdeflateCLIName: codectest.ShortLevels("1", "6", "12"),
	codecs.EstargzName:       codectest.ShortLevels("1", "9"),
	codecs.ZstdChunkedName:   codectest.ShortLevels("1", "10"),
}

// tarInput are the codecs that read the tar they compress: the lazy-pull
// writers.
var tarInput = map[string]bool{codecs.EstargzName: true, codecs.ZstdChunkedName: true}

// TestConformance runs the conformance test for every codec, with all the
// others as peers for the interop check: the reference programs' codecs
// among them, so every decoder reads every encoder's output.
func TestConformance(t *testing.T) {
	all := codecs.All()
	for _, c := range all {
		t.Run(c.Name(), func(t *testing.T) {
			t.Parallel()
			if d, ok := c.(codectest.DecodeOnly); ok {
				codectest.RunDecoder(t, d, all)
				return
			}
			var opts []codectest.Option
			if o, ok := shortLevels[c.Name()]; ok {
				opts = append(opts, o)
			}
			if tarInput[c.Name()] {
				opts = append(opts, codectest.TarInput())
			}
			if c.Name() == codecs.ZstdChunkedName && codecs.ZstdCgo() != nil {
				opts = append(opts, codectest.KnownFailure("zstd-cgo", codecs.ZstdCgoMultiFrame))
			}
			codectest.Run(t, c, all, opts...)
		})
	}
}

// TestEstargzChunkSize runs the conformance test on eStargz with 64 KiB
// chunks, so that files are cut into several chunks, each verified.
func TestEstargzChunkSize(t *testing.T) {
	c, err := codecs.EstargzWithChunkSize(64 << 10)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name() != "estargz-chunk64KiB" {
		t.Errorf("Name() = %q", c.Name())
	}
	if _, err := codecs.EstargzWithChunkSize(0); err == nil {
		t.Error("chunk size 0: want an error")
	}
	codectest.Run(t, c, codecs.All(), codectest.TarInput(), codectest.ShortLevels("6"))
}

// TestPrograms checks that each reference program is on PATH, so that its
// codec is in All() and in the conformance test. Without a program the test
// is skipped, saying which Debian package to install, except under CI=true,
// where scripts/test.sh installs them all and a missing one is a failure.
func TestPrograms(t *testing.T) {
	for _, p := range codecs.MissingPrograms() {
		msg := fmt.Sprintf("%s is not on PATH, so %s is not tested (apt-get install %s)", p.Program, p.Codec, p.Package)
		if os.Getenv("CI") == "true" {
			t.Error(msg)
		} else {
			t.Log(msg)
		}
	}
	if len(codecs.MissingPrograms()) > 0 && os.Getenv("CI") != "true" {
		t.Skip("some reference programs are absent; see the log")
	}
	for _, c := range codecs.All() {
		x, ok := c.(codecs.External)
		if !ok {
			continue
		}
		if x.Version() == "" {
			t.Errorf("%s: %s reports no version that can be read", c.Name(), x.Program())
		}
		if !filepath.IsAbs(x.Program()) || c.Module() != x.Program() {
			t.Errorf("%s: Program() = %q, Module() = %q; want the same absolute path", c.Name(), x.Program(), c.Module())
		}
	}
}

// TestCLIErrors checks that a reference program's failure reaches the
// caller with the program's name and its stderr.
func TestCLIErrors(t *testing.T) {
	for _, c := range codecs.All() {
		if !codecs.IsExternal(c) {
			continue
		}
		t.Run(c.Name(), func(t *testing.T) {
			t.Parallel()
			r, err := c.NewReader(strings.NewReader("this is not a compressed stream, not at all"))
			if err != nil {
				t.Fatal(err)
			}
			_, err = io.ReadAll(r)
			cerr := r.Close()
			if !errors.Is(err, codecs.ErrProgram) || !errors.Is(cerr, codecs.ErrProgram) {
				t.Fatalf("reading garbage: Read error %v, Close error %v; want ErrProgram from both", err, cerr)
			}
			prog := filepath.Base(c.(codecs.External).Program())
			if !strings.Contains(err.Error(), prog+" ") || !strings.Contains(err.Error(), "exit status") {
				t.Errorf("error %q: want the program's name and exit status", err)
			}

			// Closing a reader before the end ends the program without
			// an error: the caller did not want the rest.
			var enc bytes.Buffer
			encoder := c
			if _, ok := c.(codectest.DecodeOnly); ok {
				encoder = codecs.GzipStd()
			}
			w, err := encoder.NewWriter(&enc, encoder.(codecs.Defaulter).DefaultLevel())
			if err != nil {
				t.Fatal(err)
			}
			w.Write(codectest.TarLike(1 << 20))
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			r, err = c.NewReader(bytes.NewReader(enc.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.Read(make([]byte, 10)); err != nil {
				t.Fatal(err)
			}
			if err := r.Close(); err != nil {
				t.Errorf("Close before the end: %v, want nil", err)
			}
		})
	}
}

func TestTable(t *testing.T) {
	want := []string{"gzip-std", "gzip-klauspost", "gzip-pgzip", "zstd-klauspost", "zstd-cgo"}
	optIn := []string{codecs.EstargzName, codecs.ZstdChunkedName}
	for _, c := range []bench.Codec{codecs.ZstdCLI(), codecs.GzipCLI(), codecs.PigzCLI(), codecs.IgzipCLI(), codecs.LibdeflateCLI(),
		codecs.UnpigzPipe(), codecs.IgzipPipe()} {
		if c != nil {
			optIn = append(optIn, c.Name())
		}
	}
	if !slices.Equal(codecs.OptIn(), optIn) {
		t.Errorf("OptIn() = %q, want the lazy-pull writers and the reference programs on PATH, %q", codecs.OptIn(), optIn)
	}
	if codecs.ZstdCgo() == nil {
		want = want[:4]
		if v := codecs.LibzstdVersion(); v != "" {
			t.Errorf("without zstd-cgo, LibzstdVersion() = %q, want \"\"", v)
		}
	} else if v := codecs.LibzstdVersion(); !strings.HasPrefix(v, "1.") {
		t.Errorf("LibzstdVersion() = %q, want a version like 1.5.7", v)
	}
	var got []string
	for _, c := range codecs.All() {
		got = append(got, c.Name())
		d, ok := c.(codecs.Describer)
		if !ok || d.Describe() == "" || strings.Contains(d.Describe(), "\n") {
			t.Errorf("%s: want a one-line Describe()", c.Name())
		}
		def, ok := c.(codecs.Defaulter)
		if _, decodeOnly := c.(codectest.DecodeOnly); decodeOnly {
			if ok || len(c.Levels()) != 0 {
				t.Errorf("%s: decode-only, yet it has levels or a default level", c.Name())
			}
		} else if !ok {
			t.Errorf("%s: no DefaultLevel()", c.Name())
		} else if l, err := bench.LevelByName(c, def.DefaultLevel().Name); err != nil || l != def.DefaultLevel() {
			t.Errorf("%s: DefaultLevel() = %+v, not one of its levels", c.Name(), def.DefaultLevel())
		}
		if b, err := codecs.ByName(c.Name()); err != nil || b.Name() != c.Name() {
			t.Errorf("ByName(%q) = %v, %v", c.Name(), b, err)
		}
	}
	want = append(want, optIn...)
	if !slices.Equal(got, want) {
		t.Errorf("All() names = %q, want %q", got, want)
	}
	for _, p := range codecs.MissingPrograms() {
		if _, err := codecs.ByName(p.Codec); !errors.Is(err, codecs.ErrUnknown) || !strings.Contains(err.Error(), p.Package) {
			t.Errorf("ByName(%q) with %s absent: error %v, want ErrUnknown naming package %s", p.Codec, p.Program, err, p.Package)
		}
	}
	if _, err := codecs.ByName("gzip-nope"); !errors.Is(err, codecs.ErrUnknown) {
		t.Errorf("ByName(unknown) error = %v, want ErrUnknown", err)
	}

	q := codecs.Quick()
	buffers := 0
	for name := range q {
		if base, ok := strings.CutSuffix(name, bench.BufferSuffix); ok {
			buffers++
			if c, err := codecs.ByName(base); err != nil || !bench.HasBuffer(c) {
				t.Errorf("Quick() names %s, but %s has no whole-buffer API (%v)", name, base, err)
			}
		}
	}
	if len(q) != len(want)+buffers {
		t.Errorf("Quick() has %d codecs, want %d", len(q), len(want)+buffers)
	}
	for name, levels := range q {
		c, err := codecs.ByName(strings.TrimSuffix(name, bench.BufferSuffix))
		if err != nil {
			t.Errorf("Quick(): %v", err)
			continue
		}
		for _, l := range levels {
			if _, err := bench.LevelByName(c, l); err != nil {
				t.Errorf("Quick(): %v", err)
			}
		}
	}

	if n := codecs.Pgzip().Threads(); n != runtime.GOMAXPROCS(0) {
		t.Errorf("gzip-pgzip Threads() = %d, want GOMAXPROCS = %d", n, runtime.GOMAXPROCS(0))
	}
	for _, l := range codecs.ZstdKlauspost().Levels() {
		if ok, el := kzstd.EncoderLevelFromString(l.Name); !ok || int(el) != l.N || l.Note == "" {
			t.Errorf("zstd-klauspost level %+v: want N = zstd.EncoderLevel and a Note", l)
		}
	}
}

// TestGzipStdExact checks that gzip-std writes exactly what compress/gzip
// writes, so that the adapter adds and changes nothing.
func TestGzipStdExact(t *testing.T) {
	in := codectest.TarLike(1 << 20)
	c := codecs.GzipStd()
	for _, l := range c.Levels() {
		var want bytes.Buffer
		zw, err := gzip.NewWriterLevel(&want, l.N)
		if err != nil {
			t.Fatal(err)
		}
		zw.Write(in)
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if got := encode(t, c, l, in); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("level %s: got %d bytes, compress/gzip writes %d (or other bytes)", l, len(got), want.Len())
		}
	}
}

// encode writes in with c at l in one Write.
func encode(t testing.TB, c bench.Codec, l bench.Level, in []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := c.NewWriter(&out, l)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(in); err != nil {
		t.Fatalf("%s level %s: Write: %v", c.Name(), l, err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("%s level %s: Close: %v", c.Name(), l, err)
	}
	return out.Bytes()
}

// TestZstdWindowLimit checks that both zstd decoders read frames with the
// 128 MiB window of libzstd level 22 and both refuse a 256 MiB one (which
// needs --long=28 and, from the CLI, --memory), so that they agree.
func TestZstdWindowLimit(t *testing.T) {
	// A frame by hand: no checksum, no content size, a window descriptor,
	// and one raw last block of "hello".
	frame := func(windowLog int) []byte {
		bh := uint32(5)<<3 | 1
		return []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, byte(windowLog-10) << 3,
			byte(bh), byte(bh >> 8), byte(bh >> 16), 'h', 'e', 'l', 'l', 'o'}
	}
	for _, c := range codecs.All() {
		if c.Format() != bench.Zstd || !bench.Decodes(c) {
			continue
		}
		r, err := c.NewReader(bytes.NewReader(frame(27)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		r.Close()
		if err != nil || string(got) != "hello" {
			t.Errorf("%s: 128 MiB window: got %q, %v; want \"hello\"", c.Name(), got, err)
		}
		r, err = c.NewReader(bytes.NewReader(frame(28)))
		if err != nil {
			t.Fatal(err)
		}
		got, err = io.ReadAll(r)
		r.Close()
		if err == nil {
			t.Errorf("%s: 256 MiB window: got %q and no error, want an error", c.Name(), got)
		}
	}
}

// TestPipeArgs checks that the pipe decoders run their program with the
// arguments containerd and Docker give it.
func TestPipeArgs(t *testing.T) {
	if !slices.Equal(codecs.PipeArgs, []string{"-d", "-c"}) {
		t.Errorf("PipeArgs = %q, want containerd's and Docker's -d -c", codecs.PipeArgs)
	}
	for _, c := range []bench.Codec{codecs.UnpigzPipe(), codecs.IgzipPipe()} {
		if c == nil {
			continue
		}
		want := map[string]string{codecs.UnpigzPipeName: "unpigz", codecs.IgzipPipeName: "igzip"}[c.Name()]
		if got := filepath.Base(c.(codecs.External).Program()); got != want {
			t.Errorf("%s runs %s, want %s", c.Name(), got, want)
		}
	}
}
