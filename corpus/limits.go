package corpus

import (
	"fmt"
	"io"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Bounds on what a registry (or an image layout) may describe, so that a
// hostile or broken one gets a clear error instead of hours of requests or
// gigabytes of memory.
const (
	// MaxLayers is the most layers an image may have. Docker and
	// containerd stop near 128; 1000 leaves room for any real image.
	MaxLayers = 1000
	// MaxConfigBytes is the largest image config read (real ones are a few
	// KiB, a long history some hundred KiB).
	MaxConfigBytes = 8 << 20
	// maxIndexDepth is how deep indexes may nest (an index of indexes...).
	maxIndexDepth = 4
)

// checkManifest refuses a manifest (digest h) that describes more than
// zbench will fetch: too many layers, a config too large, negative sizes.
func checkManifest(m *v1.Manifest, h v1.Hash) error {
	if n := len(m.Layers); n > MaxLayers {
		return fmt.Errorf("%w: manifest %s has %d layers, more than %d", ErrRegistryLimit, h, n, MaxLayers)
	}
	if m.Config.Size > MaxConfigBytes || m.Config.Size < 0 {
		return fmt.Errorf("%w: manifest %s: config of %d bytes, more than %d", ErrRegistryLimit, h, m.Config.Size, MaxConfigBytes)
	}
	for i, l := range m.Layers {
		if l.Size < 0 {
			return fmt.Errorf("%w: manifest %s: layer %d has size %d", ErrRegistryLimit, h, i, l.Size)
		}
	}
	return nil
}

// checkIndexDepth refuses an index nested more than maxIndexDepth deep;
// depth counts the indexes above it.
func checkIndexDepth(depth int, h v1.Hash) error {
	if depth >= maxIndexDepth {
		return fmt.Errorf("%w: index %s: indexes nested more than %d deep", ErrRegistryLimit, h, maxIndexDepth)
	}
	return nil
}

// MaxListBytes is the largest corpus list or lock file read.
const MaxListBytes = 16 << 20

// readListFile reads a corpus list, refusing one larger than MaxListBytes
// (a list naming /dev/zero would otherwise never end).
func readListFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxListBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxListBytes {
		return nil, fmt.Errorf("%s: a list of more than %d bytes", path, MaxListBytes)
	}
	return b, nil
}
