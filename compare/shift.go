package compare

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"zbench/results"
)

// MinShiftCells is the least number of cells a machine shift is estimated
// from; with fewer, Compare judges the raw figures.
const MinShiftCells = 8

// ShiftUnits are the metrics that move with the machine's speed: time
// taken, as throughput and as CPU. Bytes allocated (B/op) do not.
var ShiftUnits = []string{"MB/s", results.UnitCPUSecPerGB}

// A Shift is how much faster or slower the machine ran NEW than BASE, seen
// in one metric across every cell both runs measured: the median over
// cells of the ratio of their medians (NEW over BASE).
//
// Two runs of one binary on a shared or virtual machine differ by such a
// factor (other tenants, frequency, the host's load), and every cell moves
// with it. With Options.Normalize, each cell is judged against the shift
// rather than against 1, so that what is reported is the cell moving
// relative to the rest of the run. A change that moves every cell by the
// same factor looks like the machine; when the build changed (Go, libzstd
// or a module version), a shift worse than the threshold counts as a
// regression of the whole run (Shift.Regressed), to be told apart from the
// machine with an interleaved A/B run (scripts/ab.sh).
type Shift struct {
	Unit   string  `json:"unit"`
	Better string  `json:"better"`
	Factor float64 `json:"factor"` // NEW over BASE: 1.05 is 5% more
	// Lo and Hi are the quartiles of the cells' ratios: how uniformly the
	// cells moved.
	Lo    float64 `json:"lo"`
	Hi    float64 `json:"hi"`
	Cells int     `json:"cells"`
	// Applied is set when the cells were judged relative to Factor.
	Applied   bool   `json:"applied"`
	Regressed bool   `json:"regressed"`
	Note      string `json:"note,omitempty"`
}

// Name is the Shift as Report.Regressions names it.
func (s Shift) Name() string { return "whole run (" + s.Unit + ")" }

// Delta is Factor − 1.
func (s Shift) Delta() float64 { return s.Factor - 1 }

// Worse reports whether the shift goes the metric's worse way.
func (s Shift) Worse() bool {
	return s.Better == HigherIsBetter && s.Factor < 1 || s.Better == LowerIsBetter && s.Factor > 1
}

// shifts estimates the machine shift of each metric in ShiftUnits from the
// codec cells common to both runs that succeeded in both.
func shifts(base, new view, common []results.CellKey, opt Options, buildChanged []string) []Shift {
	var out []Shift
	for _, m := range Metrics {
		if !slices.Contains(ShiftUnits, m.Unit) {
			continue
		}
		var ratios []float64
		for _, k := range common {
			b, n := base.run.Cell(k), new.run.Cell(k)
			// memcpy is bound by memory, not by the CPU the codecs use,
			// and moves on its own.
			if k.Op == results.OpMemcpy || b.Err != "" || n.Err != "" {
				continue
			}
			vb, vn := base.values(k, m.Unit), new.values(k, m.Unit)
			if len(vb) == 0 || len(vn) == 0 {
				continue
			}
			mb, mn := results.Median(vb), results.Median(vn)
			if mb <= 0 || mn <= 0 || math.IsInf(mb, 0) || math.IsInf(mn, 0) {
				continue
			}
			ratios = append(ratios, mn/mb)
		}
		if len(ratios) == 0 {
			continue
		}
		slices.Sort(ratios)
		s := Shift{Unit: m.Unit, Better: m.Better, Factor: results.Median(ratios), Cells: len(ratios),
			Lo: quantile(ratios, 0.25), Hi: quantile(ratios, 0.75)}
		switch {
		case !opt.Normalize:
			s.Note = "not applied (-normalize=false): cells are judged on the raw figures"
		case len(ratios) < MinShiftCells:
			s.Note = fmt.Sprintf("not applied: %d cells are too few to tell the machine from the code (need %d)", len(ratios), MinShiftCells)
		default:
			s.Applied = true
		}
		if s.Worse() && math.Abs(s.Delta()) > opt.Threshold && slices.Contains(opt.Gate, m.Unit) {
			if len(buildChanged) > 0 {
				s.Regressed = true
				s.Note = fmt.Sprintf("every cell moved together while %s changed: the code or the machine; "+
					"an interleaved A/B run (scripts/ab.sh) tells which", strings.Join(buildChanged, ", "))
			} else if s.Applied {
				s.Note = "the build is the same: the machine's speed"
			}
		}
		out = append(out, s)
	}
	return out
}

// shiftOf returns the factor cells of unit are judged against: the applied
// shift's, or 1.
func shiftOf(ss []Shift, unit string) float64 {
	for _, s := range ss {
		if s.Unit == unit && s.Applied {
			return s.Factor
		}
	}
	return 1
}

// quantile is the q-quantile of sorted s, interpolated linearly.
func quantile(s []float64, q float64) float64 {
	if len(s) == 1 {
		return s[0]
	}
	pos := q * float64(len(s)-1)
	i := int(pos)
	if i >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[i] + (pos-float64(i))*(s[i+1]-s[i])
}

// buildChanges lists the build keys (Go, libzstd, module versions) that
// differ: a change to the code the codecs run. The zbench commit is left
// out: it changes with every nightly run and touches the harness, not the
// codecs.
func buildChanges(changes []EnvChange) []string {
	var out []string
	for _, c := range changes {
		if c.Key != "zbench-commit" && buildKey(c.Key) {
			out = append(out, c.Key)
		}
	}
	return out
}
