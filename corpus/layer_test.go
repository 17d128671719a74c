package corpus

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// checkLayer checks that the methods of layer agree with each other and
// with what Load made of it, as ggcr's validate.Layer does for gzip layers
// (validate needs a module this build does not carry).
func checkLayer(t *testing.T, layer v1.Layer, l *Loaded) {
	t.Helper()
	read := func(rc io.ReadCloser, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if !bytes.Equal(read(layer.Compressed()), l.Blob) {
		t.Errorf("Compressed() differs from the blob Load read")
	}
	if !bytes.Equal(read(layer.Uncompressed()), l.Raw) {
		t.Errorf("Uncompressed() differs from the raw tar Load decoded")
	}
	if d, err := layer.Digest(); err != nil || d != l.Digest {
		t.Errorf("Digest() = %s, %v; want %s", d, err, l.Digest)
	}
	if d, err := layer.DiffID(); err != nil || d != l.DiffID {
		t.Errorf("DiffID() = %s, %v; want %s", d, err, l.DiffID)
	}
	if n, err := layer.Size(); err != nil || n != int64(len(l.Blob)) {
		t.Errorf("Size() = %d, %v; want %d", n, err, len(l.Blob))
	}
	want := map[string]types.MediaType{
		FormatTar:  types.OCIUncompressedLayer,
		FormatGzip: types.OCILayer,
		FormatZstd: types.OCILayerZStd,
		FormatXz:   mediaTypeXz,
	}[l.Format]
	if mt, err := layer.MediaType(); err != nil || mt != want {
		t.Errorf("MediaType() = %q, %v; want %q", mt, err, want)
	}
}

func TestLayers(t *testing.T) {
	raw := sampleTar(t)
	dir := t.TempDir()
	for name, blob := range map[string][]byte{
		"a.tar":     raw,
		"a.tar.gz":  gzipOf(t, raw),
		"a.tar.zst": zstdOf(t, raw),
		"a.tar.xz":  xzOf(t, raw),
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, blob, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) {
			for _, layer := range []*blobLayer{bytesLayer(blob), fileLayer(path, int64(len(blob)))} {
				l, err := Load(context.Background(), Entry{Name: "a", Layer: layer}, LoadOptions{})
				if err != nil {
					t.Fatal(err)
				}
				checkLayer(t, layer, l)
			}
		})
	}
}

func TestLayerNotABlob(t *testing.T) {
	layer := bytesLayer([]byte("# README\n"))
	if _, err := layer.MediaType(); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("MediaType() of a README: err = %v, want ErrUnknownFormat", err)
	}
	if _, err := layer.Uncompressed(); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("Uncompressed() of a README: err = %v, want ErrUnknownFormat", err)
	}
	if _, err := bytesLayer(nil).DiffID(); !errors.Is(err, ErrEmptyLayer) {
		t.Errorf("DiffID() of an empty blob: err = %v, want ErrEmptyLayer", err)
	}
	// The digest of any bytes is known, blob or not.
	d, err := layer.Digest()
	sum := sha256.Sum256([]byte("# README\n"))
	if err != nil || d.Hex != hex.EncodeToString(sum[:]) {
		t.Errorf("Digest() = %s, %v", d, err)
	}
	missing := fileLayer(filepath.Join(t.TempDir(), "gone.tar.gz"), 10)
	if _, err := missing.Compressed(); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Compressed() of a missing file: err = %v, want ErrNotExist", err)
	}
}
