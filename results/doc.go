// Package results records what a zbench run measured and reads it back.
//
// A run directory holds three files, all written from the same Record type:
//
//   - env.json: the Env the run measured in (CPU, cores, GOMAXPROCS, OS and
//     kernel, Go and module versions, governor, zbench commit, start time,
//     and the caller's Extra: libzstd version, corpus, count, ...).
//   - results.txt: the Go benchmark format (golang proposal 14313), which
//     benchstat reads as is. It begins with the Env as configuration lines
//     and with Unit lines, then has one result line per sample.
//   - samples.jsonl: every Record, one JSON object a line, including
//     failures; the complete record, and what a resumed run trusts.
//
// A run goes like this:
//
//  1. CollectEnv describes the machine and build; the caller adds Extra.
//  2. Create makes (or, to resume, reopens) the run directory. A RunDir is
//     a Sink.
//  3. For each cell the runner asks Done, measures the cell, and hands all
//     its samples (or its failure) to WriteCell, which appends them to
//     samples.jsonl and results.txt and syncs both, so an interrupt or a
//     kill loses nothing finished.
//  4. Close. Later, Load reads env.json and samples.jsonl, and ReadResults
//     reads results.txt of one or more runs with benchfmt, for compare and
//     report.
//
// # Names and metrics
//
// A cell is identified by a CellKey (op, layer, codec, from, level,
// threads). Its result lines are named, with every value cleared of '/'
// and white space:
//
//	BenchmarkEncode/layer=L/codec=C/level=V/threads=T-G
//	BenchmarkDecode/layer=L/codec=DECODER/from=ENCODER/level=V/threads=T-G
//	BenchmarkDecodeOriginal/layer=L/codec=DECODER/from=FORMAT/threads=T-G
//	BenchmarkMemcpy/layer=L/codec=memcpy/threads=1-G
//
// G is GOMAXPROCS as env.json records it, always present. Each line has
// the sample's iterations and ns/op, MB/s (MB = 10^6 bytes), ratio,
// compressed-B, cpu-sec/GB (CPU seconds per 10^9 uncompressed bytes), B/op
// and allocs/op. Unit lines declare ratio and compressed-B exact, so
// benchstat gives their deltas without a p-value, and say which direction
// is better. A failed cell is one line in go test's form,
//
//	--- FAIL: BenchmarkEncode/layer=L/codec=C/level=V/threads=T-G: error
//
// which the benchmark format ignores and a reader sees.
//
// # Using benchstat
//
// Within a run, pivot on name keys:
//
//	benchstat -col /codec -row /level -filter '.name:Encode' out/run/results.txt
//
// benchstat puts results with different configuration into separate
// tables. Two runs differ at least in zbench-commit or in module versions
// when comparing builds, so compare them with the configuration keys that
// are expected to differ ignored, or with one table:
//
//	benchstat -table '' base/results.txt new/results.txt
package results
