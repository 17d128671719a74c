package corpus

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// Limits on what a decoder may allocate before producing output. A blob may
// declare a large zstd window or xz dictionary and never use it, and the
// decoders allocate what is declared; these caps keep such a blob from
// costing much more memory than the layer limit allows. Note: decoding output
// of at most MaxBytes never needs more history than that, but an encoder
// that streams does not know how small its input is, and declares the window
// of its level anyway; so a floor keeps such blobs readable when the limit is
// small.
const (
	// minZstdWindow is the zstd window always allowed: what levels up to
	// 19 declare (--ultra and --long go beyond).
	minZstdWindow = 8 << 20
	// maxZstdWindow is klauspost/zstd's default cap (libzstd's is 128 MiB
	// unless --long or --memory raise it).
	maxZstdWindow = 512 << 20
	// minXzDict is the xz dictionary always allowed: xz -9 declares 64 MiB
	// even for a 1 KiB input.
	minXzDict = 64 << 20
)

// windowCap is the largest zstd window Load accepts when the layer limit is
// maxBytes (0 or less: no limit): the limit itself, within
// [minZstdWindow, maxZstdWindow].
func windowCap(maxBytes int64) int64 {
	if maxBytes <= 0 {
		return maxZstdWindow
	}
	return min(maxZstdWindow, max(minZstdWindow, maxBytes))
}

// newDecoder returns a reader of the raw tar inside the blob r of the given
// format. For FormatTar it returns r itself.
func newDecoder(format string, r io.Reader, maxBytes int64) (io.ReadCloser, error) {
	switch format {
	case FormatTar:
		return io.NopCloser(r), nil
	case FormatGzip:
		return newGzipReader(r)
	case FormatZstd:
		zr, err := zstd.NewReader(r,
			zstd.WithDecoderConcurrency(1), // synchronous: no goroutines, less memory
			zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(uint64(windowCap(maxBytes))),
		)
		if err != nil {
			return nil, err
		}
		return zr.IOReadCloser(), nil
	case FormatXz:
		zr, err := xz.NewReader(r)
		if err != nil {
			return nil, err
		}
		return io.NopCloser(zr), nil
	}
	return nil, fmt.Errorf("%w: format %q", ErrUnknownFormat, format)
}

// gzipReader reads a gzip stream of one or more members, like gzip.Reader
// with Multistream(true), but tells data after the last member apart from a
// truncated member: gzip.Reader reports both as a bad or short header.
type gzipReader struct {
	br *bufio.Reader // a ByteReader, so gzip reads no further than a member
	zr *gzip.Reader
}

func newGzipReader(r io.Reader) (*gzipReader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, err
	}
	zr.Multistream(false)
	return &gzipReader{br: br, zr: zr}, nil
}

func (g *gzipReader) Read(p []byte) (int, error) {
	for {
		n, err := g.zr.Read(p)
		if err != io.EOF {
			return n, err
		}
		// The end of a member: another member, the end, or trailing data.
		next, perr := g.br.Peek(16)
		switch {
		case len(next) == 0 && perr == io.EOF:
			return n, io.EOF
		case len(next) == 0:
			return n, perr
		case !bytes.HasPrefix(next, magicGzip):
			return n, fmt.Errorf("%w (first bytes %s)", errTrailingData, headHex(next))
		}
		if err := g.zr.Reset(g.br); err != nil {
			return n, err
		}
		g.zr.Multistream(false)
		if n > 0 {
			return n, nil
		}
	}
}

func (g *gzipReader) Close() error { return g.zr.Close() }

// errTrailingData is returned by gzipReader for bytes after the last member.
var errTrailingData = errors.New("data after the end of the gzip stream")

// rawSizeHint guesses the size of the raw tar inside blob from what the
// format declares: gzip's ISIZE trailer (the size mod 2^32 of the last
// member), zstd's frame content size (of the first frame), xz's index. The
// guess only sizes a buffer; a lie costs a regrow, never more than the limit.
// Without a declaration it guesses 4x the blob, the high end of what layers
// compress to.
func rawSizeHint(format string, blob []byte, xzi xzInfo) int64 {
	n := int64(len(blob))
	guess := 4 * n
	switch format {
	case FormatTar:
		return n
	case FormatGzip:
		if len(blob) >= 18 {
			guess = int64(binary.LittleEndian.Uint32(blob[len(blob)-4:]))
		}
	case FormatZstd:
		var h zstd.Header
		if h.Decode(blob) == nil && h.HasFCS && h.FrameContentSize < math.MaxInt64 {
			guess = int64(h.FrameContentSize)
		}
	case FormatXz:
		guess = xzi.size
	}
	// Trust a declared size only up to a ratio that real layers do not
	// reach, so that a tiny blob cannot ask for a huge buffer up front.
	return min(guess, 32*n+64<<10)
}

// errLimit is returned by readAll when the input exceeds its limit.
var errLimit = errors.New("limit exceeded")

// readAll reads r to its end into one slice, like io.ReadAll, but starts
// with a buffer of hint bytes, and stops with errLimit as soon as more than
// maxBytes arrive (maxBytes <= 0: no limit) without ever allocating more
// than maxBytes+1 bytes. It checks ctx between reads.
//
// Note: with an exact hint the buffer is allocated once, with one spare byte
// so that the final read can report EOF without a regrow. When the hint was
// low, the buffer grows by half each time; when it ends up much larger than
// the data, the data is copied to a slice of its own size, since loaded
// layers stay in memory for the whole run.
func readAll(ctx context.Context, r io.Reader, hint, maxBytes int64) ([]byte, error) {
	limit := int64(math.MaxInt)
	if maxBytes > 0 {
		limit = maxBytes + 1
	}
	size := min(limit, max(hint, 0)+1, math.MaxInt)
	buf := make([]byte, 0, max(size, 512))
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) >= limit {
				return nil, errLimit
			}
			grow := min(max(int64(cap(buf))/2, 64<<10), limit-int64(cap(buf)))
			nb := make([]byte, len(buf), int64(cap(buf))+grow)
			copy(nb, buf)
			buf = nb
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) >= limit {
			return nil, errLimit
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if spare := cap(buf) - len(buf); spare > 1<<20 && spare > len(buf)/8 {
		buf = append([]byte(nil), buf...)
	}
	return buf, nil
}
