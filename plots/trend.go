package plots

import (
	"fmt"
	"html/template"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// A Trend is one metric of one cell across nights, as the trend site
// (package site) draws it: plain values, so that plots reads no history.
type Trend struct {
	Title string
	Unit  string // the y axis
	// Codec colours the line the way the report colours the codec.
	Codec  string
	Points []TrendPoint
	Marks  []TrendMark
	// Small draws a small multiple: fewer ticks, short mark labels.
	Small bool
}

// A TrendPoint is one night of a Trend.
type TrendPoint struct {
	Night  int    // the x position: the night's index among the machine's nights
	Label  string // the x tick label (a date)
	Median float64
	// Lo and Hi bound the 95% interval of the median; NaN or infinite
	// when unknown (fewer than 6 samples), and then no whisker is drawn.
	Lo, Hi float64
	// Bad marks a regressed or incomparable night: drawn as a ring.
	Bad bool
}

// A TrendMark is a vertical line at a night: a step (History.Steps), or a
// night on which versions changed without a step.
type TrendMark struct {
	Night int
	Label string // written at the top of the line (Short on small multiples)
	Short string
	Step  bool
	Worse bool
}

// Colours of trend marks: a step that made the cell worse, one that made
// it better, and a version change.
var (
	TrendWorseColor  = rgb(0xCC, 0x00, 0x00)
	TrendBetterColor = rgb(0x00, 0x7A, 0x33)
	TrendChangeColor = rgb(0x77, 0x77, 0x77)
)

// TrendSize returns the size a trend chart is drawn at.
func TrendSize(small bool) (w, h vg.Length) {
	if small {
		return vg.Points(260), vg.Points(150)
	}
	return vg.Points(720), vg.Points(300)
}

// TrendChart draws a trend: the nightly medians joined by a line, each
// with its 95% interval as a whisker, and a vertical line at each mark
// labelled with what changed. It returns an error wrapping ErrNoData when
// the trend has no point.
func TrendChart(t Trend) (*plot.Plot, error) {
	if len(t.Points) == 0 {
		return nil, fmt.Errorf("trend %s: %w", t.Title, ErrNoData)
	}
	c := newPlot(t.Title, "night", t.Unit)
	if t.Small {
		c.Title.TextStyle.Font.Size = vg.Points(9)
		c.X.Label.Text = ""
		c.Y.Label.TextStyle.Font.Size = vg.Points(8)
		c.X.Tick.Label.Font.Size = vg.Points(7.5)
		c.Y.Tick.Label.Font.Size = vg.Points(7.5)
	}
	c.addGrid(false, true)
	col := newPalette([]string{t.Codec}, nil).color(t.Codec)
	var xs, ys []float64
	ms := &marks{radius: vg.Points(2.5), labelSize: 8}
	if t.Small {
		ms.radius = vg.Points(1.8)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range t.Points {
		xs, ys = append(xs, float64(p.Night)), append(ys, p.Median)
		m := mark{X: float64(p.Night), Y: p.Median, Color: col}
		if finite(p.Lo) && finite(p.Hi) && p.Hi > p.Lo {
			m.YLo, m.YHi = p.Lo, p.Hi
			lo, hi = min(lo, p.Lo), max(hi, p.Hi)
		}
		if p.Bad {
			m.Glyph, m.Color = draw.RingGlyph{}, TrendWorseColor
		}
		lo, hi = min(lo, p.Median), max(hi, p.Median)
		ms.ms = append(ms.ms, m)
	}
	c.Add(polyline{xs: xs, ys: ys, style: draw.LineStyle{Color: col, Width: vg.Points(1)}})
	c.Add(ms)
	// Room above the data for the marks' labels.
	span := hi - lo
	if span <= 0 {
		span = math.Max(math.Abs(hi)*0.1, 1)
	}
	c.Y.Min, c.Y.Max = lo-span*0.1, hi+span*0.1
	if len(t.Marks) > 0 {
		c.Y.Max = hi + span*0.45
	}
	if c.Y.Min < 0 && lo >= 0 {
		c.Y.Min = 0
	}
	c.Y.Tick.Marker = niceTicks{}
	first, last := t.Points[0].Night, t.Points[len(t.Points)-1].Night
	for _, m := range t.Marks {
		first, last = min(first, m.Night), max(last, m.Night)
	}
	c.X.Min, c.X.Max = float64(first)-0.5, float64(last)+0.5
	c.X.Tick.Marker = nightTicks{points: t.Points, max: map[bool]int{true: 4, false: 9}[t.Small]}
	for i, m := range t.Marks {
		label := m.Label
		if t.Small {
			label = m.Short
		}
		l := trendLine{night: float64(m.Night), label: label, color: TrendChangeColor, row: i % 3}
		if m.Step {
			l.color = TrendBetterColor
			if m.Worse {
				l.color = TrendWorseColor
			}
			l.width = 1.6
		}
		c.Add(l)
	}
	return c.Plot, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// nightTicks labels at most max nights of the points, evenly spread.
type nightTicks struct {
	points []TrendPoint
	max    int
}

func (n nightTicks) Ticks(lo, hi float64) []plot.Tick {
	every := max(1, (len(n.points)+n.max-1)/n.max)
	var ticks []plot.Tick
	for i, p := range n.points {
		t := plot.Tick{Value: float64(p.Night)}
		if i%every == 0 {
			t.Label = p.Label
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// trendLine is a vertical line at a night with its label at the top,
// left of the line; row staggers the labels of neighbouring marks.
type trendLine struct {
	night float64
	label string
	color color.Color
	width float64 // points; 1 when 0
	row   int
}

func (l trendLine) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	x := trX(l.night)
	ls := draw.LineStyle{Color: l.color, Width: vg.Points(1)}
	if l.width > 0 {
		ls.Width = vg.Points(l.width)
	} else {
		ls.Dashes = []vg.Length{vg.Points(3), vg.Points(2)}
	}
	c.StrokeLine2(ls, x, c.Min.Y, x, c.Max.Y)
	if l.label == "" {
		return
	}
	sty := textStyle(8, l.color)
	sty.YAlign = draw.YTop
	y := c.Max.Y - vg.Points(2) - vg.Points(10)*vg.Length(l.row)
	// Right of the line when it is in the left half, left of it otherwise.
	if x < (c.Min.X+c.Max.X)/2 {
		sty.XAlign = draw.XLeft
		c.FillText(sty, vg.Point{X: x + vg.Points(3), Y: y}, l.label)
	} else {
		sty.XAlign = draw.XRight
		c.FillText(sty, vg.Point{X: x - vg.Points(3), Y: y}, l.label)
	}
}

// InlineSVG draws p, w by h, as SVG to go inside an HTML page, the way the
// report inlines its charts: sized by CSS, labelled for screen readers,
// refused if anything in it could run script.
func InlineSVG(p *plot.Plot, w, h vg.Length, label string) (template.HTML, error) {
	doc, err := renderSVG(p, w, h)
	if err != nil {
		return "", err
	}
	b, err := inlineSVG(doc, w, h, label)
	if err != nil {
		return "", err
	}
	return template.HTML(b), nil // gonum's SVG, text escaped, checked by inlineSVG
}

// StyleSheet returns the report's stylesheet, for other pages (the trend
// site) to look the same.
func StyleSheet() template.CSS { return template.CSS(reportCSS) }
