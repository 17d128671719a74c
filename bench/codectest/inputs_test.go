package codectest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"testing"
)

func TestTarLike(t *testing.T) {
	for _, n := range []int{4 << 10, 256 << 10, 4 << 20} {
		b := TarLike(n)
		if len(b) > n || len(b) < n-2048 {
			t.Errorf("TarLike(%d) is %d bytes, want between %d and %d", n, len(b), n-2048, n)
		}
		if !bytes.Equal(b, TarLike(n)) {
			t.Errorf("TarLike(%d) differs between calls", n)
		}
		tr := tar.NewReader(bytes.NewReader(b))
		files := 0
		for {
			_, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("TarLike(%d): not a valid tar: %v", n, err)
			}
			files++
		}
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(b)
		zw.Close()
		ratio := float64(len(b)) / float64(z.Len())
		t.Logf("TarLike(%d): %d bytes, %d files, gzip -6 ratio %.2f", n, len(b), files, ratio)
		if n >= 256<<10 && (ratio < 1.8 || ratio > 6) {
			t.Errorf("TarLike(%d): gzip ratio %.2f, want something like a real layer's (2 to 5)", n, ratio)
		}
	}
}

func TestRandom(t *testing.T) {
	a, b := Random(1000), Random(1000)
	if !bytes.Equal(a, b) {
		t.Error("Random differs between calls")
	}
	if bytes.Equal(a[:500], a[500:]) {
		t.Error("Random repeats itself")
	}
}

func TestCorpusDir(t *testing.T) {
	dir, err := CorpusDir()
	if err != nil {
		t.Skipf("skipping: no shared corpus beside the repository: %v", err)
	}
	raw := LayerTar(t, RealLayer)
	if len(raw) == 0 || !bytes.Equal(raw[257:262], []byte("ustar")) {
		t.Errorf("%s in %s: want a tar", RealLayer, dir)
	}
}
