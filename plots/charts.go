package plots

import (
	"cmp"
	"errors"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"zbench/results"
)

// ErrNoData means a chart has nothing to draw: the runs hold no successful
// cell of the kind it shows.
var ErrNoData = errors.New("nothing to chart")

// Axis titles. MB is 10^6 bytes, GB 10^9.
const (
	axisEncodeMBps = "encode throughput, MB/s of uncompressed data (log scale)"
	axisDecodeMBps = "decode throughput, MB/s of uncompressed data (log scale)"
	axisRatio      = "ratio (uncompressed ÷ compressed size)"
	axisCPU        = "CPU seconds (user+system) per GB of uncompressed data"
	axisLevel      = "level"
)

// A Style gives every chart of a report the same colour per codec and the
// same glyph and dash per run.
type Style struct {
	pal *palette
	// compact charts leave out the legend: small multiples whose colours
	// a larger chart's legend explains.
	compact bool
}

// Compact returns a copy of s for small charts, without a legend.
func (s *Style) Compact() *Style {
	c := &Style{compact: true}
	if s != nil {
		c.pal = s.pal
	}
	return c
}

func (s *Style) isCompact() bool { return s != nil && s.compact }

// Style returns the style of d's charts.
func (d *Data) Style() *Style {
	var series, runs []string
	for _, r := range d.Runs {
		runs = append(runs, r.Label)
		for _, c := range r.Cells {
			series = append(series, results.CodecLabel(c.Codec, c.API, c.Threads))
		}
	}
	return &Style{pal: newPalette(series, runs)}
}

func (s *Style) palette(series, runs []string) *palette {
	if s != nil && s.pal != nil {
		return s.pal
	}
	return newPalette(series, runs)
}

// uniq returns the distinct values of ss in order.
func uniq(ss []string) []string {
	var out []string
	for _, s := range ss {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// TradeoffChart draws ratio against encode throughput (log scale): one
// marker per codec and level with its 95% interval as a whisker, the level
// beside it, the Pareto front dashed, and the ratio as published as a
// reference line. Colour tells codecs apart, marker shape runs.
func TradeoffChart(td TradeoffData, st *Style) (*plot.Plot, error) {
	if len(td.Points) == 0 {
		return nil, fmt.Errorf("trade-off chart: %w", ErrNoData)
	}
	var series, runs []string
	for _, p := range td.Points {
		series = append(series, p.Series)
		runs = append(runs, p.Run)
	}
	series, runs = uniq(series), uniq(runs)
	pal := st.palette(series, runs)

	title := "Ratio against encode throughput, whole corpus (weighted by bytes)"
	if td.Layer != "" {
		title = "Layer " + td.Layer
	}
	c := newPlot(title, axisEncodeMBps, axisRatio)
	c.addGrid(true, true)

	xlo, xhi := math.Inf(1), math.Inf(-1)
	ylo, yhi := math.Inf(1), math.Inf(-1)
	m := &marks{radius: vg.Points(3.2), labelAbove: true, labelSize: 7.5}
	labelled := map[string]bool{} // series and level: label each once, on the first run that has it
	for _, p := range td.Points {
		k := mark{X: p.MBps.Median, Y: p.Ratio, Color: pal.color(p.Series), Glyph: pal.glyph(p.Run)}
		if id := p.Series + "\x00" + p.Level; !labelled[id] {
			labelled[id] = true
			k.Label = p.Level
		}
		if p.MBps.CI {
			k.XLo, k.XHi = p.MBps.Lo, p.MBps.Hi
		}
		if k.X <= 0 {
			continue
		}
		m.ms = append(m.ms, k)
		xlo, xhi = min(xlo, k.X, nonzero(k.XLo, k.X)), max(xhi, k.X, k.XHi)
		ylo, yhi = min(ylo, k.Y), max(yhi, k.Y)
	}
	if len(m.ms) == 0 {
		return nil, fmt.Errorf("trade-off chart: %w", ErrNoData)
	}
	for _, ref := range td.Published {
		ylo, yhi = min(ylo, ref.Value), max(yhi, ref.Value)
	}
	setLogRange(&c.X, xlo, xhi)
	pad := max((yhi-ylo)*0.08, 0.05)
	c.Y.Min, c.Y.Max = max(0, ylo-pad), yhi+pad*1.5
	c.Y.Tick.Marker = niceTicks{}

	// One line per distinct published ratio: runs of the same layers share it.
	var drawn []float64
	for i, ref := range td.Published {
		if slices.ContainsFunc(drawn, func(v float64) bool { return math.Abs(v-ref.Value) < 5e-4 }) {
			continue
		}
		drawn = append(drawn, ref.Value)
		label := fmt.Sprintf("%s: ratio %s", ref.Label, formatNum(ref.Value))
		if len(runs) > 1 && len(td.Published) > 1 && !allSame(td.Published) {
			label = "run " + ref.Run + ", " + label
		}
		c.Add(refLine{value: ref.Value, label: label, color: refColor, dotted: true, labelLow: i%2 == 1})
	}
	for _, run := range runs {
		var front []TradeoffPoint
		for _, p := range td.Points {
			if p.Run == run && p.Pareto && p.MBps.Median > 0 {
				front = append(front, p)
			}
		}
		slices.SortFunc(front, func(a, b TradeoffPoint) int { return cmpFloat(a.MBps.Median, b.MBps.Median) })
		if len(front) < 2 {
			continue
		}
		l := polyline{style: draw.LineStyle{Color: refColor, Width: vg.Points(0.8), Dashes: []vg.Length{vg.Points(3), vg.Points(2)}}}
		for _, p := range front {
			l.xs, l.ys = append(l.xs, p.MBps.Median), append(l.ys, p.Ratio)
		}
		c.Add(l)
	}
	c.Add(m)

	if !st.isCompact() {
		for _, s := range series {
			c.addLegend(s, glyphThumb{color: pal.color(s), glyph: draw.CircleGlyph{}})
		}
		if len(runs) > 1 {
			for _, r := range runs {
				c.addLegend("run "+r, glyphThumb{color: color.Black, glyph: pal.glyph(r)})
			}
		}
		c.addLegend("Pareto front", lineThumb{draw.LineStyle{Color: refColor, Width: vg.Points(0.8), Dashes: []vg.Length{vg.Points(3), vg.Points(2)}}})
		c.reserveLegend()
	}
	return c.Plot, nil
}

// allSame reports whether every reference line has the same value.
func allSame(refs []RefLine) bool {
	for _, r := range refs {
		if math.Abs(r.Value-refs[0].Value) >= 5e-4 {
			return false
		}
	}
	return true
}

func nonzero(v, fallback float64) float64 {
	if v == 0 {
		return fallback
	}
	return v
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// glyphThumb is a legend entry drawn as one glyph.
type glyphThumb struct {
	color color.Color
	glyph draw.GlyphDrawer
}

func (g glyphThumb) Thumbnail(c *draw.Canvas) {
	c.DrawGlyphNoClip(draw.GlyphStyle{Color: g.color, Radius: vg.Points(3.2), Shape: g.glyph}, c.Center())
}

// lineThumb is a legend entry drawn as a short line.
type lineThumb struct{ style draw.LineStyle }

func (l lineThumb) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(l.style, c.Min.X, y, c.Max.X, y)
}

// A dotRow is one row of a dot chart. Rows of a group are drawn together,
// with a line between groups; without groups, a series is one.
type dotRow struct {
	label, run, series, group string
	st                        Stat
}

// dotChart draws one row per label, a dot per run at the median with its
// 95% interval as a whisker and the median written beside it, and
// vertical reference lines. The first row is at the top.
func dotChart(title, xLabel string, rows []dotRow, refs []RefLine, pal *palette, runs []string, logX bool, unit string) (*plot.Plot, error) {
	var labels []string
	for _, r := range rows {
		labels = append(labels, r.label)
	}
	labels = uniq(labels)
	if len(labels) == 0 {
		return nil, ErrNoData
	}
	n := len(labels)
	c := newPlot(title, xLabel, "")
	c.addGrid(true, false)
	ticks := make([]plot.Tick, n)
	for i, l := range labels {
		ticks[i] = plot.Tick{Value: float64(n - 1 - i), Label: l}
	}
	c.Y.Tick.Marker = plot.ConstantTicks(ticks)
	c.Y.Tick.Length = 0
	c.Y.Width = 0
	// Room above the top row for the reference lines' labels.
	c.Y.Min, c.Y.Max = -0.6, float64(n)-0.4+0.6*float64(min(len(refs), 2))

	// A thin line between rows of different groups, or series (decoders,
	// encoders).
	groupOf := map[string]string{}
	for _, r := range rows {
		groupOf[r.label] = cmp.Or(r.group, r.series)
	}
	for i := 1; i < n; i++ {
		if groupOf[labels[i]] != groupOf[labels[i-1]] {
			c.Add(refLine{value: float64(n-i) - 0.5, color: gridColor, solid: true})
		}
	}
	m := &marks{radius: vg.Points(3), labelSize: 7.5}
	xlo, xhi := math.Inf(1), math.Inf(-1)
	for _, r := range rows {
		if r.st.Median <= 0 && logX {
			continue
		}
		i := slices.Index(labels, r.label)
		y := float64(n - 1 - i)
		if len(runs) > 1 {
			// Spread a row's runs over its height, first run on top.
			y += (float64(len(runs)-1)/2 - float64(pal.runIndex(r.run))) * 0.6 / float64(len(runs))
		}
		k := mark{X: r.st.Median, Y: y, Color: pal.color(r.series), Glyph: pal.glyph(r.run), Label: formatNum(r.st.Median)}
		if r.st.CI {
			k.XLo, k.XHi = r.st.Lo, r.st.Hi
		}
		m.ms = append(m.ms, k)
		xlo, xhi = min(xlo, k.X, nonzero(k.XLo, k.X)), max(xhi, k.X, k.XHi)
	}
	if len(m.ms) == 0 {
		return nil, ErrNoData
	}
	for _, ref := range refs {
		xlo, xhi = min(xlo, ref.Value), max(xhi, ref.Value)
	}
	if logX {
		setLogRange(&c.X, xlo, xhi)
	} else {
		c.X.Min, c.X.Max = 0, xhi*1.08
		c.X.Tick.Marker = niceTicks{}
	}
	for i, ref := range refs {
		label := ref.Label + " " + formatNum(ref.Value) + " " + unit
		if len(runs) > 1 {
			label = ref.Label + ", run " + ref.Run + ": " + formatNum(ref.Value) + " " + unit
		}
		c.Add(refLine{vertical: true, value: ref.Value, label: label, color: refColor, labelLow: i%2 == 1})
	}
	c.Add(m)
	if len(runs) > 1 {
		for _, r := range runs {
			c.addLegend("run "+r, glyphThumb{color: color.Black, glyph: pal.glyph(r)})
		}
		c.reserveLegend()
	}
	return c.Plot, nil
}

// dotChartHeight is the height that gives each of n rows of a dot chart
// room for runs markers.
func dotChartHeight(n, runs int) vg.Length {
	per := 15 + 5*float64(max(runs-1, 0))
	return vg.Points(90 + per*float64(n))
}

// DecodeChart draws the decode throughput of each decoder of one format,
// on the blobs as published and on each encoder's output, corpus-wide,
// with the 95% intervals as whiskers and memcpy of the same bytes as the
// ceiling.
func DecodeChart(dd DecodeData, st *Style) (*plot.Plot, error) {
	var rows []dotRow
	var series, runs []string
	for _, r := range dd.Rows {
		rows = append(rows, dotRow{label: r.Label(), run: r.Run, series: r.Decoder, st: r.MBps})
		series = append(series, r.Decoder)
		runs = append(runs, r.Run)
	}
	runs = uniq(runs)
	p, err := dotChart("Decode throughput, "+dd.Format+", whole corpus (weighted by bytes)", axisDecodeMBps,
		rows, dd.Memcpy, st.palette(uniq(series), runs), runs, true, "MB/s")
	if err != nil {
		return nil, fmt.Errorf("decode chart (%s): %w", dd.Format, err)
	}
	return p, nil
}

// CPUChart draws CPU seconds per GB of uncompressed data for each encode
// setting, or each decode setting, corpus-wide, with 95% intervals.
func CPUChart(cd CPUData, st *Style) (*plot.Plot, error) {
	var rows []dotRow
	var series, runs []string
	for _, r := range cd.Rows {
		rows = append(rows, dotRow{label: r.Label, run: r.Run, series: r.Series, st: r.CPU})
		series = append(series, r.Series)
		runs = append(runs, r.Run)
	}
	runs = uniq(runs)
	lo, hi := math.Inf(1), 0.0
	for _, r := range cd.Rows {
		if r.CPU.Median > 0 {
			lo, hi = min(lo, r.CPU.Median), max(hi, r.CPU.Median)
		}
	}
	logX := hi/lo > 30
	xl := axisCPU
	if logX {
		xl += " (log scale)"
	}
	what := "Encode"
	if cd.Op != results.OpEncode {
		what = "Decode"
	}
	p, err := dotChart(what+" CPU cost, whole corpus (weighted by bytes)", xl, rows, nil,
		st.palette(uniq(series), runs), runs, logX, "")
	if err != nil {
		return nil, fmt.Errorf("CPU chart (%s): %w", cd.Op, err)
	}
	return p, nil
}

// Level chart metrics.
const (
	MetricRatio = "ratio"
	MetricMBps  = "mbps"
)

// LevelChart draws, against level, one line per codec (and run): the ratio
// (metric MetricRatio) or the encode throughput with 95% intervals (metric
// MetricMBps, log scale).
func LevelChart(ld LevelData, metric string, st *Style) (*plot.Plot, error) {
	if len(ld.Points) == 0 {
		return nil, fmt.Errorf("level chart: %w", ErrNoData)
	}
	var series, runs []string
	for _, p := range ld.Points {
		series = append(series, p.Series)
		runs = append(runs, p.Run)
	}
	series, runs = uniq(series), uniq(runs)
	pal := st.palette(series, runs)

	var c *chart
	switch metric {
	case MetricRatio:
		c = newPlot("Ratio against level, whole corpus", axisLevel, axisRatio)
	case MetricMBps:
		c = newPlot("Encode throughput against level, whole corpus", axisLevel, "encode MB/s (log scale)")
	default:
		return nil, fmt.Errorf("level chart: unknown metric %q", metric)
	}
	c.addGrid(true, true)
	m := &marks{radius: vg.Points(2.6)}
	xlo, xhi := math.Inf(1), math.Inf(-1)
	ylo, yhi := math.Inf(1), math.Inf(-1)
	for _, run := range runs {
		for _, s := range series {
			var xs, ys []float64
			for _, p := range ld.Points {
				if p.Run != run || p.Series != s {
					continue
				}
				k := mark{X: p.X, Y: p.Ratio, Color: pal.color(s), Glyph: pal.glyph(run)}
				if metric == MetricMBps {
					k.Y = p.MBps.Median
					if p.MBps.CI {
						k.YLo, k.YHi = p.MBps.Lo, p.MBps.Hi
					}
				}
				if k.Y <= 0 {
					continue
				}
				xs, ys = append(xs, k.X), append(ys, k.Y)
				m.ms = append(m.ms, k)
				xlo, xhi = min(xlo, k.X), max(xhi, k.X)
				ylo, yhi = min(ylo, k.Y, nonzero(k.YLo, k.Y)), max(yhi, k.Y, k.YHi)
			}
			if len(xs) > 1 {
				c.Add(polyline{xs: xs, ys: ys, style: draw.LineStyle{Color: pal.color(s), Width: vg.Points(1.2), Dashes: pal.dashes(run)}})
			}
		}
	}
	if len(m.ms) == 0 {
		return nil, fmt.Errorf("level chart: %w", ErrNoData)
	}
	c.Add(m)
	c.X.Min, c.X.Max = xlo-0.5, xhi+0.5
	c.X.Tick.Marker = intTicks{}
	if metric == MetricMBps {
		setLogRange(&c.Y, ylo, yhi)
	} else {
		pad := max((yhi-ylo)*0.08, 0.05)
		c.Y.Min, c.Y.Max = max(0, ylo-pad), yhi+pad
		c.Y.Tick.Marker = niceTicks{}
	}
	for _, s := range series {
		c.addLegend(s, lineThumb{draw.LineStyle{Color: pal.color(s), Width: vg.Points(1.5)}})
	}
	if len(runs) > 1 {
		for _, r := range runs {
			c.addLegend("run "+r, lineThumb{draw.LineStyle{Color: color.Black, Width: vg.Points(1.2), Dashes: pal.dashes(r)}})
		}
	}
	c.reserveLegend()
	return c.Plot, nil
}

// intTicks labels every integer of a short axis, every other of a longer.
type intTicks struct{}

func (intTicks) Ticks(lo, hi float64) []plot.Tick {
	step := 1
	if hi-lo > 14 {
		step = 2
	}
	var ticks []plot.Tick
	for v := int(math.Ceil(lo)); float64(v) <= hi; v++ {
		t := plot.Tick{Value: float64(v)}
		if v%step == 0 || step == 1 {
			t.Label = strconv.Itoa(v)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// Interop cell colours, with the status also written in each cell.
var interopFill = map[string]color.Color{
	InteropVerified: rgb(0xCF, 0xEB, 0xD6),
	InteropFailed:   rgb(0xF6, 0xC4, 0xC0),
	InteropNotRun:   rgb(0xEE, 0xEE, 0xEE),
	InteropNA:       rgb(0xFF, 0xFF, 0xFF),
}

// InteropText is what an interop cell says: "verified 12", "verified 11,
// 1 not run" (its encoder failed on a layer), "FAILED 2/12", "not run",
// "n/a".
func InteropText(ic InteropCell) string {
	switch ic.Status {
	case InteropVerified:
		if ic.NotRun > 0 {
			return "verified " + strconv.Itoa(ic.Verified) + ", " + strconv.Itoa(ic.NotRun) + " not run"
		}
		return "verified " + strconv.Itoa(ic.Verified)
	case InteropFailed:
		return "FAILED " + strconv.Itoa(ic.Failed) + "/" + strconv.Itoa(ic.Failed+ic.Verified+ic.NotRun)
	}
	return ic.Status
}

// InteropChart draws the interop matrix of one run: encoders (and the
// blobs as published) down, decoders across; each cell says whether every
// output decoded back to the layer's diffID, and over how many cells.
func InteropChart(m InteropData) (*plot.Plot, error) {
	if len(m.Encoders) == 0 || len(m.Decoders) == 0 {
		return nil, fmt.Errorf("interop chart: %w", ErrNoData)
	}
	c := newPlot("Interop: encoder output read by each decoder, run "+m.Run, "decoder", "encoder")
	nr, nc := len(m.Encoders), len(m.Decoders)
	var g cellGrid
	for i := range m.Encoders {
		for j := range m.Decoders {
			ic := m.Cell(i, j)
			fg := color.Color(color.Black)
			if ic.Status == InteropNA || ic.Status == InteropNotRun {
				fg = rgb(0x77, 0x77, 0x77)
			}
			g.cells = append(g.cells, gridCell{x: j, y: nr - 1 - i, fill: interopFill[ic.Status], text: InteropText(ic), color: fg})
		}
	}
	c.Add(g)
	xt := make([]plot.Tick, nc)
	for j, d := range m.Decoders {
		xt[j] = plot.Tick{Value: float64(j), Label: d}
	}
	yt := make([]plot.Tick, nr)
	for i, e := range m.Encoders {
		yt[i] = plot.Tick{Value: float64(nr - 1 - i), Label: e}
	}
	c.X.Tick.Marker, c.Y.Tick.Marker = plot.ConstantTicks(xt), plot.ConstantTicks(yt)
	c.X.Tick.Length, c.Y.Tick.Length = 0, 0
	c.X.Width, c.Y.Width = 0, 0
	c.X.Min, c.X.Max = -0.5, float64(nc)-0.5
	c.Y.Min, c.Y.Max = -0.5, float64(nr)-0.5
	c.X.Label.Padding = vg.Points(8)
	return c.Plot, nil
}

// InteropSize is the size that gives each cell of m room for its text.
func InteropSize(m InteropData) (w, h vg.Length) {
	return vg.Points(150 + 96*float64(len(m.Decoders))), vg.Points(90 + 24*float64(len(m.Encoders)))
}
