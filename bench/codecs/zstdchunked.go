package codecs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"runtime"

	kzstd "github.com/klauspost/compress/zstd"
	"go.podman.io/storage/pkg/chunked/compressor"

	"zbench/bench"
	"zbench/lazy/chunked"
)

// ZstdChunkedName is the zstd:chunked codec's name.
const ZstdChunkedName = "zstd-chunked"

// ZstdChunked returns zstd-chunked: zstd:chunked layers written by
// containers/storage's pkg/chunked/compressor.ZstdCompressor (module
// go.podman.io/storage), the writer Podman and Buildah push with. Its level
// is a libzstd-scale number that the library maps to a klauspost encoder
// level with zstd.EncoderLevelFromZstd: 1-2 fastest, 3-5 default, 6-9
// better, 10 and up best. containers/storage's default is 10, so Podman's
// layers are klauspost's "best" (≈ libzstd 11); zstd-klauspost at the same
// klauspost level is its plain counterpart. The levels here are one per
// klauspost level: 1, 3, 6, 10.
//
// The library chooses its encoder's options itself: klauspost's default
// concurrency of GOMAXPROCS (so Threads follows GOMAXPROCS, as Podman runs
// it), and a content checksum on every frame. It splits large files into
// chunks where a rolling checksum says so, and appends the TOC and
// tar-split as skippable frames, which plain decoders skip: the output
// decodes to the input tar exactly.
//
// It is encode-only ([bench.EncodeOnly]); Verify checks the footer, the TOC
// and every chunk's digest.
func ZstdChunked() bench.Codec { return zstdChunked{} }

type zstdChunked struct{}

var (
	_ bench.Codec      = zstdChunked{}
	_ bench.EncodeOnly = zstdChunked{}
	_ bench.Verifier   = zstdChunked{}
	_ Describer        = zstdChunked{}
	_ Defaulter        = zstdChunked{}
)

var zstdChunkedLevels = []bench.Level{
	{Name: "1", N: 1, Note: "klauspost fastest (≈ libzstd 1)"},
	{Name: "3", N: 3, Note: "klauspost default (≈ libzstd 3)"},
	{Name: "6", N: 6, Note: "klauspost better (≈ libzstd 7)"},
	{Name: "10", N: 10, Note: "klauspost best (≈ libzstd 11); containers/storage's default"},
}

// ZstdChunkedKlauspostLevel returns the klauspost encoder level that
// containers/storage uses for level n.
func ZstdChunkedKlauspostLevel(n int) string { return kzstd.EncoderLevelFromZstd(n).String() }

func (zstdChunked) Name() string   { return ZstdChunkedName }
func (zstdChunked) Format() string { return bench.Zstd }
func (zstdChunked) Module() string { return "go.podman.io/storage" }
func (zstdChunked) Levels() []bench.Level {
	return append([]bench.Level(nil), zstdChunkedLevels...)
}
func (zstdChunked) Threads() int              { return runtime.GOMAXPROCS(0) }
func (zstdChunked) EncodeOnly()               {}
func (zstdChunked) DefaultLevel() bench.Level { return mustLevel(zstdChunkedLevels, "10") }
func (zstdChunked) Describe() string {
	return "containers/storage pkg/chunked/compressor (Podman's zstd:chunked writer), klauspost zstd at its default concurrency; levels 1, 3, 6, 10 map to fastest, default, better, best; encode-only"
}

// NewWriter returns the library's writer; it feeds what it is given through
// a pipe to a goroutine that splits the tar. The input must be a tar.
func (c zstdChunked) NewWriter(w io.Writer, l bench.Level) (io.WriteCloser, error) {
	if err := checkLevel(c.Name(), zstdChunkedLevels, l); err != nil {
		return nil, err
	}
	n := l.N
	zw, err := compressor.ZstdCompressor(w, map[string]string{}, &n)
	if err != nil {
		return nil, fmt.Errorf("zstd-chunked: level %q: %w", l.Name, err)
	}
	return &onceCloser{WriteCloser: zw}, nil
}

func (zstdChunked) NewReader(io.Reader) (io.ReadCloser, error) {
	return nil, fmt.Errorf("zstd-chunked: %w", bench.ErrEncodeOnly)
}

// Verify checks out's footer, TOC and every chunk's digest, and that it
// decodes (klauspost, skipping the skippable frames) to raw.
func (zstdChunked) Verify(out, raw []byte) (int64, string, error) {
	l, err := chunked.Parse(out)
	if err != nil {
		return 0, "", err
	}
	if l.Format != chunked.ZstdChunked {
		return 0, "", fmt.Errorf("zstd-chunked: output parses as %s", l.Format)
	}
	if err := l.Verify(out); err != nil {
		return 0, "", err
	}
	dec, err := kzstd.NewReader(bytes.NewReader(out), kzstd.WithDecoderConcurrency(1), kzstd.WithDecoderMaxWindow(ZstdMaxWindow))
	if err != nil {
		return 0, "", err
	}
	defer dec.Close()
	h := sha256.New()
	n, err := io.Copy(h, dec)
	if err != nil {
		return 0, "", fmt.Errorf("zstd: %w", err)
	}
	want := sha256.Sum256(raw)
	if got := h.Sum(nil); !bytes.Equal(got, want[:]) || n != int64(len(raw)) {
		return 0, "", fmt.Errorf("decodes to %d bytes with digest sha256:%x, not the input tar (%d bytes)", n, got, len(raw))
	}
	return n, "sha256:" + hex.EncodeToString(want[:]), nil
}

// onceCloser makes a second Close return the first one's result: the
// library's writer waits on a channel that its first Close drains.
type onceCloser struct {
	io.WriteCloser
	closed bool
	err    error
}

func (c *onceCloser) Close() error {
	if !c.closed {
		c.closed = true
		c.err = c.WriteCloser.Close()
	}
	return c.err
}

// ZstdCgoMultiFrame is why zstd-cgo cannot read zstd:chunked layers:
// DataDog/zstd's streaming Reader (v1.5.7) returns io.ErrUnexpectedEOF at
// the start of a stream's second frame, so it reads only the first frame of
// any multi-frame stream (libzstd itself, as the zstd program, reads them
// all). A zstd:chunked layer is one frame per file and more.
const ZstdCgoMultiFrame = "DataDog/zstd's Reader stops with unexpected EOF at the second frame of a multi-frame stream"
