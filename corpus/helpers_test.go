package corpus

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// sharedCorpusDir is ../shared/corpus next to the repository, seen from this
// package's directory (go test runs in it).
var sharedCorpusDir = filepath.Join("..", "..", "shared", "corpus")

// needSharedCorpus returns the shared corpus directory, or skips the test
// saying what is missing.
func needSharedCorpus(t testing.TB) string {
	t.Helper()
	manifest := filepath.Join(sharedCorpusDir, "MANIFEST.tsv")
	if _, err := os.Stat(manifest); err != nil {
		abs, _ := filepath.Abs(manifest)
		t.Skipf("shared corpus not found: %s is missing (%v); it lives in ../shared/corpus next to the repository", abs, err)
	}
	return sharedCorpusDir
}

// tarOf returns a tar holding the files given as name, content pairs.
func tarOf(t testing.TB, nameContent ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for i := 0; i+1 < len(nameContent); i += 2 {
		hdr := &tar.Header{Name: nameContent[i], Mode: 0o644, Size: int64(len(nameContent[i+1])), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, nameContent[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sampleTar is a small tar with a few compressible files.
func sampleTar(t testing.TB) []byte {
	t.Helper()
	text := bytes.Repeat([]byte("the quick brown fox jumps over the lazy dog\n"), 200)
	return tarOf(t,
		"etc/hostname", "zbench\n",
		"usr/share/doc/fox.txt", string(text),
		"usr/bin/tool", string(randomBytes(3000, 1)),
	)
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func gzipOf(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zstdOf(t testing.TB, b []byte, opts ...zstd.EOption) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := zstd.NewWriter(&buf, append([]zstd.EOption{zstd.WithEncoderConcurrency(1)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func xzOf(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := xz.WriterConfig{DictCap: 1 << 20}.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// entryOf is an entry whose blob is b.
func entryOf(name string, b []byte) Entry {
	return Entry{Name: name, Origin: "test:" + name, Layer: bytesLayer(b)}
}

// emptyGzipLayer is the 32-byte gzip empty layer (1024 zero bytes, the
// end-of-archive of a tar with no entries, by Go's compress/gzip), digest
// sha256:4f4fb700ef54461cfa02571ae0db9a0dc1e0cdb5577484a6d75e68dc38e8acc1,
// which buildkit emits for steps that change no file.
var emptyGzipLayer = []byte{
	0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x62, 0x18, 0x05, 0xa3, 0x60, 0x14,
	0x8c, 0x58, 0x00, 0x08, 0x00, 0x00, 0xff, 0xff, 0x2e, 0xaf, 0xb5, 0xef, 0x00, 0x04, 0x00, 0x00,
}

// clone returns a copy of b with f applied to it.
func clone(b []byte, f func([]byte) []byte) []byte {
	return f(bytes.Clone(b))
}
