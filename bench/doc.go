// Package bench times and verifies compression codecs on one layer at a
// time. It knows nothing of registries, files or charts: a caller hands it
// an Input already in memory and receives results.Records.
//
// A run of one layer goes:
//
//  1. memcpy: copy the raw tar into a buffer of its size, the ceiling every
//     other throughput is read against.
//  2. decode-original: each decoder of the blob's format decodes the blob as
//     published.
//  3. For each encoder Setting of the Plan, in order:
//     a. encode: a warm-up pass writes the output, which must decode (with
//     the same codec, outside the clock) to the layer's diffID; then
//     timed passes write to a counter, each making a new writer as a
//     registry or builder does per layer, and must write the same number
//     of bytes;
//     b. decode: every decoder of the format decodes that output, timed,
//     then once more outside the clock into sha256, which must equal the
//     diffID. This is the interop matrix.
//     The output is dropped before the next setting, so a run holds the
//     blob, the raw tar and one encoded output at a time.
//
// A cell is warmed up by one pass, then timed in samples: each sample is as
// many whole passes as last Options.MinSample, and a cell takes at least
// Options.Count samples and Options.MinTime in all. Each sample records wall
// time, CPU time (user+system of the whole process, so helper threads and
// the garbage collector count) and Go heap bytes and allocations per pass;
// garbage is collected between samples, outside the clock. Memory that C
// code allocates (libzstd through cgo) is not in the Go figures.
//
// A cell that fails (an error from the codec, a size that changes between
// passes, a digest that does not match) is emitted as one Record with Err
// set, and the run goes on; only cancellation or a failure to write results
// stops it. The codecs themselves live in bench/codecs.
package bench
