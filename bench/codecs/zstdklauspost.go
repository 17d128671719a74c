package codecs

import (
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"

	"zbench/bench"
)

// ZstdMaxWindow is the largest window zstd-klauspost's decoder accepts:
// 128 MiB, the window of libzstd level 22 and libzstd's own default limit
// (ZSTD_WINDOWLOG_LIMIT_DEFAULT, 2^27), so both zstd decoders accept and
// reject the same streams.
const ZstdMaxWindow = 1 << 27

// ZstdKlauspost returns zstd-klauspost: github.com/klauspost/compress/zstd
// at its four levels, single-threaded (no async goroutines for encoding or
// decoding). Its levels' N are zstd.EncoderLevel values; their Notes name
// the libzstd level each is meant to match. Frames carry the library's
// default content checksum.
func ZstdKlauspost() bench.Codec { return zstdKlauspost{} }

type zstdKlauspost struct{}

var (
	_ bench.Codec = zstdKlauspost{}
	_ Describer   = zstdKlauspost{}
	_ Defaulter   = zstdKlauspost{}
)

// The libzstd equivalents are the package's README ("roughly equivalent to
// zstd level 1, 3, 7, 11"); its doc comments say "about zstd level 7-8" for
// better.
var zstdKlauspostLevels = []bench.Level{
	{Name: zstd.SpeedFastest.String(), N: int(zstd.SpeedFastest), Note: "≈ libzstd level 1"},
	{Name: zstd.SpeedDefault.String(), N: int(zstd.SpeedDefault), Note: "≈ libzstd level 3"},
	{Name: zstd.SpeedBetterCompression.String(), N: int(zstd.SpeedBetterCompression), Note: "≈ libzstd level 7"},
	{Name: zstd.SpeedBestCompression.String(), N: int(zstd.SpeedBestCompression), Note: "≈ libzstd level 11"},
}

func (zstdKlauspost) Name() string   { return "zstd-klauspost" }
func (zstdKlauspost) Format() string { return bench.Zstd }
func (zstdKlauspost) Module() string { return "github.com/klauspost/compress" }
func (zstdKlauspost) Levels() []bench.Level {
	return append([]bench.Level(nil), zstdKlauspostLevels...)
}
func (zstdKlauspost) Threads() int { return 1 }
func (zstdKlauspost) DefaultLevel() bench.Level {
	return mustLevel(zstdKlauspostLevels, zstd.SpeedDefault.String())
}
func (zstdKlauspost) Describe() string {
	return "klauspost/compress/zstd, single-threaded, with content checksum; levels ≈ libzstd 1, 3, 7, 11"
}

func (c zstdKlauspost) NewWriter(w io.Writer, l bench.Level) (io.WriteCloser, error) {
	if err := checkLevel(c.Name(), zstdKlauspostLevels, l); err != nil {
		return nil, err
	}
	enc, err := zstd.NewWriter(w,
		zstd.WithEncoderLevel(zstd.EncoderLevel(l.N)),
		zstd.WithEncoderConcurrency(1))
	if err != nil {
		return nil, fmt.Errorf("zstd-klauspost: level %q: %w", l.Name, err)
	}
	return enc, nil
}

// NewReader returns the decoder as an io.ReadCloser whose Close frees it
// (Decoder.Close itself returns nothing). Close returns nil.
func (zstdKlauspost) NewReader(r io.Reader) (io.ReadCloser, error) {
	dec, err := zstd.NewReader(r,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxWindow(ZstdMaxWindow))
	if err != nil {
		return nil, fmt.Errorf("zstd-klauspost: %w", err)
	}
	return dec.IOReadCloser(), nil
}

// zstd-klauspost's whole-buffer API: Encoder.EncodeAll and Decoder.DecodeAll,
// with the streaming API's options (single goroutine, the same window limit)
// and WithZeroFrames, so that empty input is a frame as the streaming
// writer makes it. One Encoder or Decoder serves many calls, as the
// package documentation recommends.
var _ bench.BufferCodec = zstdKlauspost{}

func (c zstdKlauspost) NewBufferEncoder(l bench.Level) (bench.BufferEncoder, error) {
	if err := checkLevel(c.Name(), zstdKlauspostLevels, l); err != nil {
		return nil, err
	}
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.EncoderLevel(l.N)),
		zstd.WithEncoderConcurrency(1),
		zstd.WithZeroFrames(true))
	if err != nil {
		return nil, fmt.Errorf("zstd-klauspost: level %q: %w", l.Name, err)
	}
	return klauspostBufferEncoder{enc}, nil
}

func (zstdKlauspost) NewBufferDecoder() (bench.BufferDecoder, error) {
	dec, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxWindow(ZstdMaxWindow))
	if err != nil {
		return nil, fmt.Errorf("zstd-klauspost: %w", err)
	}
	return klauspostBufferDecoder{dec}, nil
}

// EncodeBound is n plus 1/256 of it and 1 KiB. (The library's
// MaxEncodedSize, v1.20.4, is too small: level fastest writes 1 MiB of
// random bytes in 61 bytes more, MaxEncodedSize says 41.)
func (zstdKlauspost) EncodeBound(n int) int { return n + n>>8 + 1<<10 }

type klauspostBufferEncoder struct{ enc *zstd.Encoder }

func (e klauspostBufferEncoder) EncodeAll(dst, src []byte) ([]byte, error) {
	return e.enc.EncodeAll(src, dst[:0]), nil
}

func (e klauspostBufferEncoder) Close() error { return e.enc.Close() }

type klauspostBufferDecoder struct{ dec *zstd.Decoder }

func (d klauspostBufferDecoder) DecodeAll(dst, src []byte) ([]byte, error) {
	return d.dec.DecodeAll(src, dst[:0])
}

func (d klauspostBufferDecoder) Close() error { d.dec.Close(); return nil }
