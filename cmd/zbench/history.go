package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"zbench/compare"
	"zbench/history"
	"zbench/results"
)

const historyAbout = `Keeps nightly runs in a store (a directory: index.json and runs/<start>/)
and finds the nights on which cells changed.

  add   -store DIR (-compare FILE | -status S) [-note T] RUNDIR
        copy RUNDIR into the store; its status is regressed or good from
        the comparison FILE (zbench compare -json), or S: good, baseline,
        regressed, incomparable
  last  -store DIR RUNDIR
        print the newest good run RUNDIR can be compared with (same machine,
        same corpus); print nothing when there is none
  list  -store DIR
        the runs, oldest first
  mark  -store DIR -status S [-note T] NAME
        change a run's status: marking a regressed run good accepts its
        numbers as the new base
  steps -store DIR [-machine M] [-window N] [-alpha A] [-threshold T] [-json FILE]
        the nights on which cells stepped, with the module and Go versions
        that changed on each (exit 0 either way)
  series -store DIR [-machine M] -json FILE
        every cell's metrics night by night, for charts
  merge -store DIR OTHER
        bring the runs of the store OTHER that DIR lacks into DIR (a copy of
        the store written at the same time: another night, another
        architecture); no night of either is lost, and merging twice adds
        nothing`

func cmdHistory(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fs := newFlagSet("history", "add|last|list|mark|steps|series|merge [flags] ...", historyAbout, stderr)
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		fs.Usage()
		return errUsage
	}
	sub, args := args[0], args[1:]
	fs := newFlagSet("history "+sub, "[flags]", historyAbout, stderr)
	store := fs.String("store", "out/history", "the history `directory`")
	switch sub {
	case "add":
		cmpFile := fs.String("compare", "", "the comparison of RUNDIR with its base, as zbench compare -json wrote it")
		status := fs.String("status", "", "the run's status, when there is no comparison: good, baseline, regressed or incomparable")
		note := fs.String("note", "", "a note kept in the index")
		if err := parseHistoryArgs(fs, args, 1, "RUNDIR", stderr); err != nil {
			return err
		}
		st, err := history.Open(*store)
		if err != nil {
			return err
		}
		opt := history.AddOptions{Note: *note, Status: history.Status(*status)}
		if *cmpFile != "" {
			b, err := os.ReadFile(*cmpFile)
			if err != nil {
				return fmt.Errorf("reading the comparison: %w", err)
			}
			var rep compare.Report
			if err := json.Unmarshal(b, &rep); err != nil {
				return inputErr(fmt.Errorf("reading the comparison %q: %w", *cmpFile, err))
			}
			opt.Compare = &rep
			if opt.Status == "" {
				opt.Status = history.Good
				if rep.Regressed() {
					opt.Status = history.Regressed
				}
			}
		}
		if opt.Status == "" {
			fmt.Fprintln(stderr, "zbench history add: want -compare FILE or -status")
			return errUsage
		}
		e, err := st.Add(fs.Arg(0), opt)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "zbench history: added %s as %s (%s)\n", e.Name, e.Status, st.Path(e))
		return nil

	case "last":
		if err := parseHistoryArgs(fs, args, 1, "RUNDIR", stderr); err != nil {
			return err
		}
		st, err := history.Open(*store)
		if err != nil {
			return err
		}
		like, err := compare.Load(fs.Arg(0))
		if err != nil {
			return err
		}
		e, ok, err := st.LastGood(like)
		if err != nil {
			return err
		}
		if ok {
			fmt.Fprintln(stdout, st.Path(e))
		} else {
			fmt.Fprintf(stderr, "zbench history: no good run in %s to compare %s with (same machine and corpus)\n", *store, fs.Arg(0))
		}
		return nil

	case "list":
		if err := parseHistoryArgs(fs, args, 0, "", stderr); err != nil {
			return err
		}
		st, err := history.Open(*store)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "name\tstatus\tgo\tcells\tbase\tregressions\tmachine")
		for _, e := range st.Entries() {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%d\t%s\n", e.Name, e.Status, e.Go, e.Cells, dashIfEmpty(e.Base), len(e.Regressions), e.Machine)
		}
		return tw.Flush()

	case "mark":
		status := fs.String("status", "", "the new status: good, baseline, regressed or incomparable")
		note := fs.String("note", "", "a note kept in the index")
		if err := parseHistoryArgs(fs, args, 1, "NAME", stderr); err != nil {
			return err
		}
		st, err := history.Open(*store)
		if err != nil {
			return err
		}
		return st.SetStatus(fs.Arg(0), history.Status(*status), *note)

	case "merge":
		if err := parseHistoryArgs(fs, args, 1, "OTHER (a store to merge into -store)", stderr); err != nil {
			return err
		}
		st, err := history.Open(*store)
		if err != nil {
			return err
		}
		other, err := history.Open(fs.Arg(0))
		if err != nil {
			return err
		}
		added, err := st.Merge(other)
		if err != nil {
			return err
		}
		for _, e := range added {
			fmt.Fprintf(stderr, "zbench history: merged %s (%s, %s)\n", e.Name, e.Status, e.Machine)
		}
		fmt.Fprintf(stderr, "zbench history: %d run(s) merged into %s\n", len(added), *store)
		return nil

	case "steps", "series":
		machine := fs.String("machine", "", "the machine whose runs to read, as list shows it (default: the newest run's)")
		jsonOut := fs.String("json", "", "write the result as JSON to `file` ('-' for stdout)")
		opt := history.DefaultStepOptions()
		fs.IntVar(&opt.Window, "window", opt.Window, "nights compared on each side of a step")
		fs.Var((*fractionFlag)(&opt.Alpha), "alpha", "significance level of the Mann-Whitney U test (default "+strconv.FormatFloat(opt.Alpha, 'g', -1, 64)+")")
		threshold := percentFlag(opt.Threshold)
		fs.Var(&threshold, "threshold", "least change of the median that counts, as 5% or 0.05")
		if err := parseHistoryArgs(fs, args, 0, "", stderr); err != nil {
			return err
		}
		opt.Threshold = float64(threshold)
		if err := atLeast("window", opt.Window, 1); err != nil {
			fmt.Fprintf(stderr, "zbench history %s: %v\n", sub, err)
			return errUsage
		}
		st, err := history.Open(*store)
		if err != nil {
			return err
		}
		h, err := st.Load(*machine)
		if err != nil {
			return err
		}
		if sub == "series" {
			if *jsonOut == "" {
				fmt.Fprintln(stderr, "zbench history series: want -json FILE")
				return errUsage
			}
			return writeJSONValue(*jsonOut, h.Series(), stdout)
		}
		steps := h.Steps(opt)
		if *jsonOut != "" {
			if err := writeJSONValue(*jsonOut, steps, stdout); err != nil {
				return err
			}
			if *jsonOut == "-" {
				return nil
			}
		}
		writeSteps(stdout, h, steps)
		return nil
	}
	fmt.Fprintf(stderr, "zbench history: unknown subcommand %q: want add, last, list, mark, steps, series or merge\n", sub)
	return errUsage
}

// parseHistoryArgs parses flags and checks that n arguments (named what) remain.
func parseHistoryArgs(fs *flag.FlagSet, args []string, n int, what string, stderr io.Writer) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != n {
		if n == 0 {
			fmt.Fprintln(stderr, "zbench history: takes no arguments besides flags")
		} else {
			fmt.Fprintf(stderr, "zbench history: want %s\n", what)
		}
		fs.Usage()
		return errUsage
	}
	return nil
}

func writeSteps(w io.Writer, h *history.History, steps []history.Step) {
	fmt.Fprintf(w, "%d run(s) on %s\n", len(h.Entries), h.Machine)
	if len(steps) == 0 {
		fmt.Fprintln(w, "no steps")
		return
	}
	for _, s := range steps {
		fmt.Fprintf(w, "\n%s (night %d of %d): %d change(s)\n", s.Run, s.Index+1, len(h.Entries), len(s.Cells))
		for _, c := range s.Changes {
			fmt.Fprintf(w, "  changed: %s\n", c)
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, c := range s.Cells {
			p, verdict := "", "better"
			if !math.IsNaN(float64(c.P)) {
				p = fmt.Sprintf("p=%.3g", float64(c.P))
			}
			if c.Worse {
				verdict = "WORSE"
			}
			if c.Tentative {
				verdict += " (tentative)"
			}
			values, change := fmt.Sprintf("%.4g → %.4g", c.Before, c.After), fmt.Sprintf("%+.1f%%", float64(c.Delta)*100)
			if c.Unit == results.UnitCompressedB {
				values, change = fmt.Sprintf("%.0f → %.0f", c.Before, c.After), fmt.Sprintf("%+.0f B", c.After-c.Before)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", c.Cell, c.Unit, values, change, p, verdict)
		}
		tw.Flush()
	}
}

// writeJSONValue writes v as indented JSON to path, or to stdout for "-".
func writeJSONValue(path string, v any, stdout io.Writer) error {
	return writeJSONTo(path, stdout, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
