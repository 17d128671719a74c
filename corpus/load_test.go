package corpus

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

func TestLoadFormats(t *testing.T) {
	raw := sampleTar(t)
	diffID := sha256Hash(raw)
	for _, tt := range []struct {
		format string
		blob   []byte
	}{
		{FormatTar, raw},
		{FormatGzip, gzipOf(t, raw)},
		{FormatZstd, zstdOf(t, raw)},
		{FormatXz, xzOf(t, raw)},
		{FormatGzip + "-multistream", append(gzipOf(t, raw[:1024]), gzipOf(t, raw[1024:])...)},
		{FormatZstd + "-skippable", append([]byte{0x50, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 'h', 'i'}, zstdOf(t, raw)...)},
		{FormatXz + "-padded", append(xzOf(t, raw), 0, 0, 0, 0)},
		{FormatXz + "-two-streams", append(xzOf(t, raw[:1024]), xzOf(t, raw[1024:])...)},
	} {
		t.Run(tt.format, func(t *testing.T) {
			e := entryOf("sample-"+tt.format, tt.blob)
			e.Digest = sha256Hash(tt.blob)
			e.DiffID = diffID
			l, err := Load(context.Background(), e, LoadOptions{MaxBytes: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			if want, _, _ := strings.Cut(tt.format, "-"); l.Format != want {
				t.Errorf("Format = %q, want %q", l.Format, want)
			}
			if !bytes.Equal(l.Blob, tt.blob) {
				t.Errorf("Blob differs from the published bytes")
			}
			if !bytes.Equal(l.Raw, raw) {
				t.Errorf("Raw differs from the tar (%d bytes, want %d)", len(l.Raw), len(raw))
			}
			if l.Digest != e.Digest || l.DiffID != diffID {
				t.Errorf("Digest, DiffID = %s, %s; want %s, %s", l.Digest, l.DiffID, e.Digest, diffID)
			}
			if l.Files != 3 {
				t.Errorf("Files = %d, want 3", l.Files)
			}
			if tt.format == FormatTar && &l.Raw[0] != &l.Blob[0] {
				t.Errorf("a plain tar's Raw is a copy of Blob, want the same slice")
			}
			if waste := cap(l.Raw) - len(l.Raw); waste > 1<<20 {
				t.Errorf("Raw has %d bytes of spare capacity for %d of data", waste, len(l.Raw))
			}
		})
	}
}

// Bad input: each case must fail with its sentinel, wrapped in a LayerError
// that names the layer.
func TestLoadBadInput(t *testing.T) {
	raw := sampleTar(t)
	gz, zs, xzb := gzipOf(t, raw), zstdOf(t, raw), xzOf(t, raw)
	half := func(b []byte) []byte { return b[:len(b)/2] }
	flip := func(off int) func([]byte) []byte {
		return func(b []byte) []byte {
			if off < 0 {
				off += len(b)
			}
			b[off] ^= 0x40
			return b
		}
	}
	garbage := func(b []byte) []byte { return append(b, "trailing garbage"...) }
	wrongHash := v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("ab", 32)}

	tests := []struct {
		name   string
		blob   []byte
		digest v1.Hash
		diffID v1.Hash
		max    int64
		want   error
		msg    string
	}{
		{name: "gzip-truncated", blob: half(gz), want: ErrCorrupt, msg: "truncated"},
		{name: "gzip-truncated-in-header", blob: gz[:5], want: ErrCorrupt, msg: "truncated"},
		{name: "gzip-truncated-trailer", blob: gz[:len(gz)-3], want: ErrCorrupt, msg: "truncated"},
		{name: "gzip-crc", blob: clone(gz, flip(-6)), want: ErrCorrupt, msg: "checksum"},
		{name: "gzip-flipped-data", blob: clone(gz, flip(len(gz)/2)), want: ErrCorrupt},
		{name: "gzip-trailing-garbage", blob: clone(gz, garbage), want: ErrCorrupt, msg: "data after the end of the gzip stream (first bytes 747261696c696e672067617262616765)"},
		{name: "gzip-trailing-zeros", blob: clone(gz, func(b []byte) []byte { return append(b, 0, 0, 0, 0) }), want: ErrCorrupt},
		{name: "zstd-truncated", blob: half(zs), want: ErrCorrupt},
		{name: "zstd-truncated-end", blob: zs[:len(zs)-1], want: ErrCorrupt},
		{name: "zstd-flipped-byte", blob: clone(zs, flip(len(zs)/2)), want: ErrCorrupt},
		{name: "zstd-trailing-garbage", blob: clone(zs, garbage), want: ErrCorrupt, msg: "after the end"},
		{name: "xz-truncated", blob: half(xzb), want: ErrCorrupt, msg: "xz"},
		{name: "xz-truncated-by-4", blob: xzb[:len(xzb)-4], want: ErrCorrupt},
		{name: "xz-flipped-byte", blob: clone(xzb, flip(len(xzb)/2)), want: ErrCorrupt},
		{name: "xz-trailing-garbage", blob: clone(xzb, func(b []byte) []byte { return append(b, "junk"...) }), want: ErrCorrupt, msg: "after the end"},
		{name: "xz-trailing-zeros", blob: clone(xzb, func(b []byte) []byte { return append(b, 0, 0) }), want: ErrCorrupt},
		{name: "tar-truncated", blob: raw[:1500], want: ErrNotTar, msg: "truncated in entry 2"},
		{name: "gzip-of-text", blob: gzipOf(t, bytes.Repeat([]byte("not a tar at all\n"), 100)), want: ErrNotTar},
		{name: "gzip-of-short-text", blob: gzipOf(t, []byte("hello\n")), want: ErrNotTar},
		{name: "zstd-of-random", blob: zstdOf(t, randomBytes(5000, 3)), want: ErrNotTar},
		{name: "empty-file", blob: []byte{}, want: ErrEmptyLayer},
		{name: "empty-gzip-layer", blob: emptyGzipLayer, want: ErrEmptyLayer, msg: "no entries"},
		{name: "gzip-of-nothing", blob: gzipOf(t, nil), want: ErrEmptyLayer},
		{name: "zero-blocks", blob: make([]byte, 10240), want: ErrEmptyLayer},
		{name: "zero-block-then-tar", blob: append(make([]byte, 512), raw...), want: ErrNotTar, msg: "then data"},
		{name: "bzip2", blob: []byte("BZh91AY&SY" + strings.Repeat("x", 100)), want: ErrUnknownFormat, msg: "bzip2"},
		{name: "readme", blob: []byte("# zbench corpus\n"), want: ErrUnknownFormat, msg: "text"},
		{name: "wrong-digest", blob: gz, digest: wrongHash, want: ErrDigestMismatch, msg: "expected sha256:abab"},
		{name: "wrong-digest-algorithm", blob: gz, digest: v1.Hash{Algorithm: "sha512", Hex: "00"}, want: ErrDigestMismatch, msg: "only sha256"},
		{name: "wrong-diffid", blob: gz, diffID: wrongHash, want: ErrDiffIDMismatch},
		{name: "blob-too-large", blob: raw, max: int64(len(raw)) - 1, want: ErrTooLarge, msg: "blob"},
		{name: "raw-too-large", blob: gz, max: int64(len(raw)) - 1, want: ErrTooLarge, msg: "raw tar"},
		{name: "raw-too-large-zstd", blob: zs, max: int64(len(raw)) - 1, want: ErrTooLarge},
		{name: "raw-too-large-xz", blob: xzb, max: int64(len(raw)) - 1, want: ErrTooLarge, msg: "index"},
		{name: "xz-huge-dictionary", blob: xzWithDict(t, xzb, 40), max: 1 << 20, want: ErrTooLarge, msg: "dictionary"},
		{name: "zstd-huge-window", blob: zstdWithWindowLog(t, zstdOf(t, raw, zstd.WithSingleSegment(false)), 31), max: 1 << 20, want: ErrTooLarge, msg: "window"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := entryOf(tt.name, tt.blob)
			e.Digest, e.DiffID = tt.digest, tt.diffID
			max := tt.max
			if max == 0 {
				max = 1 << 20
			}
			l, err := Load(context.Background(), e, LoadOptions{MaxBytes: max})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Load: err = %v, want %v", err, tt.want)
			}
			if l != nil {
				t.Errorf("Load returned a layer with its error")
			}
			var le *LayerError
			if !errors.As(err, &le) || le.Name != tt.name || le.Origin != e.Origin {
				t.Errorf("Load: err = %#v, want a *LayerError for %q", err, tt.name)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, `layer "`+tt.name+`" (test:`+tt.name+`): `) || !strings.Contains(msg, tt.msg) {
				t.Errorf("Load: error %q should name the layer and contain %q", msg, tt.msg)
			}
			t.Log(err)
		})
	}
}

// xzWithDict patches the dictionary size of the first block of an xz blob
// made by xzOf, and fixes the block header's CRC.
func xzWithDict(t *testing.T, b []byte, code byte) []byte {
	t.Helper()
	b = bytes.Clone(b)
	hdr := b[12:]
	n := (int(hdr[0]) + 1) * 4
	if hdr[1]&3 != 0 || hdr[1]&0xc0 != 0 || hdr[2] != 0x21 || hdr[3] != 1 {
		t.Fatalf("unexpected xz block header % x", hdr[:n])
	}
	hdr[4] = code
	binary.LittleEndian.PutUint32(hdr[n-4:], crc32.ChecksumIEEE(hdr[:n-4]))
	return b
}

// zstdWithWindowLog patches the window descriptor of a zstd frame made by
// zstdOf (a streaming frame, so it has one).
func zstdWithWindowLog(t *testing.T, b []byte, log byte) []byte {
	t.Helper()
	b = bytes.Clone(b)
	if b[4]&0x20 != 0 {
		t.Fatalf("frame is single-segment, no window descriptor")
	}
	b[5] = (log - 10) << 3
	return b
}

func TestLoadMaxBytesExact(t *testing.T) {
	raw := sampleTar(t)
	for _, blob := range [][]byte{raw, gzipOf(t, raw), zstdOf(t, raw), xzOf(t, raw)} {
		e := entryOf("exact", blob)
		if _, err := Load(context.Background(), e, LoadOptions{MaxBytes: int64(len(raw))}); err != nil {
			t.Errorf("Load with MaxBytes = raw size: %v", err)
		}
		if _, err := Load(context.Background(), e, LoadOptions{MaxBytes: int64(len(raw)) - 1}); !errors.Is(err, ErrTooLarge) {
			t.Errorf("Load with MaxBytes = raw size - 1: err = %v, want ErrTooLarge", err)
		}
	}
}

// A decompression bomb must fail fast, with little memory: never more than
// the limit.
func TestLoadBomb(t *testing.T) {
	const bombSize = 64 << 20
	const max = 1 << 20
	zeros := func() io.Reader { return io.LimitReader(zeroReader{}, bombSize) }

	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	io.Copy(zw, zeros())
	zw.Close()

	var zs bytes.Buffer
	ze, _ := zstd.NewWriter(&zs, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedFastest))
	io.Copy(ze, zeros())
	ze.Close()

	var xzs bytes.Buffer
	if !testing.Short() {
		xw, _ := xz.WriterConfig{DictCap: 1 << 20}.NewWriter(&xzs)
		io.CopyN(xw, zeros(), 8<<20) // ulikunitz/xz is slow; 8 MiB is bomb enough
		xw.Close()
	}

	// Besides the limit, a decoder may allocate its window: 32 KiB for
	// gzip, what the frame declares for zstd (up to 8 MiB when the limit is
	// smaller), the declared dictionary for xz (1 MiB here).
	for _, tt := range []struct {
		name   string
		blob   []byte
		window uint64
	}{
		{"gzip", gz.Bytes(), 64 << 10},
		{"zstd", zs.Bytes(), 2 * minZstdWindow},
		{"xz", xzs.Bytes(), 2 << 20},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.blob) == 0 {
				t.Skip("skipped in -short mode")
			}
			e := entryOf("bomb-"+tt.name, tt.blob)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := Load(context.Background(), e, LoadOptions{MaxBytes: max})
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Load of a %d-byte %s blob of %d zeros: err = %v, want ErrTooLarge", len(tt.blob), tt.name, bombSize, err)
			}
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%d-byte blob: %v, %d bytes allocated in %v", len(tt.blob), err, alloc, elapsed)
			if limit := uint64(len(tt.blob)+3*max) + tt.window; alloc > limit {
				t.Errorf("Load allocated %d bytes, want at most %d (blob + 3x MaxBytes + window)", alloc, limit)
			}
		})
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestLoadCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Load(ctx, entryOf("canceled", gzipOf(t, sampleTar(t))), LoadOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Load with a canceled context: err = %v, want context.Canceled", err)
	}
	var le *LayerError
	if !errors.As(err, &le) {
		t.Errorf("Load: err = %#v, want a *LayerError", err)
	}
}

func TestLoadNoLimit(t *testing.T) {
	raw := sampleTar(t)
	l, err := Load(context.Background(), entryOf("nolimit", zstdOf(t, raw)), LoadOptions{})
	if err != nil || !bytes.Equal(l.Raw, raw) {
		t.Fatalf("Load with no limit: %v", err)
	}
}

func TestReadAllGrowth(t *testing.T) {
	data := randomBytes(3<<20+17, 5)
	for _, hint := range []int64{0, 100, 1 << 20, int64(len(data)), int64(len(data)) + 1, 10 << 20} {
		got, err := readAll(context.Background(), bytes.NewReader(data), hint, 0)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("readAll(hint %d): %v", hint, err)
		}
		if waste := cap(got) - len(got); waste > 1<<20 {
			t.Errorf("readAll(hint %d): %d bytes of spare capacity", hint, waste)
		}
	}
	if _, err := readAll(context.Background(), bytes.NewReader(data), 0, int64(len(data))-1); !errors.Is(err, errLimit) {
		t.Errorf("readAll over the limit: err = %v, want errLimit", err)
	}
	if got, err := readAll(context.Background(), bytes.NewReader(data), 0, int64(len(data))); err != nil || len(got) != len(data) {
		t.Errorf("readAll at the limit: %d bytes, %v", len(got), err)
	}
}

func TestLayerError(t *testing.T) {
	err := &LayerError{Name: "alpine", Origin: "layers/alpine.tar.gz", Err: ErrEmptyLayer}
	if got, want := err.Error(), `layer "alpine" (layers/alpine.tar.gz): empty layer`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, ErrEmptyLayer) {
		t.Errorf("errors.Is(LayerError, ErrEmptyLayer) = false")
	}
	if got := (&LayerError{Name: "x", Err: ErrCorrupt}).Error(); got != `layer "x": corrupt compressed stream` {
		t.Errorf("Error() without origin = %q", got)
	}
}
