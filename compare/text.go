package compare

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText writes r for people: the two runs and what differs between
// them, one table per metric (cell, base median ±CI, new median ±CI,
// delta, p, verdict), size changes, failures, cells in one run only,
// footnotes, and a last line that says whether anything regressed.
func WriteText(w io.Writer, r *Report) error {
	ew := &errWriter{w: w}
	ew.printf("base: %s\n", runLine(r.Base))
	ew.printf("new:  %s\n", runLine(r.New))
	for _, c := range r.Changes {
		ew.printf("changed: %s\n", c)
	}
	for _, c := range r.Other {
		ew.printf("also differs: %s\n", c)
	}
	ew.printf("method: %s\n", r.Method)
	for _, d := range r.Drifts {
		if d.Rounds > 1 {
			ew.printf("drift within %s: %s\n", d.Side, driftLine(d))
		}
	}
	for _, sh := range r.Shifts {
		ew.printf("machine shift: %s\n", shiftLine(sh))
	}

	notes := &footnotes{}
	for _, m := range Metrics {
		if m.Exact {
			continue
		}
		writeStatTable(ew, r, m, notes)
	}
	writeSizeTable(ew, r, notes)

	var failed []CellResult
	for _, c := range r.Cells {
		if c.BaseErr != "" || c.NewErr != "" {
			failed = append(failed, c)
		}
	}
	if len(failed) > 0 {
		ew.printf("\nfailed cells\n")
		for _, c := range failed {
			switch c.Verdict {
			case Failed:
				ew.printf("  %s: FAILED in new: %s\n", c.Cell, c.NewErr)
			case Fixed:
				ew.printf("  %s: fixed (failed in base: %s)\n", c.Cell, c.BaseErr)
			default:
				ew.printf("  %s: failed in both: %s\n", c.Cell, c.NewErr)
			}
		}
	}
	for _, only := range []struct {
		side  string
		cells []string
	}{{"base", r.OnlyBase}, {"new", r.OnlyNew}} {
		if len(only.cells) == 0 {
			continue
		}
		ew.printf("\nonly in %s (%d cells, not compared)\n", only.side, len(only.cells))
		for _, c := range only.cells {
			ew.printf("  %s\n", c)
		}
	}
	if len(notes.list) > 0 {
		ew.printf("\nnotes\n")
		for i, n := range notes.list {
			ew.printf("  [%d] %s\n", i+1, n)
		}
	}
	if len(r.Warnings) > 0 {
		ew.printf("\nwarnings\n")
		for _, w := range r.Warnings {
			ew.printf("  %s\n", w)
		}
	}
	ew.printf("\n%s\n", Verdict(r))
	return ew.err
}

// Verdict sums r up in one line: "REGRESSED: 2 of 48 cells: …" or "no
// regression: 48 cells compared (…)".
func Verdict(r *Report) string {
	count := map[string]int{}
	for _, c := range r.Cells {
		count[c.Verdict]++
	}
	var parts []string
	for _, v := range []string{Failed, Regressed, Changed, Worse, Better, Fixed, BothFail} {
		if count[v] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", count[v], strings.ToLower(v)))
		}
	}
	detail := ""
	if len(parts) > 0 {
		detail = " (" + strings.Join(parts, ", ") + ")"
	}
	if r.Regressed() {
		return fmt.Sprintf("REGRESSED: %d of %d cells%s: %s; %s", len(r.Regressions), len(r.Cells), detail, strings.Join(r.Regressions, ", "), blindText(r))
	}
	return fmt.Sprintf("no regression: %d cells compared%s; %s", len(r.Cells), detail, blindText(r))
}

// blindText says how many cells could not have shown a slowdown of the
// report's sensitivity: "3 cells could not have shown a 10% slowdown (MDE
// above 10%)".
func blindText(r *Report) string {
	sens := r.Options.Sensitivity
	if sens <= 0 {
		sens = DefaultOptions().Sensitivity
	}
	n := len(r.Blind)
	cells := "cells"
	if n == 1 {
		cells = "cell"
	}
	return fmt.Sprintf("%d %s could not have shown a %s slowdown (MDE above it)", n, cells, pct(sens))
}

// mdeText formats a metric's MDE: "-4.8%", "none" when no change could
// have been flagged, "" when it was not computed (not gated, memcpy).
func mdeText(m *Num) string {
	switch {
	case m == nil:
		return ""
	case math.IsNaN(float64(*m)):
		return "none"
	}
	return signedPct(float64(*m))
}

// driftLine describes the drift taken out of one run: "MB/s, 5 round(s)
// from -3.1% to +2.0% of the run's level; each round's divided out".
func driftLine(d Drift) string {
	line := fmt.Sprintf("%s, %d round(s)", d.Unit, d.Rounds)
	if d.Derived {
		line += " (not recorded: read from the sample index)"
	}
	if d.Applied {
		how := "each round's"
		if d.Mode == DriftLocal {
			how = fmt.Sprintf("the speed of the %d cells measured nearest to each sample in its round", DriftWindow)
		}
		line += fmt.Sprintf(" from %s to %s of the run's level; %s divided out", signedPct(d.Lo-1), signedPct(d.Hi-1), how)
	}
	if d.Note != "" {
		line += "; " + d.Note
	}
	return line
}

func runLine(ri RunInfo) string {
	var parts []string
	if !ri.Start.IsZero() {
		parts = append(parts, ri.Start.UTC().Format(time.DateTime+" UTC"))
	}
	if ri.Go != "" {
		parts = append(parts, ri.Go)
	}
	if ri.Commit != "" {
		c := ri.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		parts = append(parts, "zbench "+c)
	}
	parts = append(parts, fmt.Sprintf("%d cells", ri.Cells))
	return fmt.Sprintf("%s (%s)", ri.Path, strings.Join(parts, ", "))
}

func writeStatTable(ew *errWriter, r *Report, m Metric, notes *footnotes) {
	var tw *tabwriter.Writer
	for _, c := range r.Cells {
		for _, mr := range c.Metrics {
			if mr.Unit != m.Unit {
				continue
			}
			if tw == nil {
				ew.printf("\n%s (%s is better)\n", m.Unit, m.Better)
				tw = tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
				if mr.Shift != 0 {
					fmt.Fprintf(tw, "cell\tbase\tnew\traw delta\tdelta vs run\tmde\tp\tverdict\n")
				} else {
					fmt.Fprintf(tw, "cell\tbase\tnew\tdelta\tmde\tp\tverdict\n")
				}
			}
			verdict := mr.Verdict
			if mr.Note != "" {
				verdict += fmt.Sprintf(" [%d]", notes.add(mr.Note))
			}
			for _, w := range mr.Warnings {
				verdict += fmt.Sprintf(" [%d]", notes.add(w))
			}
			deltas := signedPct(float64(mr.Delta))
			if mr.Shift != 0 {
				deltas = signedPct(float64(mr.RawDelta)) + "\t" + deltas
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Cell, withCI(mr.Base, m.Unit), withCI(mr.New, m.Unit),
				deltas, mdeText(mr.MDE), strconv.FormatFloat(float64(mr.P), 'f', 3, 64), verdict)
		}
	}
	if tw != nil {
		tw.Flush()
	}
}

func writeSizeTable(ew *errWriter, r *Report, notes *footnotes) {
	same, changed := 0, []CellResult{}
	for _, c := range r.Cells {
		for _, mr := range c.Metrics {
			if mr.Unit != "compressed-B" {
				continue
			}
			if mr.Verdict == Same {
				same++
			} else {
				changed = append(changed, c)
			}
		}
	}
	if same == 0 && len(changed) == 0 {
		return
	}
	ew.printf("\ncompressed-B (exact): %d cells the same, %d changed\n", same, len(changed))
	if len(changed) == 0 {
		return
	}
	tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "cell\tbase\tnew\tdelta\tratio\tverdict\n")
	for _, c := range changed {
		var size, ratio MetricResult
		for _, mr := range c.Metrics {
			switch mr.Unit {
			case "compressed-B":
				size = mr
			case "ratio":
				ratio = mr
			}
		}
		verdict := size.Verdict
		if size.Regressed {
			verdict = Regressed
		}
		if size.Note != "" {
			verdict += fmt.Sprintf(" [%d]", notes.add(size.Note))
		}
		for _, w := range size.Warnings {
			verdict += fmt.Sprintf(" [%d]", notes.add(w))
		}
		ratios := ""
		if ratio.Unit != "" {
			ratios = fmt.Sprintf("%s → %s", scale(float64(ratio.Base.Median), "ratio"), scale(float64(ratio.New.Median), "ratio"))
		}
		diff := fmt.Sprintf("%+.0f B (%s)", float64(size.New.Median-size.Base.Median), signedPct(float64(size.Delta)))
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.Cell, scale(float64(size.Base.Median), size.Unit),
			scale(float64(size.New.Median), size.Unit), diff, ratios, verdict)
	}
	tw.Flush()
}

// withCI formats a median and its interval as benchstat does: "41.23 ±2%".
func withCI(s Summary, unit string) string {
	m, lo, hi := float64(s.Median), float64(s.Lo), float64(s.Hi)
	ci := "∞"
	switch {
	case math.IsInf(lo, 0) || math.IsInf(hi, 0) || math.IsNaN(lo) || math.IsNaN(hi):
	case m == 0:
		ci = "0%"
	default:
		ci = fmt.Sprintf("%.0f%%", 100*math.Max(hi/m-1, 1-lo/m))
	}
	return fmt.Sprintf("%s ±%s", scale(m, unit), ci)
}

// shiftLine describes a machine shift: "MB/s +3.1% (middle half of 56
// cells +1.2% to +5.0%); judged relative to it".
func shiftLine(s Shift) string {
	line := fmt.Sprintf("%s %s in NEW (middle half of %d cells %s to %s)", s.Unit, signedPct(s.Delta()), s.Cells,
		signedPct(s.Lo-1), signedPct(s.Hi-1))
	switch {
	case s.Regressed:
		line += "; REGRESSED: " + s.Note
	case s.Applied:
		line += "; cells are judged relative to it"
		if s.Note != "" {
			line += "; " + s.Note
		}
	default:
		line += "; " + s.Note
	}
	return line
}

func signedPct(d float64) string {
	switch {
	case math.IsNaN(d):
		return "?"
	case math.IsInf(d, 1):
		return "+∞"
	case math.IsInf(d, -1):
		return "-∞"
	case d == 0:
		return "0%"
	case math.Abs(d) < 0.001:
		return fmt.Sprintf("%+.2g%%", d*100)
	}
	return fmt.Sprintf("%+.1f%%", d*100)
}

// footnotes numbers distinct notes in the order first seen.
type footnotes struct{ list []string }

func (f *footnotes) add(s string) int {
	for i, n := range f.list {
		if n == s {
			return i + 1
		}
	}
	f.list = append(f.list, s)
	return len(f.list)
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }

// WriteJSON writes r as indented JSON: the same content as WriteText, with
// every sample value, exact intervals (null when infinite) and p-values.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("writing comparison as JSON: %w", err)
	}
	return nil
}
