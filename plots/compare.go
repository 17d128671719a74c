package plots

import (
	"cmp"
	"math"
	"slices"

	"zbench/compare"
	"zbench/results"
)

// A CompareRow is one setting measured by two runs, over the layers both
// measured it on.
type CompareRow struct {
	Setting
	Layers    int     `json:"layers"`
	BaseRatio float64 `json:"base_ratio,omitempty"`
	NewRatio  float64 `json:"new_ratio,omitempty"`
	Base      Stat    `json:"base_mbps"` // corpus-wide over the common layers
	New       Stat    `json:"new_mbps"`
	// DeltaPct is the change of the corpus-wide median throughput, in
	// percent of the base.
	DeltaPct float64 `json:"delta_pct"`
	// MDEPct is the smallest drop of throughput, in percent (negative),
	// that zbench compare could have flagged on every layer of the row (the
	// largest of the layers' MB/s MDEs); NaN, and MDEKnown false, when some
	// layer could not have shown any (too few samples) or the runs do not
	// compare.
	MDEPct   float64 `json:"mde_pct"`
	MDEKnown bool    `json:"mde_known"`
	// Faster and Slower count the layers where the new run's samples are
	// significantly faster or slower (Mann-Whitney U test, p < 0.05, as
	// benchmath.AssumeNothing compares them); Same counts the rest.
	Faster int `json:"faster"`
	Slower int `json:"slower"`
	Same   int `json:"same"`
	// Underpowered is set when the samples are too few for any difference
	// to be significant at p < 0.05.
	Underpowered bool `json:"underpowered,omitempty"`
}

// A Comparison holds the settings two runs have in common.
type Comparison struct {
	Base string       `json:"base"`
	New  string       `json:"new"`
	Rows []CompareRow `json:"rows"`
	// Layers is how many layers both runs measured; OnlyBase and OnlyNew
	// how many only one did.
	Layers   int `json:"layers"`
	OnlyBase int `json:"only_base,omitempty"`
	OnlyNew  int `json:"only_new,omitempty"`
}

// alpha is the level of the report's tests between runs: compare's.
var alpha = compare.DefaultOptions().Alpha

// Compare compares each run after the first with the first.
func (d *Data) Compare() []Comparison {
	if len(d.Runs) < 2 {
		return nil
	}
	base := d.Runs[0]
	var out []Comparison
	for _, nr := range d.Runs[1:] {
		out = append(out, compareRuns(base, nr))
	}
	return out
}

func compareRuns(base, nr *RunData) Comparison {
	cmpn := Comparison{Base: base.Label, New: nr.Label}
	common := map[string]bool{}
	for _, l := range base.Layers {
		if nr.Layer(l.Name) != nil {
			common[l.Name] = true
			cmpn.Layers++
		} else {
			cmpn.OnlyBase++
		}
	}
	cmpn.OnlyNew = len(nr.Layers) - cmpn.Layers

	mdes := mdeByCell(base, nr)
	type pair struct{ b, n []*Cell }
	var order []Setting
	cells := map[Setting]*pair{}
	for _, c := range base.Cells {
		if !common[c.Layer] || c.Failed() {
			continue
		}
		nc := nr.Cell(c.Key())
		if nc == nil || nc.Failed() {
			continue
		}
		s := settingOf(c)
		p := cells[s]
		if p == nil {
			p = &pair{}
			cells[s] = p
			order = append(order, s)
		}
		p.b, p.n = append(p.b, c), append(p.n, nc)
	}
	for _, s := range order {
		p := cells[s]
		ab, an := aggregateCells(s, p.b), aggregateCells(s, p.n)
		row := CompareRow{Setting: s, Layers: len(p.b), BaseRatio: ab.Ratio(), NewRatio: an.Ratio(), Base: ab.MBps, New: an.MBps}
		if ab.MBps.Median > 0 {
			row.DeltaPct = (an.MBps.Median/ab.MBps.Median - 1) * 100
		}
		row.Underpowered = true
		row.MDEKnown = mdes != nil
		for i := range p.b {
			if m, ok := mdes[p.b[i].Key()]; ok && row.MDEKnown {
				row.MDEPct = min(row.MDEPct, m)
			} else {
				row.MDEKnown = false
			}
			pv, warns := compare.Test(p.b[i].mbps, p.n[i].mbps, alpha)
			if len(warns) == 0 {
				row.Underpowered = false
			}
			switch {
			case pv >= alpha:
				row.Same++
			case p.n[i].MBps.Median > p.b[i].MBps.Median:
				row.Faster++
			default:
				row.Slower++
			}
		}
		cmpn.Rows = append(cmpn.Rows, row)
	}
	slices.SortStableFunc(cmpn.Rows, func(a, b CompareRow) int {
		return cmp.Or(cmp.Compare(opRank(a.Op), opRank(b.Op)), compareSettings(a.Setting, b.Setting))
	})
	return cmpn
}

// mdeByCell runs zbench compare's comparison of the two runs and returns,
// per cell, its MB/s minimum detectable effect in percent; nil when the
// runs do not compare (different corpora).
func mdeByCell(base, nr *RunData) map[results.CellKey]float64 {
	opt := compare.DefaultOptions()
	opt.AllowEnv = true // the report shows runs of different machines side by side, and says so
	if base.run == nil || nr.run == nil {
		return nil
	}
	rep, err := compare.Compare(base.run, nr.run, opt)
	if err != nil {
		return nil
	}
	out := map[results.CellKey]float64{}
	for _, c := range rep.Cells {
		for _, mr := range c.Metrics {
			if mr.Unit == "MB/s" && mr.MDE != nil && !math.IsNaN(float64(*mr.MDE)) {
				out[c.Key] = 100 * float64(*mr.MDE)
			}
		}
	}
	return out
}

// opRank orders operations as the report shows them.
func opRank(op string) int {
	switch op {
	case results.OpEncode:
		return 0
	case results.OpDecodeOriginal:
		return 1
	case results.OpDecode:
		return 2
	case results.OpMemcpy:
		return 3
	}
	return 4
}
