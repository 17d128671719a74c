//go:build !cgo

package codecs

import "zbench/bench"

// LibzstdVersion returns the version of the libzstd that zstd-cgo runs. It
// is empty when zbench is built without cgo, as this build is.
func LibzstdVersion() string { return "" }

// ZstdCgo returns nil: zstd-cgo needs cgo, and this build has none. [All]
// leaves it out and [ByName] says why it is missing.
func ZstdCgo() bench.Codec { return nil }

// zstdCgoVariants returns nil: there is no zstd-cgo in this build.
func zstdCgoVariants(bench.Codec) []bench.Variant { return nil }
