package history

import (
	"maps"
	"math"
	"slices"
	"time"

	"zbench/compare"
	"zbench/results"
)

// StepOptions say what counts as a step.
type StepOptions struct {
	// Window is how many nights on each side of a candidate night are
	// compared (default 5).
	Window int
	// Alpha is the significance level of the Mann-Whitney U test (default
	// 0.05); Threshold the least relative change of the medians (0.05 is
	// 5%).
	Alpha     float64
	Threshold float64
	// Units are the metrics looked at; nil means compare.DefaultGate and
	// compressed-B.
	Units []string
}

// DefaultStepOptions: windows of 5 nights, alpha 0.05, threshold 5%.
func DefaultStepOptions() StepOptions {
	return StepOptions{Window: 5, Alpha: 0.05, Threshold: 0.05}
}

// A Step is a night on which some cells changed, and what changed in the
// build that night.
type Step struct {
	Index int       `json:"index"` // in History.Entries
	Run   string    `json:"run"`   // Entry.Name
	Time  time.Time `json:"time"`
	// Changes are the configuration differences from the night before:
	// Go, module versions, zbench commit, libzstd first, then the rest
	// (kernel, count, …).
	Changes []compare.EnvChange `json:"changes,omitempty"`
	Cells   []CellStep          `json:"cells"`
}

// A CellStep is one cell's metric stepping on a night.
type CellStep struct {
	Cell   string          `json:"cell"`
	Key    results.CellKey `json:"key"`
	Unit   string          `json:"unit"`
	Better string          `json:"better"`
	// Before and After are the medians of the nightly medians in the
	// windows before the night and from it on (for exact metrics, the
	// values of the night before and of the night).
	Before float64     `json:"before"`
	After  float64     `json:"after"`
	Delta  compare.Num `json:"delta"` // After/Before − 1
	// P is the Mann-Whitney U p-value; null for exact metrics.
	P                         compare.Num `json:"p"`
	NightsBefore, NightsAfter int
	// Tentative is set when too few nights follow the step for a test
	// across nights: P then compares the pooled samples of the nights,
	// which ignores night-to-night noise. Later nights confirm or drop it.
	Tentative bool `json:"tentative,omitempty"`
	Worse     bool `json:"worse"`
}

// Steps finds the nights on which some cells' metrics changed and stayed
// changed. For each series (one cell's metric over the nights) and each
// night k:
//
//  1. The windows are the Window nights before k and the Window nights
//     from k on, cut where the layer's digest changes (the corpus
//     changed: those nights measured other bytes).
//  2. Statistical metrics: Before and After are the medians of the
//     nights' medians in each window; the change must exceed Threshold.
//     At least three nights (or Window) must come before k: with fewer,
//     a night's usual spread is unknown. The test is the Mann-Whitney U
//     test on the nights' medians, one value a night, so that
//     night-to-night noise counts. When the windows hold too few nights
//     for that test to ever reach Alpha (fewer than three after a step at
//     the end of the history, say), the step is Tentative: every night
//     from k on must lie beyond every night before it, and the test is on
//     the nights' samples pooled.
//  3. Neighbouring nights flagged for the same series in the same
//     direction are one step: the night with the smallest p (then the
//     largest change) is kept. Two steps of one series in the same
//     direction fewer than Window nights apart may so be reported as one.
//  4. Exact metrics (compressed-B) step on every night whose value
//     differs from the night before.
//
// A step can only be told from noise when the nights of an unchanged cell
// vary well below Threshold. In synthetic histories of 15 nights (10
// samples a night, ±2% noise within a night) with a night-wide offset
// drawn uniformly from ±2%, ±3% and ±4%, 0, 1 and 7 histories of 20 showed
// a false step at the default 5% threshold: on a runner whose nights vary
// more, raise Threshold.
//
// Steps are returned oldest first, each with the configuration changes
// of its night, so that a step can be put down to a new module version or
// Go release.
func (h *History) Steps(opt StepOptions) []Step {
	if opt.Window <= 0 {
		opt.Window = 5
	}
	if opt.Alpha <= 0 {
		opt.Alpha = 0.05
	}
	units := opt.Units
	if units == nil {
		units = append(slices.Clone(compare.DefaultGate), results.UnitCompressedB)
	}
	byNight := map[int][]CellStep{}
	for _, s := range h.Series(units...) {
		for _, cs := range seriesSteps(s, opt) {
			k := h.index(cs.run)
			byNight[k] = append(byNight[k], cs.CellStep)
		}
	}
	steps := []Step{}
	for _, k := range slices.Sorted(maps.Keys(byNight)) {
		st := Step{Index: k, Run: h.Entries[k].Name, Time: h.Entries[k].Start, Cells: byNight[k]}
		if k > 0 {
			st.Changes = compare.EnvChanges(h.Runs[k-1].Config, h.Runs[k].Config)
		}
		steps = append(steps, st)
	}
	return steps
}

type candidate struct {
	CellStep
	run string
	at  int // point index
}

func seriesSteps(s Series, opt StepOptions) []candidate {
	pts := s.Points
	var cands []candidate
	for k := 1; k < len(pts); k++ {
		if pts[k].Digest != pts[k-1].Digest {
			continue
		}
		lo := k
		for lo > 0 && k-lo < opt.Window && pts[lo-1].Digest == pts[k].Digest {
			lo--
		}
		hi := k
		for hi < len(pts) && hi-k < opt.Window && pts[hi].Digest == pts[k].Digest {
			hi++
		}
		before, after := pts[lo:k], pts[k:hi]
		cs := CellStep{Cell: s.Name, Key: s.Cell, Unit: s.Unit, Better: s.Better,
			NightsBefore: len(before), NightsAfter: len(after)}
		if s.Exact {
			cs.Before, cs.After = float64(pts[k-1].Median), float64(pts[k].Median)
			if cs.Before == cs.After {
				continue
			}
			cs.P = compare.Num(math.NaN())
			cs.NightsBefore, cs.NightsAfter = 1, 1
		} else {
			mb, ma := medians(before), medians(after)
			cs.Before, cs.After = results.Median(mb), results.Median(ma)
			d := cs.After/cs.Before - 1
			if !(math.Abs(d) > opt.Threshold) {
				continue
			}
			if len(before) < min(minBefore, opt.Window) {
				continue // too little history to tell a step from noise
			}
			var p float64
			if minP(len(mb), len(ma)) < opt.Alpha {
				p, _ = compare.Test(mb, ma, opt.Alpha)
			} else {
				// Too few nights after for a test across nights: every
				// night after must lie beyond every night before, and the
				// pooled samples must differ.
				if !beyond(ma, mb, d > 0) {
					continue
				}
				cs.Tentative = true
				p, _ = compare.Test(pooled(before), pooled(after), opt.Alpha)
			}
			if !(p < opt.Alpha) {
				continue
			}
			cs.P = compare.Num(p)
		}
		d := cs.After/cs.Before - 1
		cs.Delta = compare.Num(d)
		cs.Worse = s.Better == compare.HigherIsBetter && d < 0 || s.Better == compare.LowerIsBetter && d > 0
		cands = append(cands, candidate{CellStep: cs, run: pts[k].Run, at: k})
	}
	if s.Exact {
		return cands
	}
	// Keep one night of each run of neighbouring candidates in one
	// direction.
	var out []candidate
	for i := 0; i < len(cands); {
		best, j := i, i+1
		for j < len(cands) && cands[j].at == cands[j-1].at+1 && cands[j].Worse == cands[i].Worse {
			if better(cands[j], cands[best]) {
				best = j
			}
			j++
		}
		out = append(out, cands[best])
		i = j
	}
	return out
}

// minBefore is the least number of nights before a step (or Window, if
// smaller): with fewer, a night's usual spread is unknown.
const minBefore = 3

// beyond reports whether every value of after is above (up) or below
// every value of before.
func beyond(after, before []float64, up bool) bool {
	if up {
		return slices.Min(after) > slices.Max(before)
	}
	return slices.Max(after) < slices.Min(before)
}

// better reports whether candidate a is more likely the night of the step
// than b: a smaller p, then a larger change, then a test across nights
// rather than a tentative one.
func better(a, b candidate) bool {
	if a.Tentative != b.Tentative {
		return !a.Tentative
	}
	if a.P != b.P {
		return a.P < b.P
	}
	return math.Abs(float64(a.Delta)) > math.Abs(float64(b.Delta))
}

// minP is the smallest two-sided p-value the Mann-Whitney U test can give
// for samples of n1 and n2 distinct values: 2 / C(n1+n2, n1).
func minP(n1, n2 int) float64 {
	if n1 == 0 || n2 == 0 {
		return 1
	}
	c := 1.0
	for i := 1; i <= n1; i++ {
		c = c * float64(n2+i) / float64(i)
	}
	return math.Min(1, 2/c)
}
