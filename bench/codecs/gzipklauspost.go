package codecs

import (
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"

	"zbench/bench"
)

// GzipKlauspost returns gzip-klauspost: github.com/klauspost/compress/gzip
// at levels 1 to 9, then its two special modes, "huffman" (Huffman coding
// only, no match search) and "stateless" (no history kept between Write
// calls). Single-threaded.
func GzipKlauspost() bench.Codec { return gzipKlauspost{} }

type gzipKlauspost struct{}

var (
	_ bench.Codec = gzipKlauspost{}
	_ Describer   = gzipKlauspost{}
	_ Defaulter   = gzipKlauspost{}
)

// Note: the special modes come after 9, not before 1, so that the numbered
// levels keep their natural order and a chart's x axis stays readable; they
// are not "lower" than 1 in any single sense (huffman is faster and larger,
// stateless trades ratio for memory).
var gzipKlauspostLevels = append(numbered(gzip.BestSpeed, gzip.BestCompression, gzipNote),
	bench.Level{Name: "huffman", N: gzip.HuffmanOnly,
		Note: "HuffmanOnly: Huffman coding only, no match search"},
	bench.Level{Name: "stateless", N: gzip.StatelessCompression,
		Note: "StatelessCompression: no history kept between Write calls, so output depends on Write sizes"},
)

func (gzipKlauspost) Name() string   { return "gzip-klauspost" }
func (gzipKlauspost) Format() string { return bench.Gzip }
func (gzipKlauspost) Module() string { return "github.com/klauspost/compress" }
func (gzipKlauspost) Levels() []bench.Level {
	return append([]bench.Level(nil), gzipKlauspostLevels...)
}
func (gzipKlauspost) Threads() int              { return 1 }
func (gzipKlauspost) DefaultLevel() bench.Level { return mustLevel(gzipKlauspostLevels, "6") }
func (gzipKlauspost) Describe() string {
	return "klauspost/compress/gzip, single-threaded; levels 1-9 plus huffman-only and stateless modes"
}

func (c gzipKlauspost) NewWriter(w io.Writer, l bench.Level) (io.WriteCloser, error) {
	if err := checkLevel(c.Name(), gzipKlauspostLevels, l); err != nil {
		return nil, err
	}
	zw, err := gzip.NewWriterLevel(w, l.N)
	if err != nil {
		return nil, fmt.Errorf("gzip-klauspost: level %q: %w", l.Name, err)
	}
	return zw, nil
}

func (gzipKlauspost) NewReader(r io.Reader) (io.ReadCloser, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("gzip-klauspost: reading header: %w", err)
	}
	return zr, nil
}
