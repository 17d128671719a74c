// Package codectest is a conformance test for [bench.Codec]
// implementations, in the way ggcr's validate.Layer is for layers: [Run]
// checks one codec, and every codec's package test calls it.
//
// It also provides the inputs it uses ([Random], [TarLike]) and access to the
// shared corpus of real layers ([CorpusDir], [LayerTar]), which tests and
// benchmarks may use when it is there and skip, saying so, when it is not.
package codectest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"zbench/bench"
)

// RealLayer is the layer of the shared corpus that [Run] round-trips: a
// published busybox OCI layer blob (about 2 MiB of tar).
const RealLayer = "busybox-1.38.0-musl-amd64.tar.gz"

// An Option changes what [Run] checks.
type Option func(*config) error

type config struct {
	short    []string
	tarInput bool
	known    map[string]string // decoder name → why it fails
}

// KnownFailure says that decoder, a peer of c's format, cannot read what c
// writes, and why (a library bug, with its issue). Run leaves it out of the
// interop checks and checks instead that it still fails, so that the test
// says when the bug is fixed.
func KnownFailure(decoder, why string) Option {
	return func(c *config) error {
		if decoder == "" || why == "" {
			return errors.New("KnownFailure: name the decoder and say why")
		}
		if c.known == nil {
			c.known = map[string]string{}
		}
		c.known[decoder] = why
		return nil
	}
}

// TarInput makes Run feed c only tar archives (an empty stream, one small
// file, 1 MiB of random data as a file, [TarLike] data): for writers of
// lazy-pull formats, which read the tar they compress.
func TarInput() Option {
	return func(c *config) error {
		c.tarInput = true
		return nil
	}
}

// ShortLevels restricts the levels Run checks in -short mode to names (in
// full mode it checks every level). Use it for codecs whose high levels are
// slow.
func ShortLevels(names ...string) Option {
	return func(c *config) error {
		if len(names) == 0 {
			return errors.New("ShortLevels: no level named")
		}
		c.short = names
		return nil
	}
}

// The inputs, built once per process.
var (
	fewBytes = []byte("zbench\n")
	random   = sync.OnceValue(func() []byte { return Random(1 << 20) })
	// The same as tars, for [TarInput].
	fewBytesTar = sync.OnceValue(func() []byte { return tarOf("etc/zbench", fewBytes) })
	randomTar   = sync.OnceValue(func() []byte { return tarOf("usr/lib/random.bin", random()) })
	tarLike     = sync.OnceValue(func() []byte { return TarLike(4 << 20) })
	// medium is written in uneven pieces and read back in small ones, and
	// is what the corruption checks damage.
	medium = sync.OnceValue(func() []byte { return TarLike(256 << 10) })
)

// Run checks that c behaves as a [bench.Codec] must:
//
//   - its name, format, levels and threads are usable as result keys;
//   - NewWriter rejects a level that is not one of c's;
//   - at each level (every level, or those of [ShortLevels] in -short mode),
//     it round-trips empty input, a few bytes, 1 MiB of random data, 4 MiB
//     of [TarLike] data written at once, and 256 KiB of it written in uneven
//     pieces and read back in small reads through a reader that returns
//     half of what is asked (each input in a parallel subtest);
//   - every peer of c's format (skipping c itself) decodes what c writes to
//     the same bytes: the interop check;
//   - its writer appends only, leaves the underlying writer open, survives a
//     second Close, and finishes the stream only in Close: what was written
//     before Close does not decode to the whole input;
//   - its reader reports an error for a truncated stream and for a stream
//     with a byte changed where the format can tell (always for gzip, whose
//     trailer has a CRC-32; for zstd only when the frame has a content
//     checksum, otherwise Run logs what came out);
//   - at its lowest and default levels it round-trips [RealLayer] from the
//     shared corpus (skipped when the corpus is absent);
//   - when c is a [bench.BufferCodec], its whole-buffer API too, at the same
//     levels: each input (up to 1 MiB: one call has no internal buffer
//     boundaries to cross) round-trips through EncodeAll into a destination
//     of EncodeBound (which it must not outgrow), every streaming reader of
//     the format and c's DecodeAll read what EncodeAll writes, DecodeAll
//     reads what the streaming writer writes, an encoder and a decoder
//     reused for a second input give what fresh ones give, and DecodeAll
//     reports a truncated stream.
//
// The default level is the one c's DefaultLevel() bench.Level method returns,
// if it has one, otherwise the middle of its levels.
func Run(t *testing.T, c bench.Codec, peers []bench.Codec, opts ...Option) {
	t.Helper()
	var cfg config
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			t.Fatalf("codectest: %v", err)
		}
	}
	if !checkIdentity(t, c) {
		return
	}
	var same, broken []bench.Codec
	for _, p := range peers {
		if p.Format() == c.Format() && p.Name() != c.Name() && bench.Decodes(p) {
			if _, ok := cfg.known[p.Name()]; ok {
				broken = append(broken, p)
				continue
			}
			same = append(same, p)
		}
	}
	if !bench.Decodes(c) && len(same) == 0 {
		t.Fatalf("%s is encode-only: give Run a peer that decodes %s", c.Name(), c.Format())
	}

	levels := c.Levels()
	if testing.Short() && cfg.short != nil {
		levels = levels[:0:0]
		for _, name := range cfg.short {
			l, err := bench.LevelByName(c, name)
			if err != nil {
				t.Fatalf("codectest: ShortLevels: %v", err)
			}
			levels = append(levels, l)
		}
	}

	t.Run("bad-level", func(t *testing.T) {
		bad := bench.Level{Name: "no-such-level", N: 1 << 20}
		if w, err := c.NewWriter(io.Discard, bad); err == nil {
			w.Close()
			t.Errorf("NewWriter(level %q, N=%d) = nil error, want an error", bad.Name, bad.N)
		}
	})
	if len(broken) > 0 {
		t.Run("known-failures", func(t *testing.T) { checkKnown(t, c, broken, cfg.known, same) })
	}
	t.Run("close", func(t *testing.T) { checkClose(t, c, defaultLevel(c), same) })
	t.Run("layer", func(t *testing.T) { checkLayer(t, c, same) })
	for _, l := range levels {
		t.Run("level="+l.Name, func(t *testing.T) {
			t.Parallel()
			checkLevel(t, c, l, same, cfg.tarInput)
		})
	}
	if bc, ok := c.(bench.BufferCodec); ok {
		t.Run("api=buffer", func(t *testing.T) {
			t.Run("bad-level", func(t *testing.T) {
				bad := bench.Level{Name: "no-such-level", N: 1 << 20}
				if e, err := bc.NewBufferEncoder(bad); err == nil {
					e.Close()
					t.Errorf("NewBufferEncoder(level %q, N=%d) = nil error, want an error", bad.Name, bad.N)
				}
			})
			for _, l := range levels {
				t.Run("level="+l.Name, func(t *testing.T) {
					t.Parallel()
					checkBuffer(t, bc, l, same)
				})
			}
		})
	}
}

// encodeAll encodes in with a new buffer encoder of c at l into a
// destination of EncodeBound, checking that the output stays in it.
func encodeAll(c bench.BufferCodec, l bench.Level, in []byte) ([]byte, error) {
	e, err := c.NewBufferEncoder(l)
	if err != nil {
		return nil, err
	}
	out, err := encodeInto(e, c, in)
	if cerr := e.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("Close: %w", cerr)
	}
	return out, err
}

func encodeInto(e bench.BufferEncoder, c bench.BufferCodec, in []byte) ([]byte, error) {
	dst := make([]byte, 0, c.EncodeBound(len(in)))
	out, err := e.EncodeAll(dst, in)
	if err != nil {
		return nil, err
	}
	if len(out) > 0 && cap(dst) > 0 && &out[:1][0] != &dst[:1][0] {
		return nil, fmt.Errorf("EncodeAll of %d bytes: output of %d bytes not in the destination of EncodeBound = %d",
			len(in), len(out), cap(dst))
	}
	return out, nil
}

// decodeAll decodes enc with a new buffer decoder of c into a destination
// of size bytes.
func decodeAll(c bench.BufferCodec, enc []byte, size int) ([]byte, error) {
	d, err := c.NewBufferDecoder()
	if err != nil {
		return nil, err
	}
	out, err := d.DecodeAll(make([]byte, 0, size), enc)
	if cerr := d.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("Close: %w", cerr)
	}
	return out, err
}

// checkBuffer checks c's whole-buffer API at level l.
func checkBuffer(t *testing.T, c bench.BufferCodec, l bench.Level, peers []bench.Codec) {
	readers := append([]bench.Codec{c}, peers...)
	for _, in := range []struct {
		name string
		data func() []byte
	}{
		{"empty", func() []byte { return nil }},
		{"few-bytes", func() []byte { return fewBytes }},
		{"random-1MiB", random},
		{"tarlike-256KiB", medium},
	} {
		t.Run("input="+in.name, func(t *testing.T) {
			t.Parallel()
			data := in.data()
			enc, err := encodeAll(c, l, data)
			if err != nil {
				t.Fatalf("EncodeAll: %v", err)
			}
			checkDecoders(t, "EncodeAll output", enc, data, readers, false)
			got, err := decodeAll(c, enc, len(data))
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("DecodeAll of EncodeAll output: err %v, %s", err, diff(got, data))
			}
		})
	}

	// The other way: the streaming writer's output, whole.
	t.Run("stream-to-DecodeAll", func(t *testing.T) {
		t.Parallel()
		data := medium()
		senc, err := encode(c, l, data, []int{32 << 10})
		if err != nil {
			t.Fatalf("streaming writer: %v", err)
		}
		got, err := decodeAll(c, senc, len(data))
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("DecodeAll of the streaming writer's output: err %v, %s", err, diff(got, data))
		}
	})

	t.Run("reuse", func(t *testing.T) {
		t.Parallel()
		a, b := medium(), fewBytes
		e, err := c.NewBufferEncoder(l)
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		d, err := c.NewBufferDecoder()
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		for i, in := range [][]byte{a, b, a} {
			got, err := encodeInto(e, c, in)
			if err != nil {
				t.Fatalf("call %d: EncodeAll: %v", i, err)
			}
			want, err := encodeAll(c, l, in)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("call %d: a reused encoder wrote %d bytes, a fresh one %d (or other bytes)", i, len(got), len(want))
			}
			dec, err := d.DecodeAll(make([]byte, 0, len(in)), got)
			if err != nil || !bytes.Equal(dec, in) {
				t.Errorf("call %d: a reused decoder: err %v, %s", i, err, diff(dec, in))
			}
		}
	})

	t.Run("truncated", func(t *testing.T) {
		t.Parallel()
		in := medium()
		enc, err := encodeAll(c, l, in)
		if err != nil {
			t.Fatal(err)
		}
		n := len(enc)
		for _, cut := range []int{1, min(12, n-1), n / 2, n - 1} {
			got, err := decodeAll(c, enc[:cut], len(in))
			if err == nil {
				t.Errorf("DecodeAll of a stream truncated to %d of %d bytes: decoded %d of %d bytes without an error",
					cut, n, len(got), len(in))
			}
		}
	})
}

// checkIdentity checks what results use as keys, and reports whether the
// rest of Run can go on.
func checkIdentity(t *testing.T, c bench.Codec) bool {
	t.Helper()
	ok := true
	fail := func(format string, args ...any) {
		t.Errorf(format, args...)
		ok = false
	}
	// Result names are key=value pairs split at '/', values end at a space.
	badKey := func(s string) bool { return s == "" || strings.ContainsAny(s, "/ =\t\n") }
	if badKey(c.Name()) {
		fail("Name() = %q: want a non-empty name without '/', '=' or spaces", c.Name())
	}
	if f := c.Format(); f != bench.Gzip && f != bench.Zstd {
		fail("Format() = %q, want %q or %q", f, bench.Gzip, bench.Zstd)
	}
	if c.Module() == "" {
		fail("Module() is empty; want a Go module path or \"std\"")
	}
	if c.Threads() < 1 {
		fail("Threads() = %d, want at least 1", c.Threads())
	}
	levels := c.Levels()
	if len(levels) == 0 {
		fail("Levels() is empty")
	}
	seen := map[string]bool{}
	for _, l := range levels {
		if badKey(l.Name) {
			fail("level %q: want a non-empty name without '/', '=' or spaces", l.Name)
		}
		if seen[l.Name] {
			fail("level %q appears twice", l.Name)
		}
		seen[l.Name] = true
	}
	return ok
}

// defaultLevel returns c's default level: what its DefaultLevel method says,
// or the middle of its levels.
func defaultLevel(c bench.Codec) bench.Level {
	if d, ok := c.(interface{ DefaultLevel() bench.Level }); ok {
		return d.DefaultLevel()
	}
	ls := c.Levels()
	return ls[len(ls)/2]
}

// checkLevel round-trips each input at level l, each in a parallel subtest
// (one stream at a high zstd level takes seconds to set up).
func checkLevel(t *testing.T, c bench.Codec, l bench.Level, peers []bench.Codec, tarInput bool) {
	decoders := decodersFor(c, peers)
	few, rnd := fewBytes, random
	if tarInput {
		few, rnd = fewBytesTar(), randomTar
	}
	for _, in := range []struct {
		name string
		data func() []byte
	}{
		{"empty", func() []byte { return nil }},
		{"few-bytes", func() []byte { return few }},
		{"random-1MiB", rnd},
		{"tarlike-4MiB", tarLike},
	} {
		t.Run("input="+in.name, func(t *testing.T) {
			t.Parallel()
			data := in.data()
			enc, err := encode(c, l, data, nil)
			if err != nil {
				t.Fatalf("encoding: %v", err)
			}
			checkDecoders(t, "", enc, expected(t, c, enc, data, decoders), decoders, false)
		})
	}

	// Uneven writes, small reads, then damage.
	t.Run("input=tarlike-256KiB-pieces", func(t *testing.T) {
		t.Parallel()
		data := medium()
		enc, err := encode(c, l, data, []int{1, 7, 100, 4093, 65536, 65537, 3})
		if err != nil {
			t.Fatalf("encoding: %v", err)
		}
		checkDecoders(t, "", enc, expected(t, c, enc, data, decoders), decoders, true)
		checkCorrupt(t, c, enc, data, peers)
	})
}

// checkDecoders decodes enc with each codec and compares with want; what,
// if not empty, says what enc is.
func checkDecoders(t *testing.T, what string, enc, want []byte, decoders []bench.Codec, small bool) {
	t.Helper()
	if what != "" {
		what += ": "
	}
	for _, d := range decoders {
		got, err := decode(d, enc, small)
		if err != nil {
			t.Errorf("%sdecoding with %s: %v", what, d.Name(), err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%sdecoding with %s: %s", what, d.Name(), diff(got, want))
		}
	}
}

// diff describes how got differs from want.
func diff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	return fmt.Sprintf("got %d bytes, want %d; first difference at byte %d", len(got), len(want), i)
}

// A sink is a bytes.Buffer that notices being closed: a codec's writer must
// not close what it writes to.
type sink struct {
	bytes.Buffer
	closed bool
}

func (s *sink) Close() error { s.closed = true; return nil }

// A source is an io.Reader that notices being closed: a codec's reader must
// not close what it reads from.
type source struct {
	io.Reader
	closed bool
}

func (s *source) Close() error { s.closed = true; return nil }

// encode writes in with c at level l, in one Write or in pieces of the
// given sizes (repeated), and closes the writer.
func encode(c bench.Codec, l bench.Level, in []byte, pieces []int) ([]byte, error) {
	var out sink
	w, err := c.NewWriter(&out, l)
	if err != nil {
		return nil, err
	}
	write := func(p []byte) error {
		n, err := w.Write(p)
		if err == nil && n != len(p) {
			err = fmt.Errorf("Write(%d bytes) = %d, nil", len(p), n)
		}
		return err
	}
	if pieces == nil {
		err = write(in)
	}
	for i, rest := 0, in; len(rest) > 0 && pieces != nil && err == nil; i++ {
		n := min(pieces[i%len(pieces)], len(rest))
		err = write(rest[:n])
		rest = rest[n:]
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if out.closed {
		return nil, errors.New("the writer closed the io.Writer it writes to")
	}
	return out.Bytes(), err
}

// decode reads enc with c. With small, it feeds c's reader half of what it
// asks for and reads 1000 bytes at a time, so neither side can rely on
// io.WriterTo or large buffers.
func decode(c bench.Codec, enc []byte, small bool) (_ []byte, err error) {
	// Unwrapped, the reader sees a *bytes.Reader, as a runner's would (some
	// decoders use its io.ByteReader); small hides that behind a source.
	var src io.Reader = bytes.NewReader(enc)
	if small {
		in := &source{Reader: iotest.HalfReader(src)}
		defer func() {
			if in.closed && err == nil {
				err = errors.New("the reader closed the io.Reader it reads from")
			}
		}()
		src = in
	}
	r, err := c.NewReader(src)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if small {
		buf := make([]byte, 1000)
		for {
			n, rerr := r.Read(buf)
			out.Write(buf[:n])
			if rerr == io.EOF {
				break
			}
			if rerr != nil {
				err = rerr
				break
			}
		}
	} else {
		_, err = io.Copy(&out, r)
	}
	if cerr := r.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("Close: %w", cerr)
	}
	return out.Bytes(), err
}

// checkClose checks that c's writer finishes its stream in Close and not
// before, appends only, and can be closed twice.
func checkClose(t *testing.T, c bench.Codec, l bench.Level, peers []bench.Codec) {
	in := medium()
	d := decodersFor(c, peers)[0]
	var out sink
	w, err := c.NewWriter(&out, l)
	if err != nil {
		t.Fatalf("level %s: NewWriter: %v", l, err)
	}
	if _, err := w.Write(in); err != nil {
		t.Fatalf("level %s: Write: %v", l, err)
	}
	before := bytes.Clone(out.Bytes())
	if err := w.Close(); err != nil {
		t.Fatalf("level %s: Close: %v", l, err)
	}
	after := bytes.Clone(out.Bytes())
	want := expected(t, c, after, in, decodersFor(c, peers))
	if got, err := decode(d, before, false); err == nil && bytes.Equal(got, want) {
		t.Errorf("level %s: the %d bytes written before Close decode to the whole input without an error: "+
			"either the writer ends the stream before Close, or the reader misses that the stream has no end",
			l, len(before))
	}
	if !bytes.HasPrefix(after, before) {
		t.Errorf("level %s: Close changed bytes already written (want it to append only)", l)
	}
	if got, err := decode(d, after, false); err != nil || !bytes.Equal(got, want) {
		t.Errorf("level %s: after Close: err %v, %s", l, err, diff(got, want))
	}
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Errorf("level %s: second Close panicked: %v", l, p)
			}
		}()
		if err := w.Close(); err != nil {
			t.Logf("level %s: second Close: %v", l, err)
		}
	}()
	if !bytes.Equal(out.Bytes(), after) {
		t.Errorf("level %s: second Close wrote %d more bytes", l, out.Len()-len(after))
	}
	if out.closed {
		t.Errorf("level %s: the writer closed the io.Writer it writes to", l)
	}
}

// checkCorrupt damages enc, c's encoding of in, and checks that c's reader
// says so. For an encode-only codec, the first plain decoder of peers must
// notice a truncation, and the codec's own check ([bench.Verifier]) must
// notice a truncation and every changed byte.
func checkCorrupt(t *testing.T, c bench.Codec, enc, in []byte, peers []bench.Codec) {
	t.Helper()
	if !bench.Decodes(c) {
		checkCorruptEncodeOnly(t, c, enc, in, peers[0])
		return
	}
	n := len(enc)
	for _, cut := range []int{1, min(12, n-1), n / 2, n - 1} {
		got, err := decode(c, enc[:cut], false)
		if err == nil {
			t.Errorf("stream truncated to %d of %d bytes: decoded %d of %d bytes without an error",
				cut, n, len(got), len(in))
		}
	}
	// Whether a changed byte must be noticed depends on the format.
	checked, why := true, "gzip's trailer holds a CRC-32 of the data"
	if c.Format() == bench.Zstd {
		checked = zstdHasChecksum(enc)
		why = "the zstd frame has a content checksum"
		if !checked {
			why = "the zstd frame has no content checksum"
		}
	}
	for _, at := range []int{0, n / 3, n / 2, n - 1} {
		bad := bytes.Clone(enc)
		bad[at] ^= 0x55
		got, err := decode(c, bad, false)
		switch {
		case err != nil, bytes.Equal(got, in):
		case checked:
			t.Errorf("byte %d of %d changed: decoded to wrong data without an error (%s): %s",
				at, n, why, diff(got, in))
		default:
			t.Logf("byte %d of %d changed: decoded to wrong data without an error, which is all the format "+
				"can do here (%s); the runner's diffID check catches it", at, n, why)
		}
	}
}

// zstdHasChecksum reports whether enc starts with a zstd frame whose header
// says it ends with a content checksum.
func zstdHasChecksum(enc []byte) bool {
	return len(enc) >= 5 && binary.LittleEndian.Uint32(enc) == 0xFD2FB528 && enc[4]&0x04 != 0
}

// checkLayer round-trips the real layer at c's lowest and default levels.
func checkLayer(t *testing.T, c bench.Codec, peers []bench.Codec) {
	raw := LayerTar(t, RealLayer)
	levels := []bench.Level{c.Levels()[0]}
	if d := defaultLevel(c); d.Name != levels[0].Name {
		levels = append(levels, d)
	}
	for _, l := range levels {
		enc, err := encode(c, l, raw, nil)
		if err != nil {
			t.Errorf("level %s: encoding: %v", l, err)
			continue
		}
		checkDecoders(t, "level "+l.Name, enc, expected(t, c, enc, raw, decodersFor(c, peers)), decodersFor(c, peers), false)
	}
}

// DecodeOnly is a codec that writes nothing: its Levels are empty and its
// NewWriter fails. A client's external decoder is one (codecs' pipe
// decoders).
type DecodeOnly interface {
	bench.Codec
	DecodeOnly()
}

// RunDecoder checks a [DecodeOnly] codec c as [Run] checks a codec's
// reader: with the encoders among peers of c's format (each at its default
// level) it decodes empty input, a few bytes, 1 MiB of random data and
// 4 MiB of [TarLike] data to the same bytes, 256 KiB in small reads through
// a reader that returns half of what is asked, and [RealLayer]'s tar
// (skipped when the corpus is absent); it reports an error for a truncated or damaged stream; and
// NewWriter fails. With no encoder of its format among peers it fails.
func RunDecoder(t *testing.T, c DecodeOnly, peers []bench.Codec) {
	t.Helper()
	badKey := func(s string) bool { return s == "" || strings.ContainsAny(s, "/ =\t\n") }
	if badKey(c.Name()) || (c.Format() != bench.Gzip && c.Format() != bench.Zstd) || c.Module() == "" || c.Threads() < 1 {
		t.Fatalf("identity: name %q, format %q, module %q, threads %d: want result keys", c.Name(), c.Format(), c.Module(), c.Threads())
	}
	if len(c.Levels()) != 0 {
		t.Errorf("Levels() = %v: a decode-only codec has none", c.Levels())
	}
	if w, err := c.NewWriter(io.Discard, bench.Level{Name: "6", N: 6}); err == nil {
		w.Close()
		t.Errorf("NewWriter = nil error: a decode-only codec must refuse to write")
	}
	// The plain encoders of the format feed it: an encode-only codec
	// (eStargz) takes only tars and may decode to another tar than its
	// input, so the plan, not this test, pairs it with decoders.
	var encoders []bench.Codec
	for _, p := range peers {
		if p.Format() == c.Format() && p.Name() != c.Name() && len(p.Levels()) > 0 && bench.Decodes(p) {
			encoders = append(encoders, p)
		}
	}
	if len(encoders) == 0 {
		t.Fatalf("no encoder of %s among the peers to feed %s", c.Format(), c.Name())
	}
	for _, e := range encoders {
		t.Run("from="+e.Name(), func(t *testing.T) {
			t.Parallel()
			l := defaultLevel(e)
			for _, in := range []struct {
				name string
				data []byte
			}{{"empty", nil}, {"few-bytes", fewBytes}, {"random-1MiB", random()}, {"tarlike-4MiB", tarLike()}} {
				enc, err := encode(e, l, in.data, nil)
				if err != nil {
					t.Fatalf("%s: encoding with %s: %v", in.name, e.Name(), err)
				}
				checkDecoders(t, in.name, enc, in.data, []bench.Codec{c}, false)
			}
			data := medium()
			enc, err := encode(e, l, data, []int{1, 7, 100, 4093, 65536, 65537, 3})
			if err != nil {
				t.Fatalf("encoding with %s: %v", e.Name(), err)
			}
			checkDecoders(t, "small reads", enc, data, []bench.Codec{c}, true)
			checkCorrupt(t, c, enc, data, nil)
		})
	}
	t.Run("layer", func(t *testing.T) {
		raw := LayerTar(t, RealLayer)
		enc, err := encode(encoders[0], defaultLevel(encoders[0]), raw, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkDecoders(t, "layer", enc, raw, []bench.Codec{c}, false)
	})
}
