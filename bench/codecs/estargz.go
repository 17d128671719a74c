package codecs

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/containerd/stargz-snapshotter/estargz"

	"zbench/bench"
	"zbench/lazy/chunked"
)

// EstargzName is the eStargz codec's name.
const EstargzName = "estargz"

// Estargz returns estargz: eStargz layers written by
// github.com/containerd/stargz-snapshotter/estargz's Writer, the streaming
// API BuildKit uses (NewWriterLevel, AppendTarLossLess, Close), at gzip
// levels 1 to 9 (the library's default is 9) and the library's default
// chunk size of 4 MiB. The library compresses with Go's compress/gzip, so
// gzip-std at the same level is its plain counterpart. Single-threaded.
//
// It is encode-only ([bench.EncodeOnly]): the plain gzip decoders read its
// output. That output decodes not to the input tar but to the tar with the
// table of contents appended as an entry (stargz.index.json), so the
// runner takes the size and digest to check decoders against from Verify.
//
// The library's other entry point, Build, needs the whole tar as an
// io.SectionReader, spills to temporary files, and is the one that orders
// prioritized files first; package lazy uses it for that, untimed.
func Estargz() bench.Codec { return estargzCodec{chunkSize: EstargzChunkSize} }

// EstargzChunkSize is the library's default chunk size, 4 MiB: files larger
// than that are cut into chunks of it.
const EstargzChunkSize = 4 << 20

// EstargzWithChunkSize returns estargz with chunks of n bytes (the
// library's Writer.ChunkSize), named "estargz-chunk" and the size
// ("estargz-chunk1MiB"), or Estargz itself for the default size. It is not
// in [All]: package lazy uses it to vary the chunk size.
func EstargzWithChunkSize(n int) (bench.Codec, error) {
	if n <= 0 {
		return nil, fmt.Errorf("estargz: chunk size %d: want a positive number of bytes", n)
	}
	return estargzCodec{chunkSize: n}, nil
}

type estargzCodec struct{ chunkSize int }

var (
	_ bench.Codec      = estargzCodec{}
	_ bench.EncodeOnly = estargzCodec{}
	_ bench.Verifier   = estargzCodec{}
	_ Describer        = estargzCodec{}
	_ Defaulter        = estargzCodec{}
)

var estargzLevels = numbered(gzip.BestSpeed, gzip.BestCompression, gzipNote)

func (c estargzCodec) Name() string {
	if c.chunkSize == EstargzChunkSize {
		return EstargzName
	}
	if c.chunkSize%(1<<20) == 0 {
		return fmt.Sprintf("%s-chunk%dMiB", EstargzName, c.chunkSize>>20)
	}
	if c.chunkSize%(1<<10) == 0 {
		return fmt.Sprintf("%s-chunk%dKiB", EstargzName, c.chunkSize>>10)
	}
	return fmt.Sprintf("%s-chunk%dB", EstargzName, c.chunkSize)
}
func (estargzCodec) Format() string { return bench.Gzip }
func (estargzCodec) Module() string { return "github.com/containerd/stargz-snapshotter/estargz" }
func (estargzCodec) Levels() []bench.Level {
	return append([]bench.Level(nil), estargzLevels...)
}
func (estargzCodec) Threads() int              { return 1 }
func (estargzCodec) EncodeOnly()               {}
func (estargzCodec) DefaultLevel() bench.Level { return mustLevel(estargzLevels, "9") }
func (c estargzCodec) Describe() string {
	return fmt.Sprintf("stargz-snapshotter/estargz Writer (AppendTarLossLess), compress/gzip underneath, chunk size %d bytes, single-threaded; encode-only", c.chunkSize)
}

// NewWriter returns a writer that feeds what it is given, through a pipe,
// to the library's AppendTarLossLess in a goroutine; Close writes the TOC
// and footer. The input must be a tar.
func (c estargzCodec) NewWriter(w io.Writer, l bench.Level) (io.WriteCloser, error) {
	if err := checkLevel(c.Name(), estargzLevels, l); err != nil {
		return nil, err
	}
	sw := estargz.NewWriterLevel(w, l.N)
	sw.ChunkSize = c.chunkSize
	return newPipeWriter(func(r io.Reader) error {
		if err := sw.AppendTarLossLess(r); err != nil {
			return fmt.Errorf("%s: %w", c.Name(), err)
		}
		if _, err := sw.Close(); err != nil {
			return fmt.Errorf("%s: close: %w", c.Name(), err)
		}
		return nil
	}), nil
}

func (estargzCodec) NewReader(io.Reader) (io.ReadCloser, error) {
	return nil, fmt.Errorf("estargz: %w", bench.ErrEncodeOnly)
}

// Verify opens out with the library's reader (footer and TOC), checks every
// chunk against its TOC digest, decodes the whole stream with
// compress/gzip, and checks that it is raw, byte for byte, followed by the
// TOC entry. It returns the decoded size and digest.
func (estargzCodec) Verify(out, raw []byte) (int64, string, error) {
	if _, err := estargz.Open(io.NewSectionReader(bytes.NewReader(out), 0, int64(len(out)))); err != nil {
		return 0, "", fmt.Errorf("estargz: library reader: %w", err)
	}
	l, err := chunked.Parse(out)
	if err != nil {
		return 0, "", err
	}
	if err := l.Verify(out); err != nil {
		return 0, "", err
	}
	zr, err := gzip.NewReader(bytes.NewReader(out))
	if err != nil {
		return 0, "", err
	}
	dec, err := io.ReadAll(zr)
	if err != nil {
		return 0, "", fmt.Errorf("gzip: %w", err)
	}
	// AppendTarLossLess copies the tar whole, end-of-archive marker
	// included, then appends the TOC entry and a marker of its own (so a
	// tar reader that stops at the first marker never sees the TOC).
	if !bytes.HasPrefix(dec, raw) {
		return 0, "", fmt.Errorf("decoded stream does not start with the input tar: %s", firstDiff(dec, raw))
	}
	tr := tar.NewReader(bytes.NewReader(dec[len(raw):]))
	if h, err := tr.Next(); err != nil || h.Name != estargz.TOCTarName {
		return 0, "", fmt.Errorf("decoded stream: want the TOC entry %s after the input tar (%v)", estargz.TOCTarName, err)
	}
	sum := sha256.Sum256(dec)
	return int64(len(dec)), "sha256:" + hex.EncodeToString(sum[:]), nil
}

// firstDiff says where got first differs from want.
func firstDiff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	return fmt.Sprintf("%d bytes against %d, first difference at byte %d", len(got), len(want), i)
}

// A pipeWriter hands what is written to a function reading it in a
// goroutine, for libraries that take a reader rather than give a writer.
type pipeWriter struct {
	pw     *io.PipeWriter
	done   chan error
	closed bool
	err    error
}

func newPipeWriter(consume func(io.Reader) error) *pipeWriter {
	pr, pw := io.Pipe()
	p := &pipeWriter{pw: pw, done: make(chan error, 1)}
	go func() {
		err := consume(pr)
		// Drain so that a writer never blocks after the consumer failed.
		pr.CloseWithError(fmt.Errorf("consumer stopped: %v", err))
		p.done <- err
	}()
	return p
}

func (p *pipeWriter) Write(b []byte) (int, error) {
	if p.closed {
		return 0, fmt.Errorf("write after Close")
	}
	return p.pw.Write(b)
}

func (p *pipeWriter) Close() error {
	if p.closed {
		return p.err
	}
	p.closed = true
	p.pw.Close()
	p.err = <-p.done
	return p.err
}
