// Package results records what a zbench run measured and reads it back. It
// is the only package that opens the files of a run directory (a test in
// internal/layering checks it): every other package reads a run with
// ReadRun and writes one with Create or WriteRun.
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
//  2. Create makes (or, to resume, reopens) the run directory.
//  3. For each cell the runner asks Done, measures the cell, and hands all
//     its samples (or its failure) to WriteCell, which appends them to
//     samples.jsonl and results.txt and syncs both, so an interrupt or a
//     kill loses nothing finished.
//  4. Close. (WriteRun writes a finished run in one go instead: Merge and
//     test fixtures.)
//
// # Reading a run back
//
// ReadRun reads a run directory, or a bare results.txt, into a Run: its
// Env (nil for a results file), its configuration keys, its Images, and
// its Cells in the order written, each with its records, its values per
// unit exactly as results.txt gives them (Values), its exact values
// (Exact), its failure, layer digest and sizes. compare, history, plots,
// evidence and the command's progress line all start from it.
//
// Summaries are computed here once: Median is the one median, and
// Summarize (Cell.Summary) gives the median with its distribution-free 95%
// interval from golang.org/x/perf/benchmath. A Setting is a cell key
// without its layer: an encoder at a level, or a decoder of one source.
//
// To add a metric: compute it in Record.metrics (it then appears in
// results.txt, in Cell.Values and Cell.Exact), and show it in the one
// place that wants it.
//
// # Environments
//
// KindOf sorts the configuration keys: machine keys (goos, goarch, cpu,
// cores, gomaxprocs) make runs incomparable when they differ; system keys
// (os, kernel, governor) and build keys (go, zbench-commit, libzstd, mod-…)
// are differences to report. compare, merge, a resume and history use this
// one rule. Env.Extra keys are the Extra* constants.
//
// Errors name no command-line flag; the command adds its advice to
// ErrRunExists, EnvChangedError and DuplicateCellError.
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
