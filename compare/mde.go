package compare

import (
	"math"

	"zbench/results"
)

// mdeMax is the largest worsening, as a factor of cost minus one, that mde
// looks for: a cell 100 times slower.
const mdeMax = 100.0

// mde returns the minimum detectable effect of one metric: the smallest
// worsening, as a delta of the metric (negative for HigherIsBetter), that
// the decision rule (judge) would flag between BASE's samples tb and NEW's
// samples adj, as the test sees them, had adj been moved so that its median
// sits that far from tb's. It keeps both sides' spread and sample counts,
// and so answers "how large a change could this comparison have seen in
// this cell?". A change of exactly the MDE is flagged about half the
// time, as a real run's median falls either side of it; a change of the
// MDE plus twice the medians' own uncertainty nearly always is. NaN when
// no change could be flagged: too few samples for p < Alpha, or a median
// of zero.
//
// The worsening is searched as a factor on the cost (time per pass, CPU,
// bytes): adj's samples are multiplied by 1+e (divided, for a metric
// where higher is better) and e is found by bisection, the rule being
// monotonic in e (the U statistic, the medians' distance and the
// intervals' distance all grow with it).
func mde(m Metric, tb, adj []float64, opt Options) float64 {
	if len(tb) == 0 || len(adj) == 0 {
		return math.NaN()
	}
	mb, mn := results.Median(tb), results.Median(adj)
	if mb == 0 || mn == 0 || math.IsInf(mb, 0) || math.IsInf(mn, 0) || math.IsNaN(mb) || math.IsNaN(mn) {
		return math.NaN()
	}
	centred := make([]float64, len(adj))
	for i, v := range adj {
		centred[i] = v * mb / mn
	}
	moved := make([]float64, len(adj))
	flagged := func(e float64) bool {
		for i, v := range centred {
			if m.Better == HigherIsBetter {
				moved[i] = v / (1 + e)
			} else {
				moved[i] = v * (1 + e)
			}
		}
		p, _ := Test(tb, moved, opt.Alpha)
		j := judge(m, tb, moved, p, opt)
		return j.significant && j.worse && j.beyond
	}
	if !flagged(mdeMax) {
		return math.NaN()
	}
	lo, hi := 0.0, mdeMax
	for hi-lo > 1e-5*(1+lo) {
		mid := (lo + hi) / 2
		if flagged(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	if m.Better == HigherIsBetter {
		return 1/(1+hi) - 1
	}
	return hi
}

// slowdown turns a metric's MDE (a delta of the metric) into the slowdown
// of the cell it stands for: the factor on time per pass, minus one. For
// MB/s a delta of -9.1% is a slowdown of 10%; for cpu-sec/GB the two are
// the same.
func slowdown(m Metric, d float64) float64 {
	if math.IsNaN(d) {
		return d
	}
	if m.Better == HigherIsBetter {
		if d <= -1 {
			return math.Inf(1)
		}
		return 1/(1+d) - 1
	}
	return d
}

// blind reports whether a cell counts among Report.Blind: compared in both
// runs, a codec cell, and unable to show a slowdown of opt.Sensitivity.
func blind(cr CellResult, opt Options) bool {
	if cr.BaseErr != "" || cr.NewErr != "" || cr.Key.Op == results.OpMemcpy {
		return false
	}
	m := float64(cr.MDE)
	return math.IsNaN(m) || m > opt.Sensitivity
}
