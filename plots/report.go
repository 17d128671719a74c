package plots

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"zbench/internal/atomicfile"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// A Report is one self-contained HTML page: a title, the runs it shows, and
// its sections in order. Build makes one from summarized runs; callers may
// add sections (AddSection) before writing it.
type Report struct {
	Title    string
	Runs     []RunInfo
	Notes    []string // caveats shown under the title
	Sections []*Section
	// Files is the directory, relative to the HTML file, that WriteFiles
	// writes to; the footer lists it. Empty: no files are mentioned.
	Files string
	// Summary and Cells are written as CSV by WriteFiles.
	Summary *Table
	Cells   *Table
}

// RunInfo describes one run in the report's header.
type RunInfo struct {
	Label    string
	Dir      string
	Start    time.Time
	Layers   int
	RawBytes int64
	Cells    int
	Failures int
}

// A Section is a part of the report with its own heading and entry in the
// table of contents.
type Section struct {
	ID     string // the HTML id and anchor: lowercase letters, digits and '-'
	Title  string
	Intro  []string // paragraphs of plain text, escaped when written
	Blocks []Block
}

// A Block is one item of a section: a heading, a paragraph, a figure, a
// grid of small figures, or a table. Set one of them. With Fold set the
// block is folded under that summary line (an HTML <details>), open when
// Open is set.
type Block struct {
	Heading string // a sub-heading within the section (<h3>)
	Text    string
	Figure  *Figure
	Figures []*Figure
	Table   *Table
	Fold    string
	Open    bool

	// Subheading is a heading under Heading (<h4>).
	Subheading string
}

// A Figure is one chart. Its ID names its SVG and PNG files.
type Figure struct {
	ID      string
	Caption string
	Plot    *plot.Plot
	Width   vg.Length
	Height  vg.Length

	svg []byte // rendered by Render
}

// SVG returns the figure as rendered for the page.
func (f *Figure) SVG() template.HTML {
	// The SVG is gonum's, whose text is escaped, checked by inlineSVG.
	return template.HTML(f.svg)
}

// A Table is a table of the report; WriteFiles can also write it as CSV.
type Table struct {
	ID      string
	Caption string
	Columns []Column
	Rows    []Row
	Notes   []string
}

// A Column heads a table column; Num right-aligns it. Unit, when set, is
// written under the title ("MB/s") and kept in the CSV header.
type Column struct {
	Title string
	Unit  string
	Num   bool
}

// A Row is one table row. Class styles it ("pareto", "failed", "group").
type Row struct {
	Cells []TableCell
	Class string
}

// A TableCell is one table cell: its text, and a second, smaller line
// (Sub) such as a 95% interval. Class styles it ("ok", "fail", "best").
type TableCell struct {
	Text  string
	Sub   string
	Class string
	// CSV holds the cell's values for the CSV file when they differ from
	// Text (more digits, interval bounds in columns of their own); see
	// Table.CSV.
	CSV []string
}

// AddSection inserts s before the section with ID before, or at the end
// when there is none. Issue-specific sections (the evidence for the image
// spec) go before "summary", so that every chart comes before the tables.
func (r *Report) AddSection(s *Section, before string) {
	for i, x := range r.Sections {
		if x.ID == before {
			r.Sections = slices.Insert(r.Sections, i, s)
			return
		}
	}
	r.Sections = append(r.Sections, s)
}

// Section returns the section with ID id, or nil.
func (r *Report) Section(id string) *Section {
	for _, s := range r.Sections {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// Figures returns every figure of the report, in order.
func (r *Report) Figures() []*Figure {
	var figs []*Figure
	for _, s := range r.Sections {
		for _, b := range s.Blocks {
			if b.Figure != nil {
				figs = append(figs, b.Figure)
			}
			figs = append(figs, b.Figures...)
		}
	}
	return figs
}

// Render draws every figure as SVG for the page. WriteHTML calls it for
// figures not yet drawn.
func (r *Report) Render() error {
	ids := map[string]bool{}
	for _, f := range r.Figures() {
		if ids[f.ID] {
			return fmt.Errorf("two figures with ID %q", f.ID)
		}
		ids[f.ID] = true
		if f.svg != nil {
			continue
		}
		doc, err := renderSVG(f.Plot, f.Width, f.Height)
		if err != nil {
			return fmt.Errorf("figure %s: %w", f.ID, err)
		}
		if f.svg, err = inlineSVG(doc, f.Width, f.Height, f.Caption); err != nil {
			return fmt.Errorf("figure %s: %w", f.ID, err)
		}
	}
	return nil
}

//go:embed report.tmpl
var reportTemplate string

//go:embed report.css
var reportCSS string

var tmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"css":  func() template.CSS { return template.CSS(reportCSS) },
	"mb":   func(b int64) string { return formatNum(float64(b)/1e6) + " MB" },
	"date": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 MST") },
	"num":  func(cols []Column, i int) bool { return i < len(cols) && cols[i].Num },
}).Parse(reportTemplate))

// WriteHTML writes the report as one HTML page to w: no scripts, no fonts
// or images from elsewhere (a Content-Security-Policy says so to the
// browser), charts inline as SVG, every string from the runs escaped.
func (r *Report) WriteHTML(w io.Writer) error {
	if err := r.Render(); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, r); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	if _, err := buf.WriteTo(w); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return nil
}

// WriteFiles writes, into dir (created if needed), each figure as ID.svg
// and ID.png, the summary as summary.csv and every cell as cells.csv. It
// returns the names written.
func (r *Report) WriteFiles(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %q: %w", dir, err)
	}
	var names []string
	write := func(name string, fill func(io.Writer) error) error {
		var buf bytes.Buffer
		if err := fill(&buf); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := atomicfile.WriteBytes(filepath.Join(dir, name), buf.Bytes()); err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
		names = append(names, name)
		return nil
	}
	for _, f := range r.Figures() {
		if err := write(f.ID+".svg", func(w io.Writer) error { return WriteSVG(w, f.Plot, f.Width, f.Height) }); err != nil {
			return names, err
		}
		if err := write(f.ID+".png", func(w io.Writer) error { return WritePNG(w, f.Plot, f.Width, f.Height) }); err != nil {
			return names, err
		}
	}
	for _, t := range []struct {
		name string
		t    *Table
	}{{"summary.csv", r.Summary}, {"cells.csv", r.Cells}} {
		if t.t == nil {
			continue
		}
		if err := write(t.name, t.t.WriteCSV); err != nil {
			return names, err
		}
	}
	return names, nil
}

// WriteCSV writes the table as CSV: a header of column titles (with units
// in parentheses), then one record per row, each cell's CSV values or its
// text. A column whose cells carry two CSV values more than the text (an
// interval) gets "lo" and "hi" columns. Text that a spreadsheet would take
// for a formula is prefixed with a quote.
func (t *Table) WriteCSV(w io.Writer) error {
	// Widths: how many CSV fields each column takes.
	widths := make([]int, len(t.Columns))
	for i := range widths {
		widths[i] = 1
	}
	for _, row := range t.Rows {
		for i, c := range row.Cells {
			if i < len(widths) && len(c.CSV) > widths[i] {
				widths[i] = len(c.CSV)
			}
		}
	}
	cw := csv.NewWriter(w)
	var head []string
	for i, c := range t.Columns {
		name := c.Title
		if c.Unit != "" {
			name += " (" + c.Unit + ")"
		}
		head = append(head, name)
		switch widths[i] {
		case 1:
		case 3:
			head = append(head, name+" 95% lo", name+" 95% hi")
		default:
			for k := 1; k < widths[i]; k++ {
				head = append(head, fmt.Sprintf("%s %d", name, k+1))
			}
		}
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, row := range t.Rows {
		var rec []string
		for i := range t.Columns {
			var vals []string
			if i < len(row.Cells) {
				c := row.Cells[i]
				vals = c.CSV
				if vals == nil {
					vals = []string{csvSafe(c.Text)}
				}
			}
			for k := range widths[i] {
				if k < len(vals) {
					rec = append(rec, vals[k])
				} else {
					rec = append(rec, "")
				}
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from reading text as a formula.
func csvSafe(s string) string {
	if s == "" || strings.IndexAny(s[:1], "=+-@\t\r") < 0 {
		return s
	}
	if _, err := fmt.Sscanf(s, "%g", new(float64)); err == nil && !strings.ContainsAny(s, " ") {
		return s // a negative number
	}
	return "'" + s
}
