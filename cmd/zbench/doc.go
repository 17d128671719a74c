// Command zbench measures gzip and zstd implementations on real OCI container
// image layers: throughput, CPU, memory and ratio, every round trip verified.
//
// Usage:
//
//	zbench run         [flags] SOURCE...  measure; writes DIR/results.txt, DIR/samples.jsonl, DIR/env.json
//	zbench fetch       [flags] SOURCE...  pull images into the cache; print (or -lock) what was pinned
//	zbench report      [flags] RUNDIR...  charts and one self-contained HTML report
//	zbench compare     [flags] BASE NEW   exit 1 when NEW is significantly worse than BASE
//	zbench merge       -o DIR PART...     join the shards of a run (run -shard i/n)
//	zbench history     SUBCOMMAND         the nightly store: add, last, list, mark, steps, series, merge
//	zbench site        -store DIR -o OUT  the nightly trend site: static pages from the store
//	zbench determinism [flags] SOURCE...  same bytes across repeats, threads, implementations? (JSON)
//	zbench evidence    [flags] RUNDIR...  answers for the image-spec discussion, with method (JSON)
//	zbench codecs                         list the codecs, their levels and versions
//
// SOURCE is a layer blob file (tar, gzip, zstd or xz, told apart by magic
// bytes), a directory of them, "builtin" (a deterministic layer made from
// the Go installation that built zbench), a registry image (debian:bookworm,
// docker://…, …@sha256:…), oci:DIR[:REF], docker-archive:FILE, or a corpus
// list (@FILE, @default, @quick). With no SOURCE, run measures @default, the
// pinned official images, or builtin when no registry can be reached.
//
// Examples:
//
//	zbench run -o out/quick builtin
//	zbench run -profile full -count 10 -o out/full layers/
//	zbench run -codecs zstd-cgo,zstd-klauspost -levels 'zstd-cgo=1-19' -ops encode,decode layer.tar.gz
//	zbench run -resume -o out/full layers/
//	zbench run -platform linux/arm64 -o out/py python:3.12 @quick
//	zbench fetch -lock corpus.lock @default-tags
//	zbench report -o out/quick.html out/quick
//	zbench compare out/base out/new
//	zbench run -profile reference -o out/ref layers/
//	zbench determinism -o out/ref/determinism.json layers/
//	zbench evidence -o out/ref/evidence.json -html out/ref/evidence.html out/ref
//	benchstat -col /codec out/quick/results.txt
//
// Exit status, the same for every command and for the scripts:
//
//	0    ok: every cell measured and verified; compare: no regression
//	1    regression (compare, history, nightly) or failed cells or layers
//	     (run, fetch, determinism: each failure is named on stderr and kept
//	     in the results)
//	2    usage or input error: a bad flag or argument, a SOURCE or run
//	     directory that does not exist or cannot be read as one, an image
//	     that is not there, runs that cannot be compared or merged
//	3    could not run: the registry unreachable or refusing access, the run
//	     directory being written by another zbench, a disk or I/O failure
//	130  interrupted (finished cells are kept; run -resume finishes the run)
//
// # Code
//
// The command is flags, wiring and output; the logic is in the packages.
// Each subcommand has its file (run.go, fetch.go, determinism.go, …) that
// parses its flags, calls the library and prints. sources.go holds the
// flags every command that reads SOURCEs shares (-cache, -platform,
// -insecure, -j), makes the corpus.Resolver from them, opens the layers
// (corpus.Resolver.Open) and adds to corpus errors the flag that would
// avoid them (the corpus names no flag). run and determinism walk the
// layers with corpus.Set.Walk: run hands each loaded layer to bench.Runner
// and each cell to results.RunDir; determinism hands it to
// determinism.Measurer. progress.go draws the progress of a run.
package main
