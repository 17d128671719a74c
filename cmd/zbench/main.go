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
	"zbench/bench/clientwork"
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
	{"site", "write the nightly trend site (static HTML) from the history store", cmdSite},
	{"determinism", "encode layers repeatedly: same bytes across runs, threads, implementations?", cmdDeterminism},
	{"evidence", "answer the image-spec questions from run directories, with method (JSON)", cmdEvidence},
	{"clientwork", "time what a client does to a pulled layer beside decoding: hash, write, fsync, untar, copy", cmdClientwork},
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
	clientwork.LegacyChild() // the child zbench clientwork starts to time sha256 as Go before 1.21 did
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
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			return exitOK
		case errors.Is(err, errUsage):
			return exitUsage
		case errors.As(err, &ee):
			if ee.err != nil && ee.err.Error() != "" {
				fmt.Fprintf(stderr, "zbench %s: %s\n", c.name, sanitize(ee.err.Error()))
			}
			return ee.code
		default:
			code := exitCode(ctx, err)
			if code == exitInterrupted && !errors.Is(err, context.Canceled) {
				fmt.Fprintf(stderr, "zbench %s: %s\n", c.name, sanitize(err.Error()))
			} else if code == exitInterrupted {
				fmt.Fprintf(stderr, "zbench %s: interrupted\n", c.name)
			} else {
				fmt.Fprintf(stderr, "zbench %s: %s\n", c.name, sanitize(err.Error()))
			}
			return code
		}
	}
	fmt.Fprintf(stderr, "zbench: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
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
