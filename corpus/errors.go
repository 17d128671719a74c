package corpus

import (
	"errors"
	"fmt"
)

// Sentinel errors for the kinds of bad input the corpus reports. Load and
// Sniff wrap them with the details; test for them with errors.Is.
var (
	// ErrUnknownFormat is returned when a blob's magic bytes match none of
	// the formats zbench decodes (plain tar, gzip, zstd, xz). The message
	// names what was found (bzip2, zip, text …) and the first bytes in hex.
	// Typically this indicates a file that is not a layer blob, or a
	// compression that OCI layers do not use.
	ErrUnknownFormat = errors.New("unknown or unsupported blob format")

	// ErrCorrupt is returned when a compressed stream is truncated, has
	// data after its end, or fails its own checksum (gzip CRC-32, zstd
	// xxhash, xz check). Typically this indicates wrong or corrupted input.
	ErrCorrupt = errors.New("corrupt compressed stream")

	// ErrDigestMismatch is returned when the sha256 of the blob differs from
	// the digest the source expected (Entry.Digest). Typically this
	// indicates a damaged download or a stale cache entry.
	ErrDigestMismatch = errors.New("blob digest mismatch")

	// ErrDiffIDMismatch is returned when the sha256 of the raw tar differs
	// from the diffID the source expected (Entry.DiffID). Typically this
	// indicates wrong or corrupted input, or an image config that does not
	// belong to the layer.
	ErrDiffIDMismatch = errors.New("layer diffID mismatch")

	// ErrNotTar is returned when the decoded payload is not a tar archive,
	// or a tar header in it is malformed or cut short. Typically this
	// indicates wrong or corrupted input.
	ErrNotTar = errors.New("payload is not a tar archive")

	// ErrEmptyLayer is returned for a layer that holds no files: a
	// zero-length blob, a blob of zero blocks only, or a tar with no entries
	// (such as the 32-byte gzip empty layer that builders emit for metadata
	// steps). Within an image this is normal: callers skip it quietly when
	// Entry.FromImage is set.
	ErrEmptyLayer = errors.New("empty layer")

	// ErrTooLarge is returned when the blob or its raw tar is larger than
	// LoadOptions.MaxBytes, or when decoding would need a window or
	// dictionary larger than that limit allows. The limit is checked while
	// streaming, so a decompression bomb fails after at most MaxBytes+1
	// bytes have been produced.
	ErrTooLarge = errors.New("layer larger than the memory limit")

	// ErrUnsupportedSource is returned by Parse for a SOURCE whose transport
	// zbench knows of but does not read (oci-archive:, dir:,
	// docker-daemon:, containers-storage:, a URL).
	ErrUnsupportedSource = errors.New("not supported yet")
)

// A LayerError is a failure to load or read one layer. Its message names the
// layer and where it came from, so that a run can report it and go on.
type LayerError struct {
	Name   string // Entry.Name
	Origin string // Entry.Origin: a file path, or image@digest
	Err    error
}

// Error says which layer failed, where it came from, and why:
// layer "alpine" (layers/alpine.tar.gz): empty layer: ….
func (e *LayerError) Error() string {
	if e.Origin == "" || e.Origin == e.Name {
		return fmt.Sprintf("layer %q: %v", e.Name, e.Err)
	}
	return fmt.Sprintf("layer %q (%s): %v", e.Name, e.Origin, e.Err)
}

// Unwrap returns the underlying error, so that errors.Is(err, ErrEmptyLayer)
// and friends see through a LayerError.
func (e *LayerError) Unwrap() error { return e.Err }

// layerErr wraps err in a *LayerError for e, unless it already is one.
func layerErr(e Entry, err error) error {
	if err == nil {
		return nil
	}
	var le *LayerError
	if errors.As(err, &le) {
		return err
	}
	return &LayerError{Name: e.Name, Origin: e.Origin, Err: err}
}

// Sentinel errors of registry access.
var (
	// ErrNotFound is returned when a registry answers 404 for a manifest or
	// a blob. Typically this indicates a misspelt repository or tag, or a
	// tag that was deleted.
	ErrNotFound = errors.New("not found")

	// ErrUnauthorized is returned when a registry answers 401 or 403.
	// Typically this indicates a private repository (log in with docker
	// login, or configure a credential helper), wrong credentials, or, on
	// Docker Hub, a repository that does not exist.
	ErrUnauthorized = errors.New("access denied")

	// ErrNoPlatform is returned when an index or manifest list has no image
	// for the requested platform (Options.Platform).
	ErrNoPlatform = errors.New("no image for the platform")

	// ErrUnreachable is returned by Probe when no connection to a registry
	// could be made in time: no network, no DNS, a firewall.
	ErrUnreachable = errors.New("registry unreachable")
)
