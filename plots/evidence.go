package plots

import (
	"fmt"
	"math"
	"strings"
	"unicode"

	"gonum.org/v1/plot/vg"

	"zbench/evidence"
	"zbench/results"
)

// SectionEvidence is the ID of the section of the evidence for the image
// spec, which Build puts before SectionSummary when Options.Evidence is set.
const SectionEvidence = "evidence"

// evidenceSection makes the section of the evidence for the image-spec
// discussion: for each question, the question as a heading, the answer,
// the layers it holds for, a chart of pull time at each bandwidth, the
// supporting tables (the first open, the others folded), under determinism
// the digests across versions when measured (versionsBlocks), and the
// method (folded).
func (b *builder) evidenceSection(e *evidence.Evidence) (*Section, error) {
	var bws []string
	for _, bw := range e.Params.Bandwidths {
		bws = append(bws, bw.String())
	}
	s := &Section{ID: SectionEvidence, Title: "Evidence for the spec discussion", Intro: []string{
		"The questions raised when zstd was added to the OCI image spec, answered from this corpus. Each answer gives " +
			"the layers it holds for (and the images, where it has figures per image) and, folded under it, how it was computed.",
		"Prices, bandwidths and the client's decoders are assumptions. Prices: " + e.Params.Prices() + " Bandwidths: " +
			strings.Join(bws, ", ") + ". Decoders: gzip " + e.Params.Decoders["gzip"] + ", zstd " + e.Params.Decoders["zstd"] +
			". zbench report and zbench evidence take -vcpu-hour, -egress-gb, -bandwidth and -decoders to give your own; " +
			"zbench evidence writes all of it as JSON.",
	}}
	for _, a := range e.Answers() {
		if a.ID == evidence.LazyAnswerID || a.ID == evidence.PullsAnswerID {
			continue // sections of their own (Options.Lazy, Options.Pulls)
		}
		s.Blocks = append(s.Blocks, Block{Heading: a.Question})
		for _, p := range a.Answer {
			s.Blocks = append(s.Blocks, Block{Text: p})
		}
		if len(a.Layers) > 0 {
			s.Blocks = append(s.Blocks, Block{Text: fmt.Sprintf("Holds for %d layer(s): %s.", len(a.Layers), strings.Join(a.Layers, ", "))})
		}
		if len(a.Images) > 0 {
			s.Blocks = append(s.Blocks, Block{Text: fmt.Sprintf("Per image for %d image(s): %s.", len(a.Images), strings.Join(a.Images, ", "))})
		}
		if a.ID == "pull-time" && !a.Empty {
			figs, err := b.pullFigures(e)
			if err != nil {
				return nil, err
			}
			if len(figs) > 0 {
				s.Blocks = append(s.Blocks, Block{Figures: figs})
			}
		}
		for i, t := range a.Tables {
			blk := Block{Table: evidenceTable(fmt.Sprintf("evidence-%s-%d", a.ID, i+1), t)}
			if i > 0 {
				blk.Fold = t.Caption
			}
			s.Blocks = append(s.Blocks, blk)
		}
		for _, n := range a.Notes {
			s.Blocks = append(s.Blocks, Block{Text: "Note: " + n})
		}
		if a.ID == "determinism" {
			s.Blocks = append(s.Blocks, versionsBlocks(e.Determinism)...)
		}
		s.Blocks = append(s.Blocks, Block{Fold: "Method", Text: a.Method})
	}
	if len(e.Notes) > 0 {
		s.Blocks = append(s.Blocks, Block{Fold: "Notes on the data", Text: strings.Join(e.Notes, " ")})
	}
	return s, nil
}

// evidenceTable turns an evidence table (strings) into a report table;
// columns whose cells read as numbers are right-aligned.
func evidenceTable(id string, t evidence.Table) *Table {
	tab := &Table{ID: id, Caption: t.Caption}
	for i, h := range t.Header {
		num := i > 0 && len(t.Rows) > 0
		for _, r := range t.Rows {
			if i < len(r) && r[i] != "" && !numeric(r[i]) {
				num = false
			}
		}
		tab.Columns = append(tab.Columns, Column{Title: h, Num: num})
	}
	for _, r := range t.Rows {
		var row Row
		for _, c := range r {
			cell := TableCell{Text: c}
			if strings.HasPrefix(c, "FAILED") || c == "differ" || c == "DIFFER" {
				cell.Class = "fail"
			}
			row.Cells = append(row.Cells, cell)
		}
		tab.Rows = append(tab.Rows, row)
	}
	return tab
}

// numeric reports whether s starts as a number does: "12.3 s", "−4.5%",
// "$0.01".
func numeric(s string) bool {
	s = strings.TrimLeft(s, "+−-$")
	return s != "" && unicode.IsDigit([]rune(s)[0])
}

// pullFigures draws, for each bandwidth, the corpus pull time of each
// setting with download and decode overlapped, with gzip as published as
// the reference line; or, when the runs have images, that of each image
// (see pullImageFigures).
func (b *builder) pullFigures(e *evidence.Evidence) ([]*Figure, error) {
	if len(e.Pull.PerImage) > 0 {
		return b.pullImageFigures(e)
	}
	var figs []*Figure
	st := b.st.Compact()
	for _, bw := range e.Params.Bandwidths {
		var rows []dotRow
		var refs []RefLine
		var series []string
		for _, r := range e.Pull.Corpus {
			if r.Bandwidth != bw.String() {
				continue
			}
			if r.Encoder == nil {
				refs = append(refs, RefLine{Label: "gzip as published", Value: r.OverlappedS})
				continue
			}
			label := results.CodecLabel(r.Encoder.Codec, "", r.Encoder.Threads)
			rows = append(rows, dotRow{label: r.Setting, series: label, st: Stat{Median: r.OverlappedS, N: 1}})
			series = append(series, label)
		}
		if len(rows) == 0 {
			continue
		}
		p, err := dotChart("Pull time at "+bw.String()+", overlapped", "seconds for the corpus", rows, refs,
			st.palette(uniq(series), nil), nil, false, "s")
		if err != nil {
			return nil, fmt.Errorf("pull time chart at %s: %w", bw, err)
		}
		figs = append(figs, &Figure{ID: "evidence-pull-" + slug(bw.Name), Plot: p, Width: 4.2 * vg.Inch, Height: dotChartHeight(len(rows), 1),
			Caption: fmt.Sprintf("Pull time of the corpus at %s, download and decode overlapped: each recompression against gzip as published (the line).", bw)})
	}
	return figs, nil
}

// pullImageFigures draws, for each bandwidth, the pull time of the corpus
// and of each image, download and decode overlapped, on a log scale (images
// differ in size by orders of magnitude): gzip as published, the
// recompression fastest over the corpus at that bandwidth, and
// zstd-klauspost default (the default of buildkit's and containerd's zstd),
// one group of rows per image. The tables have every setting.
func (b *builder) pullImageFigures(e *evidence.Evidence) ([]*Figure, error) {
	var figs []*Figure
	st := b.st.Compact()
	const published = "gzip as published"
	for _, bw := range e.Params.Bandwidths {
		var corpus []evidence.PullRow
		best := ""
		fastest := math.Inf(1)
		for _, r := range e.Pull.Corpus {
			if r.Bandwidth != bw.String() {
				continue
			}
			corpus = append(corpus, r)
			if r.Encoder != nil && r.OverlappedS < fastest {
				best, fastest = r.Setting, r.OverlappedS
			}
		}
		if best == "" {
			continue
		}
		shown := func(r evidence.PullRow) bool {
			return r.Encoder == nil || r.Setting == best || r.Encoder.Codec == "zstd-klauspost" && r.Encoder.Level == "default"
		}
		var rows []dotRow
		var series []string
		add := func(group string, r evidence.PullRow) {
			label := published
			if r.Encoder != nil {
				label = results.CodecLabel(r.Encoder.Codec, "", r.Encoder.Threads)
			}
			rows = append(rows, dotRow{label: group + " · " + r.Setting, series: label, group: group, st: Stat{Median: r.OverlappedS, N: 1}})
			series = append(series, label)
		}
		for _, r := range corpus {
			if shown(r) {
				add("corpus", r)
			}
		}
		for _, img := range e.Pull.Images {
			for _, r := range e.Pull.PerImage {
				if r.Bandwidth == bw.String() && r.Image == img && shown(r) {
					add(img, r)
				}
			}
		}
		p, err := dotChart("Pull time per image at "+bw.String()+", overlapped", "seconds (log scale)", rows, nil,
			st.palette(uniq(series), nil), nil, true, "s")
		if err != nil {
			return nil, fmt.Errorf("pull time chart at %s: %w", bw, err)
		}
		figs = append(figs, &Figure{ID: "evidence-pull-" + slug(bw.Name), Plot: p, Width: 4.8 * vg.Inch, Height: dotChartHeight(len(rows), 1),
			Caption: fmt.Sprintf("Pull time of the corpus and of each image at %s, download and decode overlapped: gzip as published, "+
				"%s (the fastest recompression over the corpus) and zstd-klauspost default where measured. "+
				"A layer two images share counts in each, and once in the corpus. The table \"Pull time per image\" has every setting.", bw, best)})
	}
	return figs, nil
}
