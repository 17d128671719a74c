package plots

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"regexp"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// PNGDPI is the resolution of the PNG files: twice the 72 points per inch
// of the charts' sizes, sharp on high-density screens and in slides.
const PNGDPI = 144

// WriteSVG draws p, w by h, as an SVG document to out. Text is escaped by
// gonum; fonts are not embedded: the SVG names Liberation Sans with Arial,
// Helvetica and sans-serif as fallbacks.
func WriteSVG(out io.Writer, p *plot.Plot, w, h vg.Length) error {
	b, err := renderSVG(p, w, h)
	if err != nil {
		return err
	}
	if _, err := out.Write(b); err != nil {
		return fmt.Errorf("writing SVG: %w", err)
	}
	return nil
}

// WritePNG draws p, w by h, as a PNG image at PNGDPI to out.
func WritePNG(out io.Writer, p *plot.Plot, w, h vg.Length) (err error) {
	defer recoverDraw(&err)
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(PNGDPI))
	p.Draw(withMargin(draw.New(c)))
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(out); err != nil {
		return fmt.Errorf("writing PNG: %w", err)
	}
	return nil
}

// withMargin leaves a margin around a chart, so that no label touches the
// edge of the image.
func withMargin(c draw.Canvas) draw.Canvas {
	m := vg.Points(6)
	return draw.Crop(c, m, -m, m, -m)
}

// recoverDraw turns a panic while drawing (gonum panics on some bad input,
// such as a non-positive value on a log axis) into an error.
func recoverDraw(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("drawing chart: %v", r)
	}
}

func renderSVG(p *plot.Plot, w, h vg.Length) (b []byte, err error) {
	defer recoverDraw(&err)
	c := vgsvg.New(w, h)
	p.Draw(withMargin(draw.New(c)))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("writing SVG: %w", err)
	}
	return fontFallback.ReplaceAll(buf.Bytes(), []byte("font-family:'$1',Arial,Helvetica,sans-serif;")), nil
}

var (
	fontFallback = regexp.MustCompile(`font-family:(Liberation Sans);`)
	svgOpenTag   = regexp.MustCompile(`(?s)<svg\b[^>]*>`)
	svgSizeAttrs = regexp.MustCompile(`\s(width|height)="[^"]*"`)
	unsafeSVG    = regexp.MustCompile(`(?i)<\s*(script|foreignobject|iframe|object|embed)\b|\son[a-z]+\s*=|javascript:`)
)

// inlineSVG makes an SVG document fit to go inside HTML: without the XML
// prolog, sized by CSS to the page's width, labelled for screen readers.
// It refuses SVG with anything active in it, though gonum writes none: all
// text in a chart is escaped.
func inlineSVG(doc []byte, w, h vg.Length, label string) ([]byte, error) {
	if unsafeSVG.Match(doc) {
		return nil, fmt.Errorf("chart %q: SVG holds markup that could run script", label)
	}
	loc := svgOpenTag.FindIndex(doc)
	if loc == nil {
		return nil, fmt.Errorf("chart %q: no <svg> element", label)
	}
	tag := svgSizeAttrs.ReplaceAll(doc[loc[0]:loc[1]], nil)
	class := "chart"
	if w > vg.Points(560) {
		// Wide charts keep a readable size on a narrow screen and scroll
		// sideways in their box instead.
		class += " wide"
	}
	attrs := ` class="` + class + `" role="img" style="max-width:` + strconv.Itoa(int(w.Points()*4/3+0.5)) + `px"` +
		` width="` + strconv.Itoa(int(w.Points()*4/3+0.5)) + `" height="` + strconv.Itoa(int(h.Points()*4/3+0.5)) + `"`
	var out bytes.Buffer
	out.Write(tag[:len(tag)-1])
	out.WriteString(attrs)
	out.WriteString(`><title>`)
	out.WriteString(html.EscapeString(label))
	out.WriteString(`</title>`)
	out.Write(doc[loc[1]:])
	return out.Bytes(), nil
}
