package compare

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"zbench/results"
)

// Ways of taking the machine's drift within a run out of its samples
// (Options.Drift).
const (
	// DriftRound divides each sample by the speed of the machine in its
	// round: the median, over the codec cells of its layer, of their
	// samples in that round relative to their own medians. (zbench run
	// measures a layer in rounds, then the next.)
	DriftRound = "round"
	// DriftLocal divides each sample by the speed of the machine around
	// it: the same median over the DriftWindow codec cells of its layer
	// measured nearest to it in its round (the cell itself left out). It
	// takes out a slow spell of a few seconds that fell on some cells of a
	// round and not on the others, which DriftRound cannot, as long as the
	// spell fell on fewer than half of a cell's rounds (a cell's own median
	// is its reference).
	DriftLocal = "local"
	// DriftOff leaves the samples as measured.
	DriftOff = "off"
)

// DriftWindow is how many neighbouring cells DriftLocal estimates the
// machine's speed from; it is also the least number of cells a round must
// hold for DriftRound to estimate it.
const DriftWindow = MinShiftCells

// A Drift says what was taken out of one run's samples: how many rounds
// it had, how far their speeds were apart, and how.
type Drift struct {
	Side string `json:"side"` // "base" or "new"
	Unit string `json:"unit"`
	Mode string `json:"mode"`
	// Rounds is the number of rounds the samples came from; Derived is set
	// when they were not recorded and were read from the sample index and
	// the run's rounds setting.
	Rounds  int  `json:"rounds"`
	Derived bool `json:"derived,omitempty"`
	// Lo and Hi are the lowest and highest round, as the metric's level in
	// that round relative to the run's (0.95 for MB/s is a round 5% slower;
	// for cpu-sec/GB, 5% faster).
	Lo      float64 `json:"lo"`
	Hi      float64 `json:"hi"`
	Applied bool    `json:"applied"`
	Note    string  `json:"note,omitempty"`
}

// roundsOf returns the round of each of c's n samples: recorded, or
// derived from the sample index when the run recorded none (every sample in
// round 0) and its configuration names rounds > 1: sample i of n is in
// round i·rounds/n, which is where the runner takes it when the sample
// count, not -min-time, decides.
func roundsOf(c *Cell, n int, rounds int, derive bool) []int {
	if !derive {
		var out []int
		for _, r := range c.Records {
			if r.Err == "" {
				out = append(out, r.Round)
			}
		}
		if len(out) == n {
			return out
		}
		return make([]int, n)
	}
	out := make([]int, n)
	for i := range out {
		out[i] = i * rounds / n
	}
	return out
}

// A view is a run's samples as the tests see them: the time metrics with
// the drift within the run taken out, where it was.
type view struct {
	run *Run
	adj map[string]map[results.CellKey][]float64 // by unit, by cell
}

// values returns cell k's samples of unit as the tests see them.
func (v view) values(k results.CellKey, unit string) []float64 {
	if a, ok := v.adj[unit][k]; ok {
		return a
	}
	if c := v.run.Cell(k); c != nil {
		return c.Values[unit]
	}
	return nil
}

// detrend returns r's samples of unit with the machine's drift within the
// run taken out (see DriftRound and DriftLocal), by cell, for the cells it
// adjusted, and what it did. The memcpy row is left out of the estimate
// but divided like any cell.
func detrend(r *Run, unit, mode, side string) (map[results.CellKey][]float64, Drift) {
	d := Drift{Side: side, Unit: unit, Mode: mode}
	recorded := false
	for _, c := range r.Cells {
		if slices.ContainsFunc(c.Records, func(rec results.Record) bool { return rec.Round > 0 }) {
			recorded = true
			break
		}
	}
	derive := false
	configured, _ := strconv.Atoi(r.Config[results.ExtraRounds])
	if !recorded && configured > 1 {
		derive, d.Derived = true, true
	}

	// ratio[k][round] is cell k's median in that round over its median.
	type cellRounds struct {
		rounds []int
		ratio  map[int]float64
	}
	cells := map[results.CellKey]*cellRounds{}
	nRounds := 0
	order := make([]results.CellKey, len(r.Cells))
	for i, c := range r.Cells {
		k := c.Key
		order[i] = k
		v := c.Values[unit]
		if c.Err != "" || len(v) == 0 {
			continue
		}
		rs := roundsOf(c, len(v), configured, derive)
		cr := &cellRounds{rounds: rs, ratio: map[int]float64{}}
		cells[k] = cr
		for _, x := range rs {
			nRounds = max(nRounds, x+1)
		}
		m := results.Median(v)
		if k.Op == results.OpMemcpy || m <= 0 {
			continue
		}
		by := map[int][]float64{}
		for i, x := range rs {
			by[x] = append(by[x], v[i]/m)
		}
		for x, vals := range by {
			cr.ratio[x] = results.Median(vals)
		}
	}
	d.Rounds = nRounds
	if nRounds < 2 {
		d.Note = "one round: nothing to take out"
		return nil, d
	}

	// speed returns the machine's speed in round x of layer (each layer is
	// measured in rounds of its own) for the cell at position pos of
	// order, and whether it could be estimated: over the whole round
	// (DriftRound, or pos < 0), or around pos.
	type roundID struct {
		layer string
		x     int
	}
	whole := map[roundID]float64{} // the whole round's speed, once known; NaN when unknown
	speed := func(layer string, pos, x int) (float64, bool) {
		var vals []float64
		add := func(k results.CellKey) {
			if cr := cells[k]; cr != nil {
				if v, ok := cr.ratio[x]; ok {
					vals = append(vals, v)
				}
			}
		}
		if mode == DriftRound || pos < 0 {
			id := roundID{layer, x}
			if f, ok := whole[id]; ok {
				return f, !math.IsNaN(f)
			}
			for _, k := range order {
				if k.Layer == layer {
					add(k)
				}
			}
			f := math.NaN()
			if len(vals) >= DriftWindow {
				f = results.Median(vals)
			}
			whole[id] = f
			return f, !math.IsNaN(f)
		}
		// The DriftWindow cells of the layer nearest to pos in the run's
		// order (the order they were measured in), alternating after and
		// before, up to the layer's ends.
		after, before := true, true
		for step := 1; len(vals) < DriftWindow && (after || before); step++ {
			if q := pos + step; after && q < len(order) && order[q].Layer == layer {
				add(order[q])
			} else {
				after = false
			}
			if q := pos - step; before && len(vals) < DriftWindow && q >= 0 && order[q].Layer == layer {
				add(order[q])
			} else if len(vals) < DriftWindow {
				before = false
			}
		}
		if len(vals) < DriftWindow {
			return 1, false
		}
		return results.Median(vals), true
	}

	out := map[results.CellKey][]float64{}
	d.Lo, d.Hi = 1, 1
	missing, adjusted := 0, 0
	layers := map[string]bool{}
	for _, k := range order {
		if !layers[k.Layer] {
			layers[k.Layer] = true
			for x := range nRounds {
				if f, ok := speed(k.Layer, -1, x); ok {
					d.Lo, d.Hi = min(d.Lo, f), max(d.Hi, f)
				}
			}
		}
	}
	for pos, k := range order {
		cr := cells[k]
		if cr == nil {
			continue
		}
		v := r.Cell(k).Values[unit]
		adj := make([]float64, len(v))
		ok := true
		for i, x := range cr.rounds {
			var f float64
			if f, ok = speed(k.Layer, pos, x); !ok {
				break
			}
			adj[i] = v[i] / f
		}
		if !ok {
			// Too few cells beside it: the cell is left as measured, all of
			// its samples alike.
			missing++
			continue
		}
		out[k] = adj
		adjusted++
	}
	if adjusted == 0 {
		d.Lo, d.Hi = 1, 1
		d.Note = fmt.Sprintf("not applied: no layer has %d codec cells in a round to estimate the machine's speed from", DriftWindow)
		return nil, d
	}
	if missing > 0 {
		d.Note = fmt.Sprintf("%d cells left as measured: fewer than %d codec cells of their layer in a round to estimate the machine's speed from", missing, DriftWindow)
	}
	d.Applied = true
	return out, d
}
