package plots

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"zbench/evidence"
	"zbench/lazy/lazydoc"
	"zbench/results"
)

// Section IDs of the lazy-pull formats and of the measured pulls, which
// Build puts before SectionSummary when Options.Lazy and Options.Pulls are
// set.
const (
	SectionLazy  = "lazy-pull"
	SectionPulls = "measured-pulls"
)

// lazySection makes the section "Lazy-pull formats" of a zbench lazy
// analysis: the answer, a chart of size overhead against bytes saved per
// update, the tables, the layers, the method and the libraries.
func (b *builder) lazySection(d *lazydoc.Document, source string) (*Section, error) {
	a := evidence.LazyAnswer(d)
	s := &Section{ID: SectionLazy, Title: "Lazy-pull formats", Intro: []string{
		"eStargz (gzip) and zstd:chunked (zstd) against plain gzip and zstd at the same level: what they add to each layer, and what " +
			"a client that pulls lazily fetches to update from one version of a layer to the next and to read some files first. " +
			"Computed exactly from the formats' tables of contents by zbench lazy" + sourceOf(source) + ", not timed.",
	}}
	blocks := answerBlocks(a, "evidence-"+a.ID, false)
	fig, err := b.figure("lazy-overhead-saved", "Size overhead of each lazy-pull format against its plain encoder (on the new layer) "+
		"against the share of the new blob a client does not fetch on an update, one point per format and update.",
		5.2*vg.Inch, 3.6*vg.Inch, func() (*Figure, error) {
			p, err := LazyChart(d)
			if err != nil {
				return nil, err
			}
			return &Figure{Plot: p}, nil
		})
	if err != nil {
		return nil, err
	}
	// The chart after the answer, before the tables.
	at := len(a.Answer)
	if len(a.Layers) > 0 {
		at++
	}
	blocks = append(blocks[:at], append([]Block{fig}, blocks[at:]...)...)
	s.Blocks = blocks
	return s, nil
}

// pullsSection makes the section "Measured pulls" of scripts/pull.sh's
// pulls: measured against modelled, per client, with a note when a pull
// misses by more than evidence.MissLimit.
func (b *builder) pullsSection(p *results.Pulls, source string) *Section {
	a := evidence.PullsAnswer(p)
	return &Section{ID: SectionPulls, Title: "Measured pulls", Intro: []string{
		"An image pulled through real clients behind a bandwidth-limiting proxy (scripts/pull.sh" + sourceOf(source) + "), " +
			"the median wall time set against zbench's pull-time model for the same client, layers and rate.",
	}, Blocks: answerBlocks(a, "evidence-"+a.ID, false)}
}

func sourceOf(path string) string {
	if path == "" {
		return ""
	}
	return ", read from " + path
}

// answerBlocks lays out an evidence answer: its sentences, the layers it
// holds for, its tables (after the first folded when fold is set), its
// notes and, folded, its method.
func answerBlocks(a evidence.Answer, idPrefix string, fold bool) []Block {
	var bs []Block
	for _, p := range a.Answer {
		bs = append(bs, Block{Text: p})
	}
	if len(a.Layers) > 0 {
		bs = append(bs, Block{Text: fmt.Sprintf("Holds for %d layer(s): %s.", len(a.Layers), strings.Join(a.Layers, ", "))})
	}
	for i, t := range a.Tables {
		blk := Block{Table: evidenceTable(fmt.Sprintf("%s-%d", idPrefix, i+1), t)}
		if fold && i > 0 {
			blk.Fold = t.Caption
		}
		bs = append(bs, blk)
	}
	for _, n := range a.Notes {
		bs = append(bs, Block{Text: "Note: " + n})
	}
	return append(bs, Block{Fold: "Method", Text: a.Method})
}

// LazyChart draws, for every update of a lazy-pull analysis, the format's
// size overhead against its plain encoder on the new layer (x) against the
// share of the new blob the update does not fetch (y): one point per
// format and update, labelled with the update, coloured by format.
func LazyChart(d *lazydoc.Document) (*plot.Plot, error) {
	type pt struct {
		format, label string
		x, y          float64
	}
	var pts []pt
	var formats []string
	for _, u := range d.Updates {
		o, ok := d.Overhead(u.To, u.Format)
		if !ok || u.Blob <= 0 {
			continue
		}
		pts = append(pts, pt{u.Format, u.From + " → " + u.To, (o.Ratio() - 1) * 100, u.Saved() * 100})
		formats = uniq(append(formats, u.Format))
	}
	if len(pts) == 0 {
		return nil, fmt.Errorf("lazy-pull chart: %w", ErrNoData)
	}
	colors := map[string]color.Color{}
	var ng, nz, no int
	for _, f := range formats {
		switch {
		case strings.HasPrefix(f, "estargz"):
			colors[f] = gzipColors[ng%len(gzipColors)]
			ng++
		case strings.HasPrefix(f, "zstd"):
			colors[f] = zstdColors[nz%len(zstdColors)]
			nz++
		default:
			colors[f] = otherColors[no%len(otherColors)]
			no++
		}
	}
	c := newPlot("Size overhead against bytes saved per update", "size over the plain encoder (%)", "new blob not fetched on update (%)")
	c.addGrid(true, true)
	m := &marks{radius: vg.Points(3.2), labelAbove: true, labelSize: 7.5}
	xlo, xhi, ylo, yhi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		m.ms = append(m.ms, mark{X: p.x, Y: p.y, Color: colors[p.format], Label: p.label})
		xlo, xhi = min(xlo, p.x), max(xhi, p.x)
		ylo, yhi = min(ylo, p.y), max(yhi, p.y)
	}
	xpad := max((xhi-xlo)*0.1, 0.5)
	ypad := max((yhi-ylo)*0.1, 2)
	c.X.Min, c.X.Max = min(0, xlo-xpad), xhi+xpad
	c.Y.Min, c.Y.Max = max(-100, min(0, ylo-ypad)), min(100, yhi+ypad*1.5)
	c.X.Tick.Marker = niceTicks{}
	c.Y.Tick.Marker = niceTicks{}
	c.Add(m)
	for _, f := range formats {
		c.addLegend(f, glyphThumb{color: colors[f], glyph: draw.CircleGlyph{}})
	}
	c.reserveLegend()
	return c.Plot, nil
}
