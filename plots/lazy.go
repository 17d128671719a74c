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
	blocks := answerBlocks(a, "evidence-"+a.ID)
	caption := "Size overhead of each lazy-pull format against its plain encoder (on the new layer) " +
		"against the share of the new blob a client does not fetch on an update, one point per format and update, labelled old → new"
	if _, cut := lazyNames(d); cut != "" {
		caption += " (the layers' names without " + cut + ")"
	}
	fig, err := b.figure("lazy-overhead-saved", caption+". A point not labelled sits on the one labelled beside it.",
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
	}, Blocks: answerBlocks(a, "evidence-"+a.ID)}
}

func sourceOf(path string) string {
	if path == "" {
		return ""
	}
	return ", read from " + path
}

// answerBlocks lays out an evidence answer: its sentences, the layers it
// holds for, its tables, its notes and, folded, its method.
func answerBlocks(a evidence.Answer, idPrefix string) []Block {
	var bs []Block
	for _, p := range a.Answer {
		bs = append(bs, Block{Text: p})
	}
	if len(a.Layers) > 0 {
		bs = append(bs, Block{Text: fmt.Sprintf("Holds for %d layer(s): %s.", len(a.Layers), strings.Join(a.Layers, ", "))})
	}
	for i, t := range a.Tables {
		bs = append(bs, Block{Table: evidenceTable(fmt.Sprintf("%s-%d", idPrefix, i+1), t)})
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
	short, _ := lazyNames(d)
	for _, u := range d.Updates {
		o, ok := d.Overhead(u.To, u.Format)
		if !ok || u.Blob <= 0 {
			continue
		}
		pts = append(pts, pt{u.Format, short[u.From] + " → " + short[u.To], (o.Ratio() - 1) * 100, u.Saved() * 100})
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
		xlo, xhi = min(xlo, p.x), max(xhi, p.x)
		ylo, yhi = min(ylo, p.y), max(yhi, p.y)
	}
	// An update's points of two formats that coincide (eStargz with and
	// without prioritized files) share one label.
	near := func(a, b pt) bool {
		return a.label == b.label && math.Abs(a.x-b.x) <= 0.03*max(xhi-xlo, 1) && math.Abs(a.y-b.y) <= 0.03*max(yhi-ylo, 1)
	}
	for i, p := range pts {
		k := mark{X: p.x, Y: p.y, Color: colors[p.format], Label: p.label}
		for _, q := range pts[:i] {
			if near(p, q) {
				k.Label = ""
			}
		}
		m.ms = append(m.ms, k)
	}
	xpad := max((xhi-xlo)*0.1, 0.5)
	ypad := max((yhi-ylo)*0.1, 2)
	// Zero is on both axes: no overhead, nothing saved.
	c.X.Min, c.X.Max = 0, xhi+xpad
	if xlo < 0 {
		c.X.Min = xlo - xpad
	}
	c.Y.Min, c.Y.Max = 0, min(100, yhi+ypad*1.5)
	if ylo < 0 {
		c.Y.Min = max(-100, ylo-ypad)
	}
	c.X.Tick.Marker = niceTicks{}
	c.Y.Tick.Marker = niceTicks{}
	c.Add(m)
	for _, f := range formats {
		c.addLegend(f, glyphThumb{color: colors[f], glyph: draw.CircleGlyph{}})
	}
	c.reserveLegend()
	return c.Plot, nil
}

// lazyNames returns the short name of each layer of d: its name without
// the prefix and suffix all the layers' names share (cut at a '-', '_' or
// '.'), so that "alpine-3.18.9-x86_64-minirootfs" is "3.18.9"; and the
// parts cut, for people ("“alpine-” and “-x86_64-minirootfs”"), empty
// when none.
func lazyNames(d *lazydoc.Document) (map[string]string, string) {
	var names []string
	for _, o := range d.Overheads {
		names = uniq(append(names, o.Layer))
	}
	short := map[string]string{}
	for _, n := range names {
		short[n] = n
	}
	if len(names) < 2 {
		return short, ""
	}
	sep := func(b byte) bool { return b == '-' || b == '_' || b == '.' }
	pre := names[0]
	suf := names[0]
	for _, n := range names[1:] {
		i := 0
		for i < len(pre) && i < len(n) && pre[i] == n[i] {
			i++
		}
		pre = pre[:i]
		j := 0
		for j < len(suf) && j < len(n) && suf[len(suf)-1-j] == n[len(n)-1-j] {
			j++
		}
		suf = suf[len(suf)-j:]
	}
	// Cut only whole words: the prefix up to its last separator, the
	// suffix from its first.
	for len(pre) > 0 && !sep(pre[len(pre)-1]) {
		pre = pre[:len(pre)-1]
	}
	for len(suf) > 0 && !sep(suf[0]) {
		suf = suf[1:]
	}
	for _, n := range names {
		if len(pre)+len(suf) >= len(n) {
			return short, "" // some name would be empty
		}
	}
	for _, n := range names {
		short[n] = n[len(pre) : len(n)-len(suf)]
	}
	var cut []string
	for _, c := range []string{pre, suf} {
		if c != "" {
			cut = append(cut, "“"+c+"”")
		}
	}
	return short, strings.Join(cut, " and ")
}
