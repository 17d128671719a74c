package history

import (
	"fmt"
	"slices"
	"time"

	"zbench/compare"
	"zbench/results"
)

// A History is the runs of one machine in a store, loaded, oldest first.
// Entries[i] and Runs[i] are the same night.
type History struct {
	Machine string
	Entries []Entry
	Runs    []*compare.Run
}

// Load reads every run of the store measured on machine (an
// Entry.Machine; "" means the newest run's machine). Runs of other
// machines are left out: their numbers do not belong on one chart.
func (s *Store) Load(machine string) (*History, error) {
	if machine == "" && len(s.entries) > 0 {
		machine = s.entries[len(s.entries)-1].Machine
	}
	h := &History{Machine: machine}
	for _, e := range s.entries {
		if e.Machine != machine {
			continue
		}
		run, err := compare.Load(s.Path(e))
		if err != nil {
			return nil, fmt.Errorf("loading history: %w", err)
		}
		h.Entries = append(h.Entries, e)
		h.Runs = append(h.Runs, run)
	}
	return h, nil
}

// A Point is one night of one cell's metric.
type Point struct {
	Run    string    `json:"run"` // Entry.Name
	Time   time.Time `json:"time"`
	Status Status    `json:"status"`
	// Median of the night's samples and its 95% confidence interval (Lo
	// and Hi are infinite, null in JSON, with fewer than 6 samples).
	Median compare.Num `json:"median"`
	Lo     compare.Num `json:"lo"`
	Hi     compare.Num `json:"hi"`
	N      int         `json:"n"`
	// Values are the night's samples, in the order taken.
	Values []float64 `json:"values"`
	// Digest is the layer's blob digest that night (empty when unknown).
	// A series whose digest changes measured other bytes from then on:
	// Steps does not compare across the change.
	Digest string `json:"digest,omitempty"`
}

// A Series is one metric of one cell over the nights that measured it.
type Series struct {
	Cell   results.CellKey `json:"key"`
	Name   string          `json:"cell"` // Cell.String()
	Unit   string          `json:"unit"`
	Better string          `json:"better"` // compare.HigherIsBetter or compare.LowerIsBetter
	Exact  bool            `json:"exact,omitempty"`
	Points []Point         `json:"points"`
}

// Series returns one Series per cell and metric, for the units given (by
// default every unit of compare.Metrics), cells in the order first
// measured, metrics in compare.Metrics order. A failed night has no point.
func (h *History) Series(units ...string) []Series {
	var metrics []compare.Metric
	for _, m := range compare.Metrics {
		if len(units) == 0 || slices.Contains(units, m.Unit) {
			metrics = append(metrics, m)
		}
	}
	var order []results.CellKey
	seen := map[results.CellKey]bool{}
	for _, r := range h.Runs {
		for _, c := range r.Cells {
			if k := c.Key; !seen[k] {
				seen[k] = true
				order = append(order, k)
			}
		}
	}
	var out []Series
	for _, k := range order {
		for _, m := range metrics {
			s := Series{Cell: k, Name: k.String(), Unit: m.Unit, Better: m.Better, Exact: m.Exact}
			for i, r := range h.Runs {
				c := r.Cell(k)
				if c == nil || c.Err != "" || len(c.Values[m.Unit]) == 0 {
					continue
				}
				vals := c.Values[m.Unit]
				sum, _ := compare.Summarize(vals, results.Confidence)
				s.Points = append(s.Points, Point{
					Run: h.Entries[i].Name, Time: h.Entries[i].Start, Status: h.Entries[i].Status,
					Median: sum.Median, Lo: sum.Lo, Hi: sum.Hi, N: sum.N,
					Values: slices.Clone(vals), Digest: c.LayerDigest,
				})
			}
			if len(s.Points) > 0 {
				out = append(out, s)
			}
		}
	}
	return out
}

// index returns the position of the entry called name in h.
func (h *History) index(name string) int {
	for i, e := range h.Entries {
		if e.Name == name {
			return i
		}
	}
	return -1
}

// medians returns the Median of each point.
func medians(ps []Point) []float64 {
	out := make([]float64, len(ps))
	for i, p := range ps {
		out[i] = float64(p.Median)
	}
	return out
}

// pooled returns every sample of the points.
func pooled(ps []Point) []float64 {
	var out []float64
	for _, p := range ps {
		out = append(out, p.Values...)
	}
	return out
}
