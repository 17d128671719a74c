package plots

import (
	"cmp"
	"errors"
	"fmt"

	"gonum.org/v1/plot/vg"

	"zbench/evidence"
	"zbench/lazy/lazydoc"
	"zbench/results"
)

// DefaultTitle is the title of a report when Options gives none.
const DefaultTitle = "gzip and zstd on container image layers"

// Options configure Build.
type Options struct {
	Title string // DefaultTitle when empty
	// Files is where the SVG, PNG and CSV files go, relative to the HTML
	// file; the footer names it. Empty: the footer names none.
	Files string
	// Evidence, when set, adds the section of the evidence for the image
	// spec (package evidence), computed from the same runs, before the
	// summary.
	Evidence *evidence.Evidence
	// Lazy, when set, adds the section "Lazy-pull formats" of a zbench
	// lazy analysis, read from LazySource; Pulls the section "Measured
	// pulls" of scripts/pull.sh, read from PullsSource. Both go before
	// SectionSummary; the evidence section leaves their answers to them.
	Lazy        *lazydoc.Document
	LazySource  string
	Pulls       *results.Pulls
	PullsSource string
}

// Section IDs of a built report, in order. Sections added later (the
// evidence for the image spec) go before SectionSummary.
const (
	SectionOverview    = "overview"
	SectionTradeoff    = "tradeoff"
	SectionDecode      = "decode"
	SectionCPU         = "cpu"
	SectionLevels      = "levels"
	SectionInterop     = "interop"
	SectionCompare     = "compare"
	SectionSummary     = "summary"
	SectionLayers      = "layers"
	SectionFailures    = "failures"
	SectionMethod      = "method"
	SectionEnvironment = "environment"
)

// Build makes the report of d: charts first, then tables, then the method
// and the environment. A chart with nothing to draw is left out with a
// note; any other error is returned.
func Build(d *Data, o Options) (*Report, error) {
	if len(d.Runs) == 0 {
		return nil, errors.New("building report: no runs")
	}
	b := &builder{d: d, st: d.Style(), multi: len(d.Runs) > 1}
	r := &Report{Title: cmp.Or(o.Title, DefaultTitle), Files: o.Files}
	for _, rd := range d.Runs {
		raw := int64(0)
		for _, l := range rd.Layers {
			raw += l.RawBytes
		}
		r.Runs = append(r.Runs, RunInfo{Label: rd.Label, Dir: rd.Dir, Start: rd.Env.Start, Layers: len(rd.Layers),
			RawBytes: raw, Cells: len(rd.Cells), Failures: len(rd.Failures)})
	}
	r.Notes = b.notes()
	steps := []func() (*Section, error){
		b.overview, b.tradeoff, b.decode, b.cpu, b.levels, b.interop, b.compare,
		b.summary, b.layers, b.failures, b.method, b.environment,
	}
	for _, step := range steps {
		s, err := step()
		if err != nil {
			return nil, err
		}
		if s != nil {
			r.Sections = append(r.Sections, s)
		}
	}
	if o.Evidence != nil {
		s, err := b.evidenceSection(o.Evidence)
		if err != nil {
			return nil, err
		}
		r.AddSection(s, SectionSummary)
	}
	if o.Pulls != nil {
		r.AddSection(b.pullsSection(o.Pulls, o.PullsSource), SectionSummary)
	}
	if o.Lazy != nil {
		s, err := b.lazySection(o.Lazy, o.LazySource)
		if err != nil {
			return nil, err
		}
		r.AddSection(s, SectionSummary)
	}
	r.Summary = b.summaryCSV()
	r.Cells = b.cellsCSV()
	return r, nil
}

type builder struct {
	d     *Data
	st    *Style
	multi bool
}

// figure wraps a chart; a chart with no data becomes a note instead.
func (b *builder) figure(id, caption string, w, h vg.Length, draw func() (*Figure, error)) (Block, error) {
	f, err := draw()
	if errors.Is(err, ErrNoData) {
		return Block{Text: "No chart: " + caption + ": the runs hold no cell it could show."}, nil
	}
	if err != nil {
		return Block{}, fmt.Errorf("%s: %w", id, err)
	}
	f.ID, f.Caption, f.Width, f.Height = id, caption, w, h
	return Block{Figure: f}, nil
}

func (b *builder) notes() []string {
	var notes []string
	noCI := 0
	for _, rd := range b.d.Runs {
		for _, c := range rd.Cells {
			if !c.Failed() && !c.MBps.CI {
				noCI++
			}
		}
	}
	if noCI > 0 {
		notes = append(notes, fmt.Sprintf("%d cell(s) have fewer than 6 samples, too few for a 95%% confidence interval of the median: "+
			"they show the median alone, without whiskers. Measure with -count 6 or more (10 to compare runs).", noCI))
	}
	for _, rd := range b.d.Runs {
		if n := len(rd.Failures); n > 0 {
			notes = append(notes, fmt.Sprintf("Run %s: %d cell(s) failed; see Failures.", rd.Label, n))
		}
		if n := len(rd.Partial); n > 0 {
			notes = append(notes, fmt.Sprintf("Run %s: %d setting(s) are left out of the corpus-wide figures because some layer lacks them; see Method.", rd.Label, n))
		}
	}
	return notes
}

// runPrefix returns the run's label as a table's first cell when the report
// has several runs.
func (b *builder) runCells(rd *RunData) []TableCell {
	if !b.multi {
		return nil
	}
	return []TableCell{{Text: rd.Label}}
}

func (b *builder) runColumns() []Column {
	if !b.multi {
		return nil
	}
	return []Column{{Title: "run"}}
}
