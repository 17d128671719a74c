package plots

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// A mark is one point of a chart, with optional whiskers (its 95%
// interval) and a label.
type mark struct {
	X, Y     float64
	XLo, XHi float64 // horizontal whisker; none when both are 0
	YLo, YHi float64 // vertical whisker; none when both are 0
	Color    color.Color
	Glyph    draw.GlyphDrawer
	Label    string
}

// marks draws points with whiskers and labels. It implements
// plot.Plotter, plot.DataRanger and plot.GlyphBoxer.
type marks struct {
	ms     []mark
	radius vg.Length
	// labelAbove puts labels above and right of the point; otherwise they
	// go right of the point or of its whisker, vertically centred.
	labelAbove bool
	labelSize  float64
}

func (m *marks) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	capLen := m.radius * 1.2
	var placed []vg.Rectangle // labels drawn so far, to keep the next ones off them
	for _, k := range m.ms {
		x, y := trX(k.X), trY(k.Y)
		ls := draw.LineStyle{Color: k.Color, Width: vg.Points(1)}
		right := x + m.radius
		if k.XLo != 0 || k.XHi != 0 {
			lo, hi := trX(k.XLo), trX(k.XHi)
			c.StrokeLine2(ls, lo, y, hi, y)
			c.StrokeLine2(ls, lo, y-capLen, lo, y+capLen)
			c.StrokeLine2(ls, hi, y-capLen, hi, y+capLen)
			right = max(right, hi)
		}
		if k.YLo != 0 || k.YHi != 0 {
			lo, hi := trY(k.YLo), trY(k.YHi)
			c.StrokeLine2(ls, x, lo, x, hi)
			c.StrokeLine2(ls, x-capLen, lo, x+capLen, lo)
			c.StrokeLine2(ls, x-capLen, hi, x+capLen, hi)
		}
		g := k.Glyph
		if g == nil {
			g = draw.CircleGlyph{}
		}
		c.DrawGlyphNoClip(draw.GlyphStyle{Color: k.Color, Radius: m.radius, Shape: g}, vg.Point{X: x, Y: y})
		if k.Label == "" {
			continue
		}
		sty := textStyle(m.labelSize, darken(k.Color))
		if !m.labelAbove {
			sty.XAlign, sty.YAlign = draw.XLeft, draw.YCenter
			c.FillText(sty, vg.Point{X: right + vg.Points(3), Y: y}, k.Label)
			continue
		}
		// Above and right of the point, unless that covers a label drawn
		// already: then below right, above left, below left.
		size := sty.Rectangle(k.Label).Size()
		d := m.radius * 0.6
		spots := []vg.Point{{X: x + d, Y: y + d}, {X: x + d, Y: y - d - size.Y}, {X: x - d - size.X, Y: y + d}, {X: x - d - size.X, Y: y - d - size.Y}}
		at := spots[0]
		for _, s := range spots {
			r := vg.Rectangle{Min: s, Max: vg.Point{X: s.X + size.X, Y: s.Y + size.Y}}
			if !overlapsAny(r, placed) && r.Min.X >= c.Min.X && r.Max.X <= c.Max.X {
				at = s
				break
			}
		}
		placed = append(placed, vg.Rectangle{Min: at, Max: vg.Point{X: at.X + size.X, Y: at.Y + size.Y}})
		sty.XAlign, sty.YAlign = draw.XLeft, draw.YBottom
		c.FillText(sty, at, k.Label)
	}
}

func overlapsAny(r vg.Rectangle, rs []vg.Rectangle) bool {
	for _, o := range rs {
		if r.Min.X < o.Max.X && o.Min.X < r.Max.X && r.Min.Y < o.Max.Y && o.Min.Y < r.Max.Y {
			return true
		}
	}
	return false
}

func (m *marks) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for _, k := range m.ms {
		xmin, xmax = min(xmin, k.X), max(xmax, k.X)
		ymin, ymax = min(ymin, k.Y), max(ymax, k.Y)
		if k.XLo != 0 || k.XHi != 0 {
			xmin, xmax = min(xmin, k.XLo), max(xmax, k.XHi)
		}
		if k.YLo != 0 || k.YHi != 0 {
			ymin, ymax = min(ymin, k.YLo), max(ymax, k.YHi)
		}
	}
	return xmin, xmax, ymin, ymax
}

// GlyphBoxes keeps the glyphs and the labels inside the chart.
func (m *marks) GlyphBoxes(p *plot.Plot) []plot.GlyphBox {
	var boxes []plot.GlyphBox
	r := m.radius
	for _, k := range m.ms {
		x, y := p.X.Norm(k.X), p.Y.Norm(k.Y)
		b := vg.Rectangle{Min: vg.Point{X: -r, Y: -r}, Max: vg.Point{X: r, Y: r}}
		if k.Label != "" {
			w := textStyle(m.labelSize, color.Black).Rectangle(k.Label).Max.X
			if m.labelAbove {
				b.Max.X = max(b.Max.X, r*0.6+w)
				b.Max.Y = max(b.Max.Y, r*0.6+vg.Points(m.labelSize))
			} else if k.XLo == 0 && k.XHi == 0 {
				b.Max.X = r + vg.Points(3) + w
			} else {
				// The label follows the whisker: box it at the whisker's end.
				boxes = append(boxes, plot.GlyphBox{X: p.X.Norm(k.XHi), Y: y,
					Rectangle: vg.Rectangle{Min: vg.Point{Y: -r}, Max: vg.Point{X: vg.Points(3) + w, Y: r}}})
			}
		}
		boxes = append(boxes, plot.GlyphBox{X: x, Y: y, Rectangle: b})
	}
	return boxes
}

// darken returns c darkened a little, for text in the colour of a mark.
func darken(c color.Color) color.Color {
	r, g, b, _ := c.RGBA()
	f := func(v uint32) uint8 { return uint8(float64(v>>8) * 0.75) }
	return color.RGBA{R: f(r), G: f(g), B: f(b), A: 255}
}

// A refLine is a dashed reference line across the data area with a label:
// the ratio as published (horizontal), the memcpy ceiling (vertical).
type refLine struct {
	vertical bool
	value    float64
	label    string
	color    color.Color
	// labelLow puts a vertical line's label at the bottom instead of the
	// top, so that two runs' labels do not overlap.
	labelLow bool
	dotted   bool
	solid    bool
}

func (l refLine) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	ls := draw.LineStyle{Color: l.color, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
	switch {
	case l.dotted:
		ls.Dashes = []vg.Length{vg.Points(1), vg.Points(2)}
	case l.solid:
		ls.Dashes = nil
	}
	sty := textStyle(8, l.color)
	if l.vertical {
		x := trX(l.value)
		c.StrokeLine2(ls, x, c.Min.Y, x, c.Max.Y)
		sty.XAlign, sty.YAlign = draw.XRight, draw.YTop
		y := c.Max.Y - vg.Points(2)
		if l.labelLow {
			sty.YAlign = draw.YBottom
			y = c.Min.Y + vg.Points(2)
		}
		c.FillText(sty, vg.Point{X: x - vg.Points(3), Y: y}, l.label)
		return
	}
	y := trY(l.value)
	c.StrokeLine2(ls, c.Min.X, y, c.Max.X, y)
	if l.label == "" {
		return
	}
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YBottom
	c.FillText(sty, vg.Point{X: c.Min.X + vg.Points(3), Y: y + vg.Points(2)}, l.label)
}

// polyline draws a line through points in data coordinates.
type polyline struct {
	xs, ys []float64
	style  draw.LineStyle
}

func (l polyline) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	pts := make([]vg.Point, len(l.xs))
	for i := range l.xs {
		pts[i] = vg.Point{X: trX(l.xs[i]), Y: trY(l.ys[i])}
	}
	c.StrokeLines(l.style, c.ClipLinesXY(pts)...)
}

// cellGrid draws the interop matrix: one coloured, labelled box per cell
// at integer coordinates (column x, row y).
type cellGrid struct {
	cells []gridCell
}

type gridCell struct {
	x, y  int
	fill  color.Color
	text  string
	color color.Color
}

func (g cellGrid) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	gap := vg.Points(1.5)
	for _, k := range g.cells {
		x0, x1 := trX(float64(k.x)-0.5)+gap, trX(float64(k.x)+0.5)-gap
		y0, y1 := trY(float64(k.y)-0.5)+gap, trY(float64(k.y)+0.5)-gap
		c.FillPolygon(k.fill, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
		sty := textStyle(8.5, k.color)
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
		c.FillText(sty, vg.Point{X: (x0 + x1) / 2, Y: (y0 + y1) / 2}, k.text)
	}
}
