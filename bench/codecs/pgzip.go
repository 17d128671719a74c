package codecs

import (
	"fmt"
	"io"
	"runtime"

	"github.com/klauspost/pgzip"

	"zbench/bench"
)

// Settings of gzip-pgzip, fixed here rather than left to pgzip's defaults so
// that results say what was measured. (pgzip's own writer default is 1 MiB
// blocks with 4 in flight, whatever its doc comment says.)
const (
	// PgzipBlockSize is the size of the blocks pgzip compresses in parallel.
	PgzipBlockSize = 1 << 20
	// PgzipReadBlockSize and PgzipReadBlocks are the decoder's read-ahead:
	// up to PgzipReadBlocks blocks of PgzipReadBlockSize decoded bytes are
	// buffered ahead of the reader (pgzip's defaults).
	PgzipReadBlockSize = 250000
	PgzipReadBlocks    = 16
)

// Pgzip returns gzip-pgzip: github.com/klauspost/pgzip at levels 1 to 9. It
// compresses [PgzipBlockSize] blocks on runtime.GOMAXPROCS(0) goroutines at
// once (read when each writer is made), so its Threads is GOMAXPROCS; its
// output is one ordinary gzip member that any gzip decoder reads.
func Pgzip() bench.Codec { return pgzipCodec{} }

type pgzipCodec struct{}

var (
	_ bench.Codec = pgzipCodec{}
	_ Describer   = pgzipCodec{}
	_ Defaulter   = pgzipCodec{}
)

var pgzipLevels = numbered(pgzip.BestSpeed, pgzip.BestCompression, gzipNote)

func (pgzipCodec) Name() string              { return "gzip-pgzip" }
func (pgzipCodec) Format() string            { return bench.Gzip }
func (pgzipCodec) Module() string            { return "github.com/klauspost/pgzip" }
func (pgzipCodec) Levels() []bench.Level     { return append([]bench.Level(nil), pgzipLevels...) }
func (pgzipCodec) Threads() int              { return runtime.GOMAXPROCS(0) }
func (pgzipCodec) DefaultLevel() bench.Level { return mustLevel(pgzipLevels, "6") }
func (c pgzipCodec) Describe() string {
	return fmt.Sprintf("klauspost/pgzip, multi-threaded: encodes 1 MiB blocks on %d threads (GOMAXPROCS); "+
		"decodes serially, reading ahead up to %d blocks of %d bytes on another goroutine",
		c.Threads(), PgzipReadBlocks, PgzipReadBlockSize)
}

func (c pgzipCodec) NewWriter(w io.Writer, l bench.Level) (io.WriteCloser, error) {
	if err := checkLevel(c.Name(), pgzipLevels, l); err != nil {
		return nil, err
	}
	zw, err := pgzip.NewWriterLevel(w, l.N)
	if err != nil {
		return nil, fmt.Errorf("gzip-pgzip: level %q: %w", l.Name, err)
	}
	if err := zw.SetConcurrency(PgzipBlockSize, c.Threads()); err != nil {
		return nil, fmt.Errorf("gzip-pgzip: level %q: setting concurrency: %w", l.Name, err)
	}
	return zw, nil
}

func (pgzipCodec) NewReader(r io.Reader) (io.ReadCloser, error) {
	zr, err := pgzip.NewReaderN(r, PgzipReadBlockSize, PgzipReadBlocks)
	if err != nil {
		return nil, fmt.Errorf("gzip-pgzip: reading header: %w", err)
	}
	return zr, nil
}
