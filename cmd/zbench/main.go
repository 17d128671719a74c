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
//	zbench history     SUBCOMMAND         the nightly store: add, last, list, mark, steps, series
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
// Exit status: 0 when every cell was measured and verified, 1 when some
// layer or cell failed (each failure is named on stderr and kept in the
// results), 2 on a usage error, 130 when interrupted (finished cells are
// kept; -resume finishes the run).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// A command is one subcommand, in the manner of sweet's subcommand table.
type command struct {
	name     string
	synopsis string
	run      func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = []command{
	{"run", "measure codecs on layers and write a run directory", cmdRun},
	{"fetch", "pull images into the cache and print (or -lock) what was pinned", cmdFetch},
	{"codecs", "list the codecs, their levels and module versions", cmdCodecs},
	{"report", "write charts and one self-contained HTML report from run directories", cmdReport},
	{"compare", "compare two runs; exit 1 when NEW is significantly worse than BASE", cmdCompare},
	{"merge", "join the shards (or rounds) of a run into one run directory", cmdMerge},
	{"history", "keep nightly runs; find the nights on which cells changed", cmdHistory},
	{"determinism", "encode layers repeatedly: same bytes across runs, threads, implementations?", cmdDeterminism},
	{"evidence", "answer the image-spec questions from run directories, with method (JSON)", cmdEvidence},
	{"lazy", "eStargz and zstd:chunked: size against plain, bytes fetched on an update or for files first", cmdLazy},
}

// exitError carries an exit status through the error chain.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// errUsage marks a usage error: the message has been printed with the usage.
var errUsage = errors.New("usage error")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command, callable from tests: it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		var ee *exitError
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		case errors.As(err, &ee):
			if ee.err != nil && ee.err.Error() != "" {
				fmt.Fprintf(stderr, "zbench %s: %v\n", c.name, ee.err)
			}
			return ee.code
		default:
			fmt.Fprintf(stderr, "zbench %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "zbench: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "zbench measures gzip and zstd implementations on real OCI image layers.\n\nUsage:\n\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  zbench %-12s %s\n", c.name, c.synopsis)
	}
	fmt.Fprintf(w, "\nRun 'zbench COMMAND -h' for a command's flags.\n")
}

// newFlagSet makes a subcommand's flag set that reports errors instead of
// exiting, and prints a usage header before the flags.
func newFlagSet(name, args, about string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: zbench %s %s\n\n%s\n\nFlags:\n", name, args, about)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, mapping a bad flag to errUsage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}
