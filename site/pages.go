package site

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"zbench/history"
	"zbench/plots"
)

//go:embed site.tmpl
var siteTemplate string

var tmpl = template.Must(template.New("site").Funcs(template.FuncMap{
	"css":    plots.StyleSheet,
	"change": ChangeText,
	"delta":  DeltaText,
	"date":   dateOf,
	"short":  func(s string) string { return s[:min(len(s), 12)] },
	"good":   func(s history.Status) bool { return s.IsGood() },
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
}).Parse(siteTemplate))

// A figure is a chart on a page, linking to href when set.
type figure struct {
	ID      string
	Href    string
	Caption string
	SVG     template.HTML
}

// Write builds the site from st and writes it into out (created if
// needed): the pages, and each night's report copied from the store. It
// returns what the pages show. Pages of machines or cells no longer in the
// store are left as they were.
func Write(st *history.Store, out string, opt Options) (*Site, error) {
	if len(st.Entries()) == 0 {
		return nil, fmt.Errorf("writing the site from %s: %w", st.Dir, errNoRuns)
	}
	s, err := Build(st, opt)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(out, ReportsDir), 0o755); err != nil {
		return nil, fmt.Errorf("writing the site: %w", err)
	}
	for _, n := range s.Nights {
		if n.reportSrc == "" {
			continue
		}
		if err := copyIfChanged(n.reportSrc, filepath.Join(out, filepath.FromSlash(n.Report))); err != nil {
			return nil, fmt.Errorf("copying the report of %s: %w", n.Name, err)
		}
	}
	if err := writePage(filepath.Join(out, "index.html"), "index", indexView{Site: s}); err != nil {
		return nil, err
	}
	for _, m := range s.Machines {
		dir := filepath.Join(out, m.Slug)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("writing the site: %w", err)
		}
		mv := machineView{Site: s, M: m, Steps: slices.Clone(m.Steps), Nights: newestFirst(m.Nights)}
		slices.Reverse(mv.Steps)
		for _, g := range m.Codecs {
			gv := groupView{Name: g.Name}
			for _, c := range g.Cells {
				i := slices.IndexFunc(c.Series, func(se history.Series) bool { return se.Unit == MainUnit })
				if i < 0 {
					continue
				}
				f, err := chart(m, c, c.Series[i], true)
				if err != nil {
					return nil, err
				}
				f.Href = c.Slug + ".html"
				gv.Figures = append(gv.Figures, f)
			}
			if len(gv.Figures) > 0 {
				mv.Groups = append(mv.Groups, gv)
			}
		}
		if err := writePage(filepath.Join(dir, "index.html"), "machine", mv); err != nil {
			return nil, err
		}
		for _, c := range m.Cells {
			cv := cellView{Site: s, M: m, C: c, Rows: cellRows(m, c)}
			for _, se := range c.Series {
				f, err := chart(m, c, se, false)
				if err != nil {
					return nil, err
				}
				cv.Figures = append(cv.Figures, f)
			}
			if err := writePage(filepath.Join(dir, c.Slug+".html"), "cell", cv); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

type indexView struct {
	Site *Site
}

type machineView struct {
	Site   *Site
	M      *Machine
	Steps  []history.Step // newest first
	Groups []groupView
	Nights []*Night
}

type groupView struct {
	Name    string
	Figures []figure
}

type cellView struct {
	Site    *Site
	M       *Machine
	C       *Cell
	Figures []figure
	Rows    []cellRow
}

// A cellRow is a night of a cell: its main metric's median and interval.
type cellRow struct {
	Night            *Night
	Median, Interval string
	Step             string
}

// Archs groups the site's machines by architecture, for the index.
func (v indexView) Archs() [][]*Machine {
	var out [][]*Machine
	for _, m := range v.Site.Machines {
		if len(out) > 0 && out[len(out)-1][0].Arch == m.Arch {
			out[len(out)-1] = append(out[len(out)-1], m)
		} else {
			out = append(out, []*Machine{m})
		}
	}
	return out
}

func newestFirst(ns []*Night) []*Night {
	out := slices.Clone(ns)
	slices.Reverse(out)
	return out
}

func cellRows(m *Machine, c *Cell) []cellRow {
	i := slices.IndexFunc(c.Series, func(se history.Series) bool { return se.Unit == MainUnit })
	if i < 0 {
		i = 0
	}
	se := c.Series[i]
	var rows []cellRow
	for _, p := range se.Points {
		n := m.nightByName(p.Run)
		r := cellRow{Night: n, Median: formatValue(float64(p.Median)) + " " + se.Unit}
		if finite(float64(p.Lo)) && finite(float64(p.Hi)) {
			r.Interval = formatValue(float64(p.Lo)) + " – " + formatValue(float64(p.Hi))
		}
		var steps []string
		for _, cs := range c.Steps {
			if cs.Night == n {
				steps = append(steps, cs.Unit+" "+DeltaText(cs.CellStep))
			}
		}
		r.Step = strings.Join(steps, ", ")
		rows = append(rows, r)
	}
	slices.Reverse(rows)
	return rows
}

func (m *Machine) nightByName(name string) *Night {
	for _, n := range m.Nights {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// Trend returns what the chart of one of c's series on m draws: a point a
// night, the steps of that series, and the nights on which versions
// changed. Small multiples label steps with their change only.
func Trend(m *Machine, c *Cell, se history.Series, small bool) plots.Trend {
	t := plots.Trend{Title: c.Title, Unit: se.Unit, Codec: c.Key.Codec, Small: small}
	if !small {
		t.Title = c.Title + ": " + se.Unit
	}
	// Nights are labelled by date, and by time too when a day has more
	// than one.
	layout, days := "01-02", map[string]bool{}
	for _, n := range m.Nights {
		d := n.Start.UTC().Format("2006-01-02")
		if days[d] {
			layout = "01-02 15:04"
		}
		days[d] = true
	}
	for _, p := range se.Points {
		n := m.nightByName(p.Run)
		t.Points = append(t.Points, plots.TrendPoint{
			Night: n.Index, Label: n.Start.UTC().Format(layout),
			Median: float64(p.Median), Lo: float64(p.Lo), Hi: float64(p.Hi),
			Bad: !p.Status.IsGood(),
		})
	}
	if len(t.Points) == 0 {
		return t
	}
	first, lastNight := t.Points[0].Night, t.Points[len(t.Points)-1].Night
	stepped := map[int]bool{}
	for _, cs := range c.Steps {
		if cs.Unit != se.Unit {
			continue
		}
		stepped[cs.Night.Index] = true
		label := "step " + DeltaText(cs.CellStep)
		if cs.Tentative {
			label += " (tentative)"
		}
		for _, ch := range cs.Changes {
			label += " · " + ChangeText(ch)
		}
		t.Marks = append(t.Marks, plots.TrendMark{Night: cs.Night.Index, Label: label, Short: DeltaText(cs.CellStep), Step: true, Worse: cs.Worse})
	}
	for _, n := range m.Nights {
		if len(n.Changes) == 0 || stepped[n.Index] || n.Index < first || n.Index > lastNight {
			continue
		}
		var parts []string
		for _, ch := range n.Changes {
			parts = append(parts, ChangeText(ch))
		}
		t.Marks = append(t.Marks, plots.TrendMark{Night: n.Index, Label: strings.Join(parts, " · ")})
	}
	return t
}

func chart(m *Machine, c *Cell, se history.Series, small bool) (figure, error) {
	t := Trend(m, c, se, small)
	p, err := plots.TrendChart(t)
	if err != nil {
		return figure{}, fmt.Errorf("chart of %s %s on %s: %w", c.Name, se.Unit, m.Name, err)
	}
	w, h := plots.TrendSize(small)
	caption := fmt.Sprintf("%s: %s, night by night (median, and its 95%% interval when the night has 6 samples or more)", c.Title, se.Unit)
	if small {
		caption = c.Title
	}
	svg, err := plots.InlineSVG(p, w, h, caption)
	if err != nil {
		return figure{}, fmt.Errorf("chart of %s %s on %s: %w", c.Name, se.Unit, m.Name, err)
	}
	id := c.Slug + "-" + slug(se.Unit, se.Unit)
	var steps []string
	for _, mk := range t.Marks {
		if mk.Step {
			steps = append(steps, mk.Label)
		}
	}
	if len(steps) > 0 {
		caption += ". Steps: " + strings.Join(steps, "; ")
	}
	return figure{ID: id, Caption: caption, SVG: svg}, nil
}

func writePage(path, name string, v any) error {
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, name, v); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing the site: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing the site: %w", err)
	}
	return nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// copyIfChanged copies src to dst unless dst has src's size already (a
// report is written once).
func copyIfChanged(src, dst string) error {
	si, err := os.Stat(src)
	if err != nil {
		return err
	}
	if di, err := os.Stat(dst); err == nil && di.Size() == si.Size() {
		return nil
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func finite(v float64) bool { return v == v && v < 1e308 && v > -1e308 }

// formatValue formats a median: three significant digits, no exponent.
func formatValue(v float64) string {
	switch a := max(v, -v); {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3g", v)
}
