//go:build cgo

package codecs

/*
// The symbol comes from the libzstd that github.com/DataDog/zstd links in
// (its bundled copy, or the system's with -tags external_libzstd). It is
// declared weak so that cgo's own trial link of this package alone, which
// lacks libzstd, succeeds; the final link resolves it.
extern const char* ZSTD_versionString(void) __attribute__((weak));

static const char* zbench_zstd_version(void) {
	return ZSTD_versionString ? ZSTD_versionString() : "";
}
*/
import "C"

import (
	"errors"
	"fmt"
	"io"

	"github.com/DataDog/zstd"

	"zbench/bench"
)

// LibzstdVersion returns the version of the libzstd that zstd-cgo runs, as
// libzstd reports it at run time ("1.5.7"): the copy bundled with
// github.com/DataDog/zstd, or the system's when built with -tags
// external_libzstd. It is empty when zbench is built without cgo.
func LibzstdVersion() string { return C.GoString(C.zbench_zstd_version()) }

// ZstdCgo returns zstd-cgo: libzstd through github.com/DataDog/zstd's
// streaming Writer and Reader, levels 1 to 22, single-threaded (libzstd's
// own worker threads are off). Frames are as DataDog's Writer writes them:
// no content checksum, and no content size unless the input is empty.
// Without cgo, ZstdCgo returns nil and [All] leaves the codec out.
//
// Note: DataDog's Writer never tells libzstd the input's size, so libzstd
// sizes its tables for unbounded input, whatever the input: about 90 MiB per
// stream at level 19, 194 MiB at 20, 386 MiB at 21 and 778 MiB at 22
// (ZSTD_estimateCStreamSize). Setting them up takes from 0.25 s (19) to
// about 3 s (22) per stream on a small VM, mostly page faults, before the
// first byte is compressed: a real cost of these levels for a writer that
// streams, which is what a registry or a build tool does.
func ZstdCgo() bench.Codec { return zstdCgo{} }

type zstdCgo struct{}

var (
	_ bench.Codec = zstdCgo{}
	_ Describer   = zstdCgo{}
	_ Defaulter   = zstdCgo{}
)

func (zstdCgo) Name() string              { return zstdCgoName }
func (zstdCgo) Format() string            { return bench.Zstd }
func (zstdCgo) Module() string            { return "github.com/DataDog/zstd" }
func (zstdCgo) Levels() []bench.Level     { return append([]bench.Level(nil), zstdCgoLevels...) }
func (zstdCgo) Threads() int              { return 1 }
func (zstdCgo) DefaultLevel() bench.Level { return mustLevel(zstdCgoLevels, "3") }
func (zstdCgo) Describe() string {
	return fmt.Sprintf("libzstd %s (cgo, github.com/DataDog/zstd), single-threaded, no checksum; "+
		"20-22 are ultra levels (the CLI needs --ultra; windows up to 128 MiB)", LibzstdVersion())
}

func (c zstdCgo) NewWriter(w io.Writer, l bench.Level) (io.WriteCloser, error) {
	if err := checkLevel(c.Name(), zstdCgoLevels, l); err != nil {
		return nil, err
	}
	return &zstdCgoWriter{zw: zstd.NewWriterLevel(w, l.N)}, nil
}

// NewReader returns DataDog's Reader, with two repairs: input that ends in
// the middle of a frame is an error (io.ErrUnexpectedEOF), where DataDog
// returns io.EOF and a short output; and a second Close returns nil instead
// of an error.
func (zstdCgo) NewReader(r io.Reader) (io.ReadCloser, error) {
	zr := &zstdCgoReader{}
	zr.zr = zstd.NewReader(zstdTrackingReader{r: r, f: &zr.frames})
	return zr, nil
}

// errZstdTruncated is what zstd-cgo's reader returns when its input ends in
// the middle of a frame.
var errZstdTruncated = fmt.Errorf("zstd-cgo: input ends inside a frame: %w", io.ErrUnexpectedEOF)

// A zstdCgoReader checks the framing of what DataDog's Reader decodes.
type zstdCgoReader struct {
	zr     io.ReadCloser
	frames zstdFrames
	closed bool
}

func (r *zstdCgoReader) Read(p []byte) (int, error) {
	n, err := r.zr.Read(p)
	if err == io.EOF && !r.frames.complete() {
		err = errZstdTruncated
	}
	return n, err
}

func (r *zstdCgoReader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	return r.zr.Close()
}

// A zstdCgoWriter makes DataDog's Writer safe to Close twice (its Close frees
// the C stream each time it is called) and refuses writes after Close.
type zstdCgoWriter struct {
	zw     *zstd.Writer
	closed bool
}

var errWriterClosed = errors.New("zstd-cgo: write after Close")

func (w *zstdCgoWriter) Write(p []byte) (int, error) {
	if w.closed {
		return 0, errWriterClosed
	}
	return w.zw.Write(p)
}

func (w *zstdCgoWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	return w.zw.Close()
}

// zstdCgoVariants returns zstd-cgo with libzstd's worker threads on
// (ZSTD_c_nbWorkers 1 and 4, through DataDog's SetNbWorkers); nil for other
// codecs. With one worker or more libzstd compresses in its multi-threaded
// mode, which frames the stream differently from the single-threaded mode
// zstd-cgo is measured in.
func zstdCgoVariants(c bench.Codec) []bench.Variant {
	if _, ok := c.(zstdCgo); !ok {
		return nil
	}
	var vs []bench.Variant
	for _, n := range []int{1, 4} {
		vs = append(vs, bench.Variant{Codec: c, Option: fmt.Sprintf("nbWorkers=%d", n), Threads: fixed(n),
			NewWriter: func(w io.Writer, l bench.Level) (io.WriteCloser, error) {
				if err := checkLevel(c.Name(), zstdCgoLevels, l); err != nil {
					return nil, err
				}
				zw := zstd.NewWriterLevel(w, l.N)
				if err := zw.SetNbWorkers(n); err != nil {
					zw.Close()
					return nil, fmt.Errorf("zstd-cgo: level %q: setting %d workers: %w", l.Name, n, err)
				}
				return &zstdCgoWriter{zw: zw}, nil
			}})
	}
	return vs
}

// zstd-cgo's whole-buffer API: DataDog's Ctx, whose CompressLevel calls
// ZSTD_compressCCtx (the input's size known, written in the frame header)
// and whose Decompress calls ZSTD_decompressDCtx, each into the caller's
// destination. One Ctx serves many calls, keeping libzstd's context and
// tables, as DataDog and libzstd recommend; the package-level
// zstd.CompressLevel would make a new context per call. Frames have no
// checksum, as the streaming writer's.
var _ bench.BufferCodec = zstdCgo{}

func (c zstdCgo) NewBufferEncoder(l bench.Level) (bench.BufferEncoder, error) {
	if err := checkLevel(c.Name(), zstdCgoLevels, l); err != nil {
		return nil, err
	}
	return &zstdCgoBuffer{ctx: zstd.NewCtx(), level: l.N}, nil
}

func (zstdCgo) NewBufferDecoder() (bench.BufferDecoder, error) {
	return &zstdCgoBuffer{ctx: zstd.NewCtx()}, nil
}

// EncodeBound is libzstd's ZSTD_compressBound: with a destination that
// large, CompressLevel writes into it.
func (zstdCgo) EncodeBound(n int) int { return zstd.CompressBound(n) }

// A zstdCgoBuffer is a Ctx for one level (encoding) or for decoding. Its C
// contexts are freed by the Ctx's finalizer: DataDog's Ctx has no Close.
type zstdCgoBuffer struct {
	ctx   zstd.Ctx
	level int
}

func (b *zstdCgoBuffer) EncodeAll(dst, src []byte) ([]byte, error) {
	return b.ctx.CompressLevel(dst[:0], src, b.level)
}

// DecodeAll decompresses src, which must hold whole frames. A destination
// at least the frame's content size is used as is; for a frame without one
// (what streaming writers make) DataDog allocates its own.
func (b *zstdCgoBuffer) DecodeAll(dst, src []byte) ([]byte, error) {
	return b.ctx.Decompress(dst[:0], src)
}

func (b *zstdCgoBuffer) Close() error { return nil }
