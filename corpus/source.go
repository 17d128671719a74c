package corpus

import (
	"context"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Formats a blob can have, found by its magic bytes (see Sniff).
const (
	FormatTar  = "tar"
	FormatGzip = "gzip"
	FormatZstd = "zstd"
	FormatXz   = "xz"
)

// A Source yields layers to measure.
type Source interface {
	// Name says where the layers come from, for messages and the run's
	// environment: a file path, "builtin", an image reference.
	Name() string
	Layers(ctx context.Context) ([]Entry, error)
}

// An Entry is one layer of a source.
type Entry struct {
	// Name is the layer= key in results: short, no '/' or spaces, unique
	// within a run (see Key).
	Name string
	// Origin says where the layer came from: a file path, or image@digest.
	Origin string
	// Layer's Compressed method gives the blob as published.
	Layer v1.Layer
	// Digest and DiffID are what the blob and its tar are expected to hash
	// to, when the source knows them (a manifest and config say so); zero
	// values mean "not known", and Load computes them.
	Digest v1.Hash
	DiffID v1.Hash
	// FromImage is set when the layer is part of an image: an empty layer
	// there is normal and skipped quietly rather than reported as bad input.
	FromImage bool
}
