package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"zbench/results"
)

const mergeAbout = `Joins run directories into one: the parts of a sharded run (zbench run
-shard i/n, one per CI job or Kubernetes index), or with -pool the rounds of
one binary measuring the same cells (scripts/ab.sh), whose samples are
pooled.

The parts must come from the same build on the same kind of machine (goos,
goarch, cpu, cores, gomaxprocs, Go, zbench commit, libzstd, module versions)
and name the same bytes by each layer name; otherwise merge fails and writes
nothing. Missing shards, differing kernels and the like are warned about.
DIR must not hold a run yet.`

func cmdMerge(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("merge", "-o DIR [-pool] PART...", mergeAbout, stderr)
	out := fs.String("o", "", "the merged run `directory` (required)")
	var opt results.MergeOptions
	fs.BoolVar(&opt.Pool, "pool", false, "pool the samples of cells found in several parts (rounds of one binary) instead of failing")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() == 0 {
		fmt.Fprintln(stderr, "zbench merge: want -o DIR and at least one PART")
		fs.Usage()
		return errUsage
	}
	warnings, err := results.Merge(*out, fs.Args(), opt)
	var dup *results.DuplicateCellError
	if errors.As(err, &dup) {
		return fmt.Errorf("merging: cell %s is in both %q and %q (to pool rounds of one binary, use -pool): %w",
			dup.Cell, dup.First, dup.Second, results.ErrIncompatibleParts)
	}
	if err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintf(stderr, "zbench merge: warning: %v\n", w)
	}
	fmt.Fprintf(stderr, "zbench merge: %d part(s) merged into %s\n", fs.NArg(), *out)
	return nil
}
