package codecs

import (
	"compress/gzip"
	"fmt"
	"io"

	"zbench/bench"
)

// GzipStd returns gzip-std: the standard library's compress/gzip at levels 1
// to 9, single-threaded.
func GzipStd() bench.Codec { return gzipStd{} }

type gzipStd struct{}

var (
	_ bench.Codec = gzipStd{}
	_ Describer   = gzipStd{}
	_ Defaulter   = gzipStd{}
)

var gzipStdLevels = numbered(gzip.BestSpeed, gzip.BestCompression, gzipNote)

func (gzipStd) Name() string              { return "gzip-std" }
func (gzipStd) Format() string            { return bench.Gzip }
func (gzipStd) Module() string            { return "std" }
func (gzipStd) Levels() []bench.Level     { return append([]bench.Level(nil), gzipStdLevels...) }
func (gzipStd) Threads() int              { return 1 }
func (gzipStd) DefaultLevel() bench.Level { return mustLevel(gzipStdLevels, "6") }
func (gzipStd) Describe() string          { return "Go standard library compress/gzip, single-threaded" }

func (c gzipStd) NewWriter(w io.Writer, l bench.Level) (io.WriteCloser, error) {
	if err := checkLevel(c.Name(), gzipStdLevels, l); err != nil {
		return nil, err
	}
	zw, err := gzip.NewWriterLevel(w, l.N)
	if err != nil {
		return nil, fmt.Errorf("gzip-std: level %q: %w", l.Name, err)
	}
	return zw, nil
}

func (gzipStd) NewReader(r io.Reader) (io.ReadCloser, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("gzip-std: reading header: %w", err)
	}
	return zr, nil
}
