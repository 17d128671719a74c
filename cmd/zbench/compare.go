package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"zbench/compare"
	"zbench/internal/atomicfile"
)

const compareAbout = `Compares NEW with BASE cell by cell and exits 1 when NEW is significantly
worse. BASE and NEW are run directories or results files (results.txt).

Cells are matched by name (op, layer, codec, from, level, threads), whatever
the commit or module versions in their configuration. For MB/s, cpu-sec/GB
and B/op, each side's median and 95% confidence interval are computed and
the samples are compared with the Mann-Whitney U test (golang.org/x/perf
benchmath, as benchstat does); a cell regresses when p < -alpha and its
median is worse by more than -threshold (-disjoint also requires the two
medians' intervals not to overlap). The memcpy row is reported, never
counted.

A machine's speed drifts while a run measures: zbench run visits the cells
in rounds, and the samples of one round were taken at nearly the same
moment. So each run's MB/s and cpu-sec/GB samples are first divided by
the machine's speed when they were taken: -drift local (the default), the
median over the 8 codec cells of the layer measured nearest in the same
round of their samples relative to their own medians; -drift round, the
same over the whole round; -drift off, nothing. Runs that did not record
rounds have them read from the sample index and the run's rounds setting.

Two runs on one machine, one after the other, differ in every cell by the
machine's change of speed (other tenants of a virtual machine, frequency).
So MB/s and cpu-sec/GB are judged relative to it (-normalize): the median
change across the codec cells, printed as "machine shift", divides NEW's
samples before the test, and a cell regresses when it moved relative to the
rest of the run. A shift of the whole run beyond -threshold counts as a
regression ("whole run") only when Go, libzstd or a module version changed
between the runs; otherwise it is the machine's. To tell a change that slows
every cell from the machine, run the two builds interleaved (scripts/ab.sh).

Sizes (compressed-B, ratio) compare exactly: any change means different bytes and so a different
digest, and counts as a regression unless -allow-size-change.

Each cell's minimum detectable effect (mde) is the smallest worsening the
rule would have flagged in it, at the noise and sample counts of the two
runs: a "no regression" says nothing about smaller changes. The last line
counts the cells that could not have shown a -sensitivity slowdown.

The table goes to stdout: per metric, cell, base median ±CI, new median
±CI, delta (raw, and relative to the run), mde, p and verdict, then size
changes, failures, cells found in one run only (listed, not failures), and
a last line saying whether anything regressed. -json FILE writes the same
with every sample.

Exit status: 0 no regression, 1 regression, 2 input error: unreadable input,
the runs measured different corpora (a layer name with different digests, or
no cell in common), or they come from different machines (goos, goarch, cpu,
cores, gomaxprocs; -allow-env compares anyway); 3 the comparison could not
be written.`

func cmdCompare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("compare", "[flags] BASE NEW", compareAbout, stderr)
	opt := compare.DefaultOptions()
	fs.Var((*fractionFlag)(&opt.Alpha), "alpha", "significance level of the Mann-Whitney U test (default "+strconv.FormatFloat(opt.Alpha, 'g', -1, 64)+")")
	threshold := percentFlag(opt.Threshold)
	fs.Var(&threshold, "threshold", "least worsening of the median that counts, as 5% or 0.05")
	gate := fs.String("metrics", strings.Join(compare.DefaultGate, ","), "comma-separated `units` that can regress (others are reported only)")
	fs.BoolVar(&opt.AllowSizeChange, "allow-size-change", false, "report size changes without counting them as regressions")
	fs.BoolVar(&opt.AllowEnv, "allow-env", false, "compare runs from different machines, with a warning")
	fs.BoolVar(&opt.Disjoint, "disjoint", opt.Disjoint, "also require the medians' 95% intervals not to overlap (the rule before -drift; with 10 samples the intervals hold nearly every sample)")
	fs.StringVar(&opt.Drift, "drift", opt.Drift, "take the machine's drift within each run out of MB/s and cpu-sec/GB: local (the speed of the 8 cells measured nearest to each sample), round (of its round) or off")
	sensitivity := percentFlag(opt.Sensitivity)
	fs.Var(&sensitivity, "sensitivity", "the slowdown every cell should be able to show; the verdict counts the cells that could not")
	fs.BoolVar(&opt.Normalize, "normalize", opt.Normalize, "judge MB/s and cpu-sec/GB relative to the machine's shift between the runs (the median change across cells); -normalize=false judges the raw figures")
	jsonOut := fs.String("json", "", "also write the comparison as JSON to `file`")
	format := fs.String("format", "text", "stdout format: text or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fmt.Fprintf(stderr, "zbench compare: want BASE and NEW, got %d argument(s)\n", fs.NArg())
		fs.Usage()
		return errUsage
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "zbench compare: -format %q: want text or json\n", *format)
		return errUsage
	}
	opt.Threshold = float64(threshold)
	opt.Sensitivity = float64(sensitivity)
	switch opt.Drift {
	case compare.DriftRound, compare.DriftLocal, compare.DriftOff:
	default:
		fmt.Fprintf(stderr, "zbench compare: -drift %q: want round, local or off\n", opt.Drift)
		return errUsage
	}
	opt.Gate = nil
	for _, u := range strings.Split(*gate, ",") {
		if u = strings.TrimSpace(u); u == "" {
			continue
		}
		if !isStatMetric(u) {
			fmt.Fprintf(stderr, "zbench compare: -metrics: %q is not one of %s\n", u, strings.Join(compare.DefaultGate, ", "))
			return errUsage
		}
		opt.Gate = append(opt.Gate, u)
	}
	if opt.Gate == nil {
		opt.Gate = []string{}
	}

	rep, err := compareRuns(fs.Arg(0), fs.Arg(1), opt)
	if err != nil {
		return &exitError{2, err}
	}
	for _, w := range []struct {
		format string
		path   string
	}{{*format, "-"}, {"json", *jsonOut}} {
		if w.path == "" {
			continue
		}
		if err := writeComparison(rep, w.format, w.path, stdout); err != nil {
			return &exitError{exitCannotRun, err}
		}
	}
	if rep.Regressed() {
		return &exitError{1, fmt.Errorf("%d of %d cells regressed", len(rep.Regressions), len(rep.Cells))}
	}
	return nil
}

func compareRuns(basePath, newPath string, opt compare.Options) (*compare.Report, error) {
	base, err := compare.Load(basePath)
	if err != nil {
		return nil, fmt.Errorf("BASE: %w", err)
	}
	cur, err := compare.Load(newPath)
	if err != nil {
		return nil, fmt.Errorf("NEW: %w", err)
	}
	rep, err := compare.Compare(base, cur, opt)
	var inc *compare.IncompatibleError
	if errors.As(err, &inc) {
		return nil, fmt.Errorf("%w (-allow-env compares them anyway)", err)
	}
	return rep, err
}

// writeComparison writes rep as text or JSON to path, "-" being stdout.
func writeComparison(rep *compare.Report, format, path string, stdout io.Writer) error {
	write := func(w io.Writer) error {
		if format == "json" {
			return compare.WriteJSON(w, rep)
		}
		return compare.WriteText(w, rep)
	}
	if path == "-" {
		return write(stdout)
	}
	if err := atomicfile.Write(path, write); err != nil {
		return fmt.Errorf("writing the comparison: %w", err)
	}
	return nil
}

func isStatMetric(unit string) bool {
	for _, m := range compare.Metrics {
		if m.Unit == unit && !m.Exact {
			return true
		}
	}
	return false
}

// percentFlag is a flag holding a fraction, written as 5% or 0.05.
type percentFlag float64

func (p *percentFlag) String() string {
	return strconv.FormatFloat(float64(*p)*100, 'f', -1, 64) + "%"
}

func (p *percentFlag) Set(s string) error {
	s = strings.TrimSpace(s)
	div := 1.0
	if t, ok := strings.CutSuffix(s, "%"); ok {
		s, div = t, 100
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return errors.New("want a non-negative percentage such as 5% or 0.05")
	}
	*p = percentFlag(v / div)
	return nil
}
