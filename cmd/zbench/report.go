package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"zbench/evidence"
	"zbench/internal/atomicfile"
	"zbench/plots"
	"zbench/results"
)

const reportAbout = `Reads one or more run directories, as zbench run writes them, and writes one
self-contained HTML file: the charts first (ratio against encode throughput
with the Pareto front, for the whole corpus and per layer; decode throughput
against the memcpy ceiling; CPU seconds per GB; ratio and speed against
level; the interop matrix), then the tables (summary, per layer, failures),
then the method and the environment. Before the tables comes the evidence
for the image-spec discussion (what zbench evidence computes; -evidence=false
leaves it out), at the bandwidths, prices and decoders of -bandwidth,
-vcpu-hour, -egress-gb and -decoders, which it states with their source.
Then, when present, "Measured pulls" (RUNDIR/pulls.json, which
scripts/pull.sh writes with OUT set as OUT/run/pulls.json, or -pulls) and
"Lazy-pull formats" (RUNDIR/lazy.json, from zbench lazy -o
RUNDIR/lazy.json, or -lazy); the first RUNDIR holding the file is used.
With several runs it labels each and compares every run with the first. The
file needs nothing else to open: no script, no font or image from elsewhere.

Each chart is also written as SVG and PNG, and the summary and every cell as
CSV, into the -assets directory: by default next to the HTML file and named
after it (report.html gets report-files/).

Examples:

	zbench report -o out/quick.html out/quick
	zbench report -o cmp.html -labels 'go1.25,go1.26' out/go125 out/go126
	zbench report -o out/lazy.html -lazy out/lazy.json -pulls out/pull/pulls.json out/ref
	zbench report -o out/ref.html -vcpu-hour 0.02 -egress-gb 0.05 -bandwidth 1Gbit,25Gbit out/ref`

func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", "[flags] RUNDIR...", reportAbout, stderr)
	out := fs.String("o", "report.html", "the HTML `file` to write")
	assets := fs.String("assets", "", "`directory` for the SVG, PNG and CSV files (default: FILE without .html, plus -files); \"none\" writes none")
	labels := fs.String("labels", "", "comma-separated `labels`, one per RUNDIR (default: the shortest distinct ends of their paths)")
	title := fs.String("title", plots.DefaultTitle, "the report's `title`")
	withEvidence := fs.Bool("evidence", true, "add the evidence for the image-spec discussion (with RUNDIR/determinism.json when present)")
	var ef evidenceFlags
	registerEvidenceFlags(fs, &ef)
	var xf extraFlags
	registerExtraFlags(fs, &xf)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	params, err := ef.params("report", stderr)
	if err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "zbench report: name at least one run directory")
		fs.Usage()
		return errUsage
	}
	var ls []string
	if strings.TrimSpace(*labels) != "" {
		for _, l := range strings.Split(*labels, ",") {
			ls = append(ls, strings.TrimSpace(l))
		}
		if len(ls) != fs.NArg() {
			fmt.Fprintf(stderr, "zbench report: -labels names %d run(s), but %d run directories are given\n", len(ls), fs.NArg())
			return errUsage
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	dir := *assets
	if dir == "" {
		dir = strings.TrimSuffix(*out, filepath.Ext(*out)) + "-files"
	}
	var rel string
	if dir != "none" {
		r, err := filepath.Rel(filepath.Dir(*out), dir)
		if err != nil {
			r = dir
		}
		rel = filepath.ToSlash(r) + "/"
	}

	// Each run directory is read once, for the charts and the evidence.
	var read []*results.Run
	for _, dir := range fs.Args() {
		r, err := evidence.LoadRun(dir)
		if err != nil {
			return err
		}
		read = append(read, r)
	}
	runs, err := plots.Label(read, ls)
	if err != nil {
		return inputErr(err)
	}
	opts := plots.Options{Title: *title, Files: rel}
	src := evidence.Sources{Lazy: xf.lazy, Pulls: xf.pulls}.Find(read)
	if *withEvidence {
		if opts.Evidence, err = evidence.FromRunsWith(read, src, params); err != nil {
			return inputErr(fmt.Errorf("computing the evidence: %w", err))
		}
		opts.Lazy, opts.Pulls = opts.Evidence.Lazy, opts.Evidence.MeasuredPulls
	} else if opts.Lazy, opts.Pulls, err = src.Read(); err != nil {
		return err
	}
	if opts.Lazy != nil {
		opts.LazySource = src.Lazy
	}
	if opts.Pulls != nil {
		opts.PullsSource = src.Pulls
	}
	rep, err := plots.Build(plots.Summarize(runs), opts)
	if err != nil {
		return err
	}
	if err := writeReport(*out, rep); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d charts)\n", *out, len(rep.Figures()))
	if dir == "none" {
		return nil
	}
	names, err := rep.WriteFiles(dir)
	if err != nil {
		return fmt.Errorf("writing chart and CSV files: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %d files in %s\n", len(names), dir)
	return nil
}

// writeReport writes the HTML atomically, so that a failed write leaves no
// half report.
func writeReport(path string, rep *plots.Report) error {
	if d := filepath.Dir(path); d != "." {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("creating %q: %w", d, err)
		}
	}
	if err := atomicfile.Write(path, rep.WriteHTML); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return nil
}
