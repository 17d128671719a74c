package corpus

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// mediaTypeXz labels xz layers. Note: the OCI image spec defines no media
// type for xz; this is zbench's own label, built the way the spec builds
// +gzip and +zstd. Docker and containerd accept xz only inside docker save
// archives, never as a registry layer.
const mediaTypeXz types.MediaType = "application/vnd.oci.image.layer.v1.tar+xz"

// blobLayer is a v1.Layer over a blob that can be opened again and again:
// a file, or bytes in memory.
//
// Note: ggcr's partial.CompressedToLayer and tarball.LayerFromOpener would
// supply DiffID and Uncompressed, but they only know gzip and zstd, and
// tarball.LayerFromOpener recompresses a plain tar. zbench needs Compressed
// to give the blob exactly as published, and xz too, so blobLayer implements
// the six methods itself, with the decoders Load uses. Digest, DiffID and the
// format are computed on first use and remembered; Load does not call them.
type blobLayer struct {
	open func() (io.ReadCloser, error)
	size int64

	digestOnce sync.Once
	digest     v1.Hash
	digestErr  error

	diffIDOnce sync.Once
	diffID     v1.Hash
	diffIDErr  error

	formatOnce sync.Once
	format     string
	formatErr  error
}

var _ v1.Layer = (*blobLayer)(nil)

// fileLayer is the layer whose blob is the file at path, of size bytes.
func fileLayer(path string, size int64) *blobLayer {
	return &blobLayer{
		open: func() (io.ReadCloser, error) { return os.Open(path) },
		size: size,
	}
}

// bytesLayer is the layer whose blob is b. b must not change.
func bytesLayer(b []byte) *blobLayer {
	return &blobLayer{
		open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil },
		size: int64(len(b)),
	}
}

// setHashes records the digest and diffID of a layer whose maker knows them
// already (builtin), so that Digest and DiffID need not read it again.
func (l *blobLayer) setHashes(digest, diffID v1.Hash) {
	l.digestOnce.Do(func() { l.digest = digest })
	l.diffIDOnce.Do(func() { l.diffID = diffID })
}

// Digest returns the sha256 of the blob.
func (l *blobLayer) Digest() (v1.Hash, error) {
	l.digestOnce.Do(func() {
		l.digest, l.digestErr = hashReader(l.Compressed())
	})
	return l.digest, l.digestErr
}

// DiffID returns the sha256 of the raw tar.
func (l *blobLayer) DiffID() (v1.Hash, error) {
	l.diffIDOnce.Do(func() {
		l.diffID, l.diffIDErr = hashReader(l.Uncompressed())
	})
	return l.diffID, l.diffIDErr
}

// Compressed returns the blob as published: gzip, zstd, xz or a plain tar.
func (l *blobLayer) Compressed() (io.ReadCloser, error) {
	return l.open()
}

// Uncompressed returns the raw tar, decoded as it is read.
func (l *blobLayer) Uncompressed() (io.ReadCloser, error) {
	format, err := l.sniff()
	if err != nil {
		return nil, err
	}
	rc, err := l.open()
	if err != nil {
		return nil, err
	}
	// Buffered: ulikunitz/xz reads a byte at a time, a syscall each on a file.
	dec, err := newDecoder(format, bufio.NewReaderSize(rc, 64<<10), 0)
	if err != nil {
		rc.Close()
		return nil, fmt.Errorf("decoding %s: %w: %w", format, ErrCorrupt, err)
	}
	return &stackedCloser{Reader: dec, closers: []io.Closer{dec, rc}}, nil
}

// Size returns the size of the blob.
func (l *blobLayer) Size() (int64, error) {
	return l.size, nil
}

// MediaType returns the OCI media type for the blob's format. A blob that is
// no layer at all makes it fail with Sniff's error.
func (l *blobLayer) MediaType() (types.MediaType, error) {
	format, err := l.sniff()
	if err != nil {
		return "", err
	}
	switch format {
	case FormatGzip:
		return types.OCILayer, nil
	case FormatZstd:
		return types.OCILayerZStd, nil
	case FormatXz:
		return mediaTypeXz, nil
	default:
		return types.OCIUncompressedLayer, nil
	}
}

// sniff returns the blob's format, from its first 512 bytes.
func (l *blobLayer) sniff() (string, error) {
	l.formatOnce.Do(func() {
		rc, err := l.open()
		if err != nil {
			l.formatErr = err
			return
		}
		defer rc.Close()
		head := make([]byte, tarBlockSize)
		n, err := io.ReadFull(rc, head)
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			l.formatErr = err
			return
		}
		l.format, l.formatErr = Sniff(head[:n])
	})
	return l.format, l.formatErr
}

// hashReader returns the sha256 of what rc yields, and closes it.
func hashReader(rc io.ReadCloser, err error) (v1.Hash, error) {
	if err != nil {
		return v1.Hash{}, err
	}
	h := sha256.New()
	_, err = io.Copy(h, rc)
	if cerr := rc.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return v1.Hash{}, err
	}
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}, nil
}

// stackedCloser reads from a decoder and closes it and the blob under it.
type stackedCloser struct {
	io.Reader
	closers []io.Closer
}

func (s *stackedCloser) Close() error {
	var errs []error
	for _, c := range s.closers {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}
