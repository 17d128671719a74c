package plots

import (
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// sans is the typeface of every chart: Liberation Sans, which gonum plot
// embeds for PNG output and which is metric-compatible with the Arial and
// Helvetica that the SVG names as fallbacks.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// Colours: the Okabe–Ito palette, which stays distinct for colour-blind
// readers, warm for gzip codecs and cool for zstd.
var (
	gzipColors  = []color.RGBA{rgb(0xE6, 0x9F, 0x00), rgb(0xD5, 0x5E, 0x00), rgb(0xCC, 0x79, 0xA7), rgb(0x8C, 0x56, 0x4B)}
	zstdColors  = []color.RGBA{rgb(0x00, 0x72, 0xB2), rgb(0x00, 0x9E, 0x73), rgb(0x56, 0xB4, 0xE9), rgb(0x17, 0x5E, 0x54)}
	otherColors = []color.RGBA{rgb(0x44, 0x44, 0x44), rgb(0x88, 0x88, 0x88), rgb(0x99, 0x99, 0x33)}
	gridColor   = rgb(0xE4, 0xE4, 0xE4)
	refColor    = rgb(0x55, 0x55, 0x55)
)

func rgb(r, g, b uint8) color.RGBA { return color.RGBA{R: r, G: g, B: b, A: 255} }

// runGlyphs tell runs apart on charts with more than one run.
var runGlyphs = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{}, draw.CrossGlyph{}, draw.RingGlyph{}}

// runDashes tell runs apart on line charts.
var runDashes = [][]vg.Length{nil, {vg.Points(6), vg.Points(3)}, {vg.Points(2), vg.Points(2)}, {vg.Points(8), vg.Points(3), vg.Points(2), vg.Points(3)}}

// A palette gives each series (codec label) and run the same colour and
// glyph on every chart of a report.
type palette struct {
	series map[string]color.Color
	runs   []string
}

func newPalette(series, runs []string) *palette {
	p := &palette{series: map[string]color.Color{}, runs: runs}
	series = slices.Clone(series)
	slices.SortFunc(series, compareSeries)
	var ng, nz, no int
	for _, s := range series {
		if _, ok := p.series[s]; ok {
			continue
		}
		switch formatOfLabel(s) {
		case "gzip":
			p.series[s] = gzipColors[ng%len(gzipColors)]
			ng++
		case "zstd":
			p.series[s] = zstdColors[nz%len(zstdColors)]
			nz++
		default:
			p.series[s] = otherColors[no%len(otherColors)]
			no++
		}
	}
	return p
}

func formatOfLabel(s string) string {
	for i, r := range s {
		if r == '-' || r == ' ' {
			return s[:i]
		}
	}
	return s
}

func (p *palette) color(series string) color.Color {
	if c, ok := p.series[series]; ok {
		return c
	}
	return otherColors[0]
}

func (p *palette) runIndex(run string) int {
	if i := slices.Index(p.runs, run); i >= 0 {
		return i
	}
	return 0
}

func (p *palette) glyph(run string) draw.GlyphDrawer {
	return runGlyphs[p.runIndex(run)%len(runGlyphs)]
}

func (p *palette) dashes(run string) []vg.Length {
	return runDashes[p.runIndex(run)%len(runDashes)]
}

// newPlot returns a plot in the report's style: sans-serif text, the
// legend at the top right.
func newPlot(title, xLabel, yLabel string) *chart {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sans, 12)
	p.Title.Padding = vg.Points(6)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 10)
		a.Tick.Label.Font = font.From(sans, 9)
	}
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Legend.TextStyle.Font = font.From(sans, 9)
	p.Legend.Top = true
	p.Legend.ThumbnailWidth = vg.Points(16)
	return &chart{Plot: p}
}

// addGrid draws light grid lines at the labelled ticks; vertical and
// horizontal say which.
func (c *chart) addGrid(vertical, horizontal bool) {
	g := plotter.NewGrid()
	g.Vertical.Color = nil
	g.Horizontal.Color = nil
	if vertical {
		g.Vertical.Color = gridColor
	}
	if horizontal {
		g.Horizontal.Color = gridColor
	}
	c.Add(g)
}

// textStyle is a sans-serif style of size pt in colour c.
func textStyle(pt float64, c color.Color) text.Style {
	return text.Style{Color: c, Font: font.From(sans, vg.Points(pt)), Handler: plot.DefaultTextHandler}
}

// A chart is a plot being built, with the texts of its legend entries
// (gonum's Legend does not expose them) to size the room for it.
type chart struct {
	*plot.Plot
	legend []string
}

// addLegend adds an entry to the chart's legend.
func (c *chart) addLegend(name string, thumbs ...plot.Thumbnailer) {
	c.Legend.Add(name, thumbs...)
	c.legend = append(c.legend, name)
}

// reserveLegend makes room to the right of the data for the legend, so it
// never hides a point. Call it after the last legend entry is added.
func (c *chart) reserveLegend() {
	w := vg.Length(0)
	for _, e := range c.legend {
		w = max(w, c.Legend.TextStyle.Rectangle(e).Max.X)
	}
	if w == 0 {
		return
	}
	c.Add(rightMargin(w + c.Legend.ThumbnailWidth + vg.Points(14)))
}

// rightMargin is a plotter that draws nothing but asks gonum for w of room
// right of the data area.
type rightMargin vg.Length

func (rightMargin) Plot(draw.Canvas, *plot.Plot) {}

func (m rightMargin) GlyphBoxes(*plot.Plot) []plot.GlyphBox {
	return []plot.GlyphBox{{X: 1, Y: 0.5, Rectangle: vg.Rectangle{Max: vg.Point{X: vg.Length(m), Y: 1}}}}
}

// logTicks labels a log axis at 1, 2 and 5 times powers of ten when it
// spans few decades, at powers of ten when it spans many.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if lo <= 0 || hi <= 0 || lo >= hi || math.IsInf(hi, 0) || math.IsNaN(lo) || math.IsNaN(hi) {
		return nil
	}
	e0 := int(math.Floor(math.Log10(lo)))
	e1 := int(math.Ceil(math.Log10(hi)))
	labelled := map[int]bool{1: true}
	switch decades := math.Log10(hi / lo); {
	case decades <= 1.3:
		labelled = map[int]bool{1: true, 2: true, 3: true, 5: true, 7: true}
	case decades <= 2.6:
		labelled = map[int]bool{1: true, 2: true, 5: true}
	case decades <= 4:
		labelled = map[int]bool{1: true, 3: true}
	}
	var ticks []plot.Tick
	for e := e0; e <= e1; e++ {
		for m := 1; m <= 9; m++ {
			v := float64(m) * math.Pow10(e)
			if v < lo*0.999 || v > hi*1.001 {
				continue
			}
			t := plot.Tick{Value: v}
			if labelled[m] {
				t.Label = formatTick(v)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

func formatTick(v float64) string {
	if v >= 1 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// setLogRange sets a log axis to span lo to hi with some room either side.
func setLogRange(a *plot.Axis, lo, hi float64) {
	if lo <= 0 || math.IsNaN(lo) {
		lo = hi / 10
	}
	if hi <= lo {
		hi = lo * 10
	}
	a.Scale = plot.LogScale{}
	a.Tick.Marker = logTicks{}
	a.Min, a.Max = lo/1.25, hi*1.25
}

// formatNum formats a figure for a chart label or a table: three
// significant digits, with no exponent for ordinary sizes.
func formatNum(v float64) string {
	switch a := math.Abs(v); {
	case v == 0:
		return "0"
	case math.IsInf(v, 0) || math.IsNaN(v):
		return "–"
	case a >= 1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case a >= 0.01:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// niceTicks labels a linear axis at round steps (1, 2 or 5 times a power
// of ten) that give four to eight labels, with one unlabelled tick between
// labels.
type niceTicks struct{}

func (niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return nil
	}
	span := hi - lo
	step := math.Pow10(int(math.Floor(math.Log10(span))))
	for _, m := range []float64{0.1, 0.2, 0.5, 1, 2, 5} {
		if s := step * m; span/s <= 8 {
			step = s
			break
		}
	}
	decimals := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	var ticks []plot.Tick
	start := math.Ceil(lo/step*2) / 2 // half steps, for the minor ticks
	for i := 0; ; i++ {
		v := (start + float64(i)/2) * step
		if v > hi+step*1e-9 {
			break
		}
		t := plot.Tick{Value: v}
		if r := v / step; math.Abs(r-math.Round(r)) < 1e-6 {
			t.Label = strconv.FormatFloat(math.Round(r)*step, 'f', decimals, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}
