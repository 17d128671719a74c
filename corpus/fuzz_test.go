package corpus

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// fuzzSeeds are small valid and broken blobs of every format.
func fuzzSeeds(t testing.TB) [][]byte {
	raw := tarOf(t, "a", "hello\n", "dir/b", string(bytes.Repeat([]byte("zbench "), 300)))
	gz, zs, xzb := gzipOf(t, raw), zstdOf(t, raw), xzOf(t, raw)
	return [][]byte{
		raw, gz, zs, xzb,
		raw[:700], gz[:len(gz)/2], zs[:len(zs)-5], xzb[:len(xzb)-8],
		append(bytes.Clone(gz), "junk"...),
		append(gzipOf(t, raw[:512]), gzipOf(t, raw[512:])...),
		append([]byte{0x50, 0x2a, 0x4d, 0x18, 1, 0, 0, 0, 'x'}, zs...),
		zstdOf(t, raw, zstd.WithSingleSegment(false)),
		emptyGzipLayer,
		gzipOf(t, []byte("just some text, not a tar\n")),
		make([]byte, 1024),
		[]byte("BZh91AY&SY"),
		{},
	}
}

// FuzzSniff checks that Sniff never panics, returns a known format or a
// known error, and decides from the first 512 bytes only.
func FuzzSniff(f *testing.F) {
	for _, b := range fuzzSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		format, err := Sniff(b)
		switch {
		case err == nil && format != FormatTar && format != FormatGzip && format != FormatZstd && format != FormatXz:
			t.Fatalf("Sniff = %q, nil: unknown format", format)
		case err != nil && format != "":
			t.Fatalf("Sniff = %q, %v: a format with an error", format, err)
		case err != nil && !errors.Is(err, ErrUnknownFormat) && !errors.Is(err, ErrEmptyLayer):
			t.Fatalf("Sniff: err = %v, want ErrUnknownFormat or ErrEmptyLayer", err)
		}
		if len(b) > tarBlockSize {
			f2, err2 := Sniff(b[:tarBlockSize])
			if f2 != format || errors.Is(err2, ErrEmptyLayer) != errors.Is(err, ErrEmptyLayer) {
				t.Fatalf("Sniff(b) = %q, %v but Sniff(b[:512]) = %q, %v", format, err, f2, err2)
			}
		}
	})
}

// FuzzLoad checks that Load never panics, respects MaxBytes, and fails only
// with a LayerError wrapping one of the package's sentinels.
func FuzzLoad(f *testing.F) {
	for _, b := range fuzzSeeds(f) {
		f.Add(b)
	}
	const maxBytes = 64 << 10
	sentinels := []error{ErrUnknownFormat, ErrCorrupt, ErrNotTar, ErrEmptyLayer, ErrTooLarge}
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := Load(context.Background(), entryOf("fuzz", b), LoadOptions{MaxBytes: maxBytes})
		if err != nil {
			var le *LayerError
			if !errors.As(err, &le) || le.Name != "fuzz" {
				t.Fatalf("Load: err = %v, not a *LayerError for the layer", err)
			}
			for _, s := range sentinels {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("Load: err = %v, wraps none of the sentinels", err)
		}
		if len(l.Blob) > maxBytes || len(l.Raw) > maxBytes {
			t.Fatalf("Load: blob %d, raw %d bytes, over MaxBytes %d", len(l.Blob), len(l.Raw), maxBytes)
		}
		if l.Files == 0 || l.DiffID != sha256Hash(l.Raw) || !bytes.Equal(l.Blob, b) {
			t.Fatalf("Load: inconsistent result: %d files, diffID %s", l.Files, l.DiffID)
		}
	})
}
