package corpus

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/klauspost/compress/zstd"
)

// LoadOptions say how Load reads a layer.
type LoadOptions struct {
	// MaxBytes is the largest blob and the largest raw tar Load accepts.
	// Larger layers fail with ErrTooLarge as soon as the limit is crossed
	// while streaming. 0 or less: no limit.
	MaxBytes int64
}

// Loaded is a layer in memory, checked and ready to measure.
type Loaded struct {
	Entry  Entry
	Format string // FormatTar, FormatGzip, FormatZstd or FormatXz, from Sniff
	// Blob is the layer as published: the bytes of Entry.Layer.Compressed().
	Blob []byte
	// Raw is the raw tar: Blob decoded. For a plain tar blob it is the same
	// slice as Blob, not a copy.
	Raw []byte
	// Digest and DiffID are the sha256 of Blob and of Raw.
	Digest v1.Hash
	DiffID v1.Hash
	// Files is the number of entries in the tar.
	Files int
}

// Load reads the layer of e into memory and checks it:
//
//  1. the blob is read from e.Layer.Compressed(), and must not be larger
//     than opts.MaxBytes (ErrTooLarge);
//  2. its sha256 must equal e.Digest when that is set (ErrDigestMismatch);
//  3. Sniff tells its format from its magic bytes (ErrUnknownFormat,
//     ErrEmptyLayer);
//  4. it is decoded to the raw tar, which must not be larger than
//     opts.MaxBytes (ErrTooLarge), and must be complete: a truncated stream,
//     data after its end, or a failed checksum is ErrCorrupt;
//  5. the raw tar's sha256 must equal e.DiffID when that is set
//     (ErrDiffIDMismatch);
//  6. every tar header is read (ErrNotTar), and there must be at least one
//     (ErrEmptyLayer).
//
// Every error is a *LayerError naming the layer and its origin and wrapping
// one of the sentinels above, an I/O error of the source, or ctx's error.
//
// Load needs about one blob plus one raw tar of memory: the raw buffer is
// sized from what the format declares (gzip's ISIZE, zstd's frame content
// size, xz's index), and a blob that expands past MaxBytes fails after at
// most MaxBytes+1 bytes of output.
func Load(ctx context.Context, e Entry, opts LoadOptions) (*Loaded, error) {
	l, err := load(ctx, e, opts)
	if err != nil {
		return nil, layerErr(e, err)
	}
	return l, nil
}

func load(ctx context.Context, e Entry, opts LoadOptions) (*Loaded, error) {
	if e.Layer == nil {
		return nil, errors.New("entry has no layer")
	}
	maxBytes := opts.MaxBytes

	// 1. The blob, as published.
	hint := int64(0)
	if size, err := e.Layer.Size(); err == nil && size >= 0 {
		if maxBytes > 0 && size > maxBytes {
			return nil, fmt.Errorf("%w: blob is %d bytes, limit %d", ErrTooLarge, size, maxBytes)
		}
		hint = size
	}
	rc, err := e.Layer.Compressed()
	if err != nil {
		return nil, fmt.Errorf("opening blob: %w", err)
	}
	blob, err := readAll(ctx, rc, hint, maxBytes)
	if cerr := rc.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if errors.Is(err, errLimit) {
		return nil, fmt.Errorf("%w: blob is more than %d bytes", ErrTooLarge, maxBytes)
	}
	if err != nil {
		return nil, fmt.Errorf("reading blob: %w", err)
	}
	l := &Loaded{Entry: e, Blob: blob, Digest: sha256Hash(blob)}

	// 2. Its digest.
	if err := checkHash(e.Digest, l.Digest, ErrDigestMismatch, "blob"); err != nil {
		return nil, err
	}

	// 3. Its format.
	if l.Format, err = Sniff(blob); err != nil {
		if errors.Is(err, ErrEmptyLayer) && !allZero(blob) {
			return nil, fmt.Errorf("%w: a block of zero bytes, then data", ErrNotTar)
		}
		return nil, err
	}

	// 4. The raw tar.
	if l.Raw, err = decode(ctx, l.Format, blob, maxBytes); err != nil {
		return nil, err
	}
	l.DiffID = sha256Hash(l.Raw)

	// 5. Its diffID.
	if err := checkHash(e.DiffID, l.DiffID, ErrDiffIDMismatch, "raw tar"); err != nil {
		return nil, err
	}

	// 6. Its tar entries.
	if l.Files, err = countTarEntries(l.Raw); err != nil {
		return nil, err
	}
	if l.Files == 0 {
		return nil, fmt.Errorf("%w: tar of %d bytes with no entries", ErrEmptyLayer, len(l.Raw))
	}
	return l, nil
}

// decode returns the raw tar inside blob.
func decode(ctx context.Context, format string, blob []byte, maxBytes int64) ([]byte, error) {
	if format == FormatTar {
		return blob, nil // already checked against maxBytes
	}
	var xzi xzInfo
	if format == FormatXz {
		var err error
		if xzi, err = scanXz(blob); err != nil {
			return nil, fmt.Errorf("decoding xz: %w: %w", ErrCorrupt, err)
		}
		if maxBytes > 0 && xzi.size > maxBytes {
			return nil, fmt.Errorf("%w: xz index declares %d bytes of raw tar, limit %d", ErrTooLarge, xzi.size, maxBytes)
		}
		if dictCap := xzDictCap(maxBytes); xzi.maxDict > dictCap {
			return nil, fmt.Errorf("%w: xz block declares a %d-byte dictionary, more than the %d allowed", ErrTooLarge, xzi.maxDict, dictCap)
		}
	}
	dec, err := newDecoder(format, bytes.NewReader(blob), maxBytes)
	if err != nil {
		return nil, decodeErr(format, err, maxBytes)
	}
	raw, err := readAll(ctx, dec, rawSizeHint(format, blob, xzi), maxBytes)
	if cerr := dec.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return nil, decodeErr(format, err, maxBytes)
	}
	return raw, nil
}

// xzDictCap is the largest xz dictionary Load lets the decoder allocate when
// the layer limit is maxBytes (0 or less: no limit): the limit, but at least
// what xz -9 uses.
func xzDictCap(maxBytes int64) int64 {
	if maxBytes <= 0 {
		return math.MaxUint32
	}
	return max(minXzDict, maxBytes)
}

// decodeErr classifies an error from a decoder.
func decodeErr(format string, err error, maxBytes int64) error {
	switch {
	case errors.Is(err, errLimit):
		return fmt.Errorf("%w: raw tar is more than %d bytes", ErrTooLarge, maxBytes)
	case errors.Is(err, zstd.ErrWindowSizeExceeded), errors.Is(err, zstd.ErrDecoderSizeExceeded):
		return fmt.Errorf("%w: decoding zstd: window larger than %d bytes: %w", ErrTooLarge, windowCap(maxBytes), err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, zstd.ErrMagicMismatch):
		// Sniff saw a frame magic first, so this is what follows a frame.
		return fmt.Errorf("decoding zstd: %w: data after the end of a frame: %w", ErrCorrupt, err)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("decoding %s: %w: truncated: %w", format, ErrCorrupt, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("decoding %s: %w: %w", format, ErrCorrupt, err)
}

// countTarEntries reads every header of the tar raw and returns how many
// there are.
func countTarEntries(raw []byte) (int, error) {
	tr := tar.NewReader(bytes.NewReader(raw))
	n := 0
	for {
		_, err := tr.Next()
		if err == io.EOF {
			return n, nil
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return n, fmt.Errorf("%w: truncated in entry %d: %w", ErrNotTar, n+1, err)
		}
		if err != nil {
			return n, fmt.Errorf("%w: entry %d: %w", ErrNotTar, n+1, err)
		}
		n++
	}
}

// checkHash compares got with want, when want is known.
func checkHash(want, got v1.Hash, sentinel error, what string) error {
	if want == (v1.Hash{}) {
		return nil
	}
	if want.Algorithm != got.Algorithm {
		return fmt.Errorf("%w: cannot check %s digest %s: only sha256 is supported", sentinel, what, want)
	}
	if want != got {
		return fmt.Errorf("%w: %s is %s, expected %s", sentinel, what, got, want)
	}
	return nil
}

func sha256Hash(b []byte) v1.Hash {
	sum := sha256.Sum256(b)
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
}
