// Package corpus finds the layers zbench measures and loads them into memory,
// checked, before any clock starts.
//
// The command does it all in two calls: Resolver.Open turns the SOURCE
// arguments into a Set (the layers to measure, named, with their images), and
// Set.Walk loads them one at a time, yielding each as a Step: loaded and
// verified, skipped (WalkOptions.Skip), empty (an image layer with no files)
// or failed (a *LayerError; the walk goes on). Only an interrupt stops a
// walk. zbench run and zbench determinism both walk layers this way.
//
// A layer goes through these steps:
//
//  1. A SOURCE argument becomes a Source (Resolver.Parse, with the
//     resolver's Options): "builtin", a directory of layer blobs, one blob
//     file, a registry image (remote.go), an OCI layout (oci:, layout.go), a
//     docker save archive (docker-archive:, archive.go) or a corpus list
//     (@FILE, @default, @quick; list.go). Other transports skopeo knows are
//     recognised but not supported (ErrUnsupportedSource).
//
//     Image sources resolve their images first (manifest, platform from an
//     index, config with the diffIDs; remote.go), then Resolver.Fetch
//     downloads the missing layer blobs into the Cache (fetch.go, into
//     cache.go's OCI image layout, every blob verified before it is renamed
//     into place), each blob once for all images, Options.Jobs at a time,
//     with retries (retry.go for a blob, transport.go for a request).
//     Resolver.Resolve (and Open) does both for a run, lists each blob once,
//     and names layers image-lN. Options and progress Events are in
//     options.go, the Resolver itself in resolver.go, the check that a
//     registry can be reached at all in probe.go.
//
//  2. The Source lists its layers as Entries (Source.Layers): a name for the
//     layer= key of results (CleanName, made unique in a run by Key), where
//     the layer came from, a ggcr v1.Layer whose Compressed method gives the
//     blob exactly as published, and the digest and diffID when the source
//     knows them.
//
//  3. Load reads the blob, tells its format from its magic bytes (Sniff:
//     plain tar, gzip, zstd, xz; never from a file name), decodes it to the
//     raw tar, and checks the blob digest, the diffID, that the compressed
//     stream is whole, and that the payload is a tar with at least one
//     entry.
//
// Every failure of a layer is a *LayerError that names the layer and its
// origin and wraps a sentinel (ErrUnknownFormat, ErrCorrupt,
// ErrDigestMismatch, ErrDiffIDMismatch, ErrNotTar, ErrEmptyLayer,
// ErrTooLarge), so that the command can report it and go on with the other
// layers. Errors name no flag of the command: they wrap sentinels or typed
// errors (ErrInsecure, *InsecureError, ErrUnreachable, ErrNoLayers …) and
// the command adds the flag to use.
//
// # Boundaries
//
// corpus is at the bottom with results: it imports neither results nor
// bench nor anything above them. It knows nothing of codecs, timing or run
// directories; the command joins a Set's steps to the bench runner and the
// results writer.
//
// # Memory
//
// A run holds each layer twice, as blob and as raw tar, and the benchmarks
// add their outputs; it must stay within about three times the largest raw
// layer. So Load never reads more than LoadOptions.MaxBytes+1 bytes of blob
// or of raw tar (a decompression bomb fails after that much output, not after
// allocating all of it), sizes its buffers from what the format declares
// (gzip's ISIZE trailer, zstd's frame content size, xz's index), refuses zstd
// windows and xz dictionaries larger than the limit allows before the decoder
// allocates them, and for a plain tar uses the blob as the raw tar without
// copying it.
//
// # The builtin layer
//
// Builtin works offline on any machine that can build zbench: it turns a
// fixed selection of the Go installation (binaries and sources, about 23 MB
// of tar) into a deterministic layer, as the golang image's largest layer
// holds GOROOT. Same Go release and GOOS/GOARCH, same bytes. See Builtin.
//
// # Logging
//
// The package logs only skipped files, to ggcr's logs.Warn, which discards
// its output unless the command sets it. Registry progress (downloads,
// retries, skipped layers) goes to Options.Events; nothing the package says
// holds a credential.
package corpus
