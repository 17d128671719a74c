package codectest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Random returns n bytes of incompressible data, the same on every call.
func Random(n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{'z', 'b', 'e', 'n', 'c', 'h'}).Read(b)
	return b
}

// TarLike returns a valid tar archive of about n bytes (never more) whose
// files look like a root filesystem's: text in a small vocabulary, binaries
// with recurring instruction-like sequences, runs of zeros. It compresses
// about as well as a real layer, and is the same on every call.
func TarLike(n int) []byte {
	rng := rand.New(rand.NewPCG(2026, 14313))
	words := make([]string, 600)
	for i := range words {
		w := make([]byte, 2+rng.IntN(9))
		for j := range w {
			w[j] = "etaoinshrdlucmfwypvbgkqjxz_-./0123456789"[rng.IntN(20+rng.IntN(21))]
		}
		words[i] = string(w)
	}
	ops := make([][]byte, 256)
	for i := range ops {
		ops[i] = make([]byte, 2+rng.IntN(7))
		for j := range ops[i] {
			ops[i][j] = byte(rng.Uint32())
		}
	}
	dirs := []string{"bin/", "etc/", "lib/", "usr/bin/", "usr/lib/x86_64-linux-gnu/", "usr/share/doc/", "var/lib/dpkg/info/"}

	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	mtime := time.Date(2024, 9, 23, 0, 0, 0, 0, time.UTC)
	for i := 0; ; i++ {
		size := int(16 << rng.IntN(14)) // 16 B to 128 KiB, log-uniform
		size += rng.IntN(size)
		// A header block, the content padded to 512, and the two blocks
		// that end the archive must all still fit; the last file is cut
		// to fill what is left.
		room := n - out.Len() - 512 - 1024
		room -= room % 512
		if room <= 0 {
			break
		}
		size = min(size, room)
		body := make([]byte, 0, size)
		switch rng.IntN(5) {
		case 0, 1, 2: // text: lines of words, Zipf-like
			for len(body) < size {
				line := 1 + rng.IntN(12)
				for k := 0; k < line; k++ {
					if k > 0 {
						body = append(body, ' ')
					}
					body = append(body, words[min(rng.IntN(len(words)), rng.IntN(len(words)))]...)
				}
				body = append(body, '\n')
			}
		case 3: // binary: recurring sequences, some noise, runs of zeros
			for len(body) < size {
				switch r := rng.IntN(100); {
				case r < 70:
					body = append(body, ops[min(rng.IntN(256), rng.IntN(256))]...)
				case r < 95:
					body = append(body, byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32()))
				default:
					body = append(body, make([]byte, rng.IntN(512))...)
				}
			}
		case 4: // already compressed (a .gz in /usr/share/doc)
			for len(body) < size {
				body = append(body, byte(rng.Uint32()))
			}
		}
		body = body[:size]
		hdr := &tar.Header{
			Name:    fmt.Sprintf("%sfile-%04d", dirs[rng.IntN(len(dirs))], i),
			Mode:    0o644,
			Size:    int64(size),
			ModTime: mtime,
			Format:  tar.FormatUSTAR,
		}
		if err := tw.WriteHeader(hdr); err != nil {
			panic(err) // writing to memory: cannot fail
		}
		if _, err := tw.Write(body); err != nil {
			panic(err)
		}
	}
	if err := tw.Close(); err != nil {
		panic(err)
	}
	return out.Bytes()
}

// CorpusDir returns the folder of the shared corpus's layers: the
// corpus/layers folder of the shared/ folder that sits beside the
// repository (found from the working directory, as `go test` sets it to the
// package's folder). It returns an error when there is none.
func CorpusDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
	layers := filepath.Join(filepath.Dir(dir), "shared", "corpus", "layers")
	if _, err := os.Stat(layers); err != nil {
		return "", fmt.Errorf("no shared corpus beside the repository: %w", err)
	}
	return layers, nil
}

var layerCache sync.Map // file name -> func() ([]byte, error)

// LayerTar returns the uncompressed tar of the gzip'd layer file in
// [CorpusDir], reading it once per process. When the corpus or the file is
// absent it skips tb, saying where it looked.
func LayerTar(tb testing.TB, file string) []byte {
	tb.Helper()
	dir, err := CorpusDir()
	if err != nil {
		tb.Skipf("skipping: layer %s needs the shared corpus (../shared/corpus/layers beside the repository): %v", file, err)
	}
	path := filepath.Join(dir, file)
	load, _ := layerCache.LoadOrStore(file, sync.OnceValues(func() ([]byte, error) { return gunzipFile(path) }))
	raw, err := load.(func() ([]byte, error))()
	if errors.Is(err, fs.ErrNotExist) {
		tb.Skipf("skipping: layer %s is not in the shared corpus at %s", file, dir)
	}
	if err != nil {
		tb.Fatalf("layer %s: %v", file, err)
	}
	return raw
}

func gunzipFile(path string) ([]byte, error) {
	if !strings.HasSuffix(path, ".gz") {
		return nil, fmt.Errorf("reading %s: only gzip'd layers are supported here", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return raw, nil
}
