// Package bench times and verifies compression codecs on one layer at a
// time. It knows nothing of registries, files or charts: a caller hands it
// an Input already in memory and receives results.Records.
//
// A run of one layer is Options.Rounds rounds (zbench run's default: 5, at
// most -count); each round goes:
//
//  1. memcpy: copy the raw tar into a buffer of its size, the ceiling every
//     other throughput is read against.
//  2. decode-original: each decoder of the blob's format decodes the blob as
//     published.
//  3. For each encoder Setting of the Plan, in order:
//     a. encode: timed passes, each making a new writer as a registry or
//     builder does per layer, feeding it the tar in writes of
//     Plan.WriteSize (32 KiB, results.DefaultWrite: what io.Copy writes)
//     and writing into one buffer (emptied first), must write the same
//     number of bytes every time; on the first round the first pass's
//     output must decode (with the same codec, outside the clock) to the
//     layer's diffID;
//     b. decode: every decoder of the format decodes the last pass's output,
//     timed; on the first round, once more outside the clock into
//     sha256, which must equal the diffID. This is the interop matrix.
//     The output is dropped before the next setting, so a run holds the
//     blob, the raw tar and one encoded output at a time.
//
// A Setting with API results.APIBuffer measures the codec's whole-buffer
// API instead ([BufferCodec]): an encoder made once per visit encodes the
// whole tar per pass into a destination allocated once, its output is
// checked with the codec's streaming reader, and the whole-buffer decoders
// of Plan.BufferDecoders decode it into a destination of the tar's size.
// Its cells carry api=buffer.
//
// A cell is warmed up by one pass on the first round (timed and kept as its
// first sample when it lasts Options.FirstSample or more), then timed in
// samples: each sample is as many whole passes as last Options.MinSample. Each round
// takes its share of Options.Count samples and Options.MinTime (at least one
// sample), and by the last round a cell has at least Count samples and
// MinTime in all. Rounds spread each cell's samples over the whole time its
// layer is measured: on a machine whose speed drifts from minute to minute
// (a shared virtual machine), a slow minute then touches every cell a little
// instead of a few cells wholly, and two runs differ by one factor that a
// comparison can take out (see package compare). A cell's records are
// emitted when its last round ends, so an interrupted layer keeps only its
// cells already finished; -rounds 1 measures each cell in one go. Each
// sample records wall time, CPU time (user+system of the whole process, so
// helper threads and the garbage collector count) and Go heap bytes and
// allocations per pass; garbage is collected between samples, outside the
// clock. Memory that C code allocates (libzstd through cgo) is not in the Go
// figures.
//
// A cell that fails (an error from the codec, a size that changes between
// passes, a digest that does not match) is emitted as one Record with Err
// set, and the run goes on; only cancellation or a failure to write results
// stops it. The codecs themselves live in bench/codecs.
package bench
