// Package versions measures whether an encoder's bytes, and so a layer's
// digest, survive an upgrade: of the Go toolchain (compress/gzip is
// compress/flate's), of github.com/klauspost/compress, or of the libzstd that
// github.com/DataDog/zstd links.
//
// zbench itself is one build, so it cannot encode with two versions of a
// library. Instead:
//
//  1. A [Builder] builds the small encoder program of ./encoder once per
//     [Build] (a Go toolchain through GOTOOLCHAIN, a klauspost release
//     through go get, libzstd bundled or the system's through -tags
//     external_libzstd) in a temporary module holding a copy of its
//     source, and caches the binary by version in the user cache
//     directory. A build that fails is recorded with its error; the other
//     builds go on.
//  2. A [Measurer] runs each build on each input with the codecs and levels
//     asked for; the program prints each output's sha256 and size. The
//     builds of an axis's other values encode only the codecs whose code
//     that axis changes ([AxisCodecs]).
//  3. [Assemble] compares, per axis, each value with the next, per codec,
//     level and input: same bytes or not, and the size delta. The result
//     is a results.VersionMatrix, kept in the determinism matrix.
//
// Builds need the go command and the Go module proxy (or a module cache
// holding the versions), and cgo for zstd-cgo. Nothing is timed.
package versions
