package main

import (
	"context"
	"fmt"
	"io"

	"zbench/history"
	"zbench/site"
)

const siteAbout = `Writes the nightly trend site from a history store (zbench history, as
scripts/nightly.sh keeps it): static, self-contained HTML pages in OUT.

  OUT/index.html               every night, newest first: date, architecture
                               and machine, zbench commit, status against the
                               last good night, the versions (Go, modules,
                               libzstd) changed since the machine's night
                               before, the cells that stepped, its report
  OUT/<machine>/index.html     one machine: its steps, and the throughput of
                               every cell night by night, small multiples
                               grouped by codec
  OUT/<machine>/<cell>.html    one cell: a trend chart per metric (median and
                               95% interval a night; steps found as by
                               zbench history steps drawn as solid lines, red
                               when worse, and labelled with the versions
                               that changed that night; version changes
                               without a step as dashed lines), its nights
  OUT/reports/<night>.html     each night's report, copied from the store
                               (RUN/report.html, which nightly.sh writes)

Machines (goos/goarch, CPU, cores) are kept apart: runs are charted only with
runs of the same machine. The pages hold no script and load nothing from
elsewhere: charts are inline SVG. Pages of cells no longer in the store are
left in OUT.

Example:

	zbench site -store out/history -o out/publish/site`

func cmdSite(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("site", "-store DIR -o OUT [flags]", siteAbout, stderr)
	store := fs.String("store", "out/history", "the history store `directory`")
	out := fs.String("o", "", "the `directory` to write the site into (required)")
	var opt site.Options
	fs.StringVar(&opt.Title, "title", "zbench nightly", "the site's `title`")
	opt.Steps = history.DefaultStepOptions()
	fs.IntVar(&opt.Steps.Window, "window", opt.Steps.Window, "nights compared on each side of a step (as zbench history steps)")
	fs.Float64Var(&opt.Steps.Alpha, "alpha", opt.Steps.Alpha, "significance level of a step's Mann-Whitney U test")
	threshold := percentFlag(opt.Steps.Threshold)
	fs.Var(&threshold, "threshold", "least change of the median that counts as a step, as 5% or 0.05")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "zbench site: want -o OUT and no arguments")
		fs.Usage()
		return errUsage
	}
	opt.Steps.Threshold = float64(threshold)
	st, err := history.Open(*store)
	if err != nil {
		return err
	}
	s, err := site.Write(st, *out, opt)
	if err != nil {
		return err
	}
	steps := 0
	for _, m := range s.Machines {
		steps += len(m.Steps)
	}
	fmt.Fprintf(stderr, "zbench site: %d night(s) on %d machine(s), %d step(s), written to %s\n", len(s.Nights), len(s.Machines), steps, *out)
	return nil
}
