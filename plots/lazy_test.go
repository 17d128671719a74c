package plots

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"zbench/evidence"
	"zbench/lazy/lazydoc"
	"zbench/results"
)

// synthLazy is a small lazy-pull analysis: eStargz and zstd:chunked on
// three versions of a layer, so two updates each.
func synthLazy() *lazydoc.Document {
	layers := []string{"alpine-3.18", "alpine-3.20", "alpine-edge"}
	r := &lazydoc.Report{}
	for _, l := range layers {
		r.Overheads = append(r.Overheads,
			lazydoc.Overhead{Layer: l, Format: "estargz", Level: "9", Plain: "gzip-std/9", Raw: 8e6, PlainBytes: 3_000_000, Bytes: 3_090_000,
				TOC: 40_000, Footer: 51, Chunks: 500, Frames: 500, Files: 480},
			lazydoc.Overhead{Layer: l, Format: "zstd-chunked", Level: "10", Plain: "zstd-klauspost/best", Raw: 8e6, PlainBytes: 2_500_000, Bytes: 2_550_000,
				TOC: 30_000, Footer: 64, TarSplit: 20_000, Chunks: 520, Frames: 510, Files: 480})
		r.FilesFirst = append(r.FilesFirst, lazydoc.FilesFirst{Layer: l, Format: "zstd-chunked", Files: []string{"bin/busybox", "usr/bin/<b>x</b>"},
			Missing: []string{"usr/bin/<b>x</b>"}, FileBytes: 900_000, Blob: 2_550_000, Meta: 50_064, ChunkBytes: 450_000, Ranges: 2})
	}
	for i := 1; i < len(layers); i++ {
		r.Updates = append(r.Updates,
			lazydoc.Update{From: layers[i-1], To: layers[i], Format: "estargz", Blob: 3_090_000, Meta: 40_051, ChunkBytes: 1_000_000 * int64(i), Chunks: 500, Fetched: 200, Ranges: 150},
			lazydoc.Update{From: layers[i-1], To: layers[i], Format: "zstd-chunked", Blob: 2_550_000, Meta: 50_064, ChunkBytes: 700_000 * int64(i), Chunks: 520, Fetched: 210, Ranges: 160})
	}
	return &lazydoc.Document{Report: r, Versions: map[string]string{"github.com/containerd/stargz-snapshotter/estargz": "v0.16.3"}}
}

func synthPulls() *results.Pulls {
	return &results.Pulls{Layers: []string{"python3.tar.gz"}, GzipBytes: 12_000_000, Pulls: []results.PullTime{
		{Client: "skopeo", Profile: "containers-image", Rate: "100Mbit", Decoder: "gzip-pgzip", Reps: 3, MedianS: 1.05, Model: "overlapped", ModelS: 1.0},
		{Client: "ctr", Profile: "containerd", Rate: "1Gbit", Decoder: "gzip-std", Reps: 3, MedianS: 0.5, Model: "sequential", ModelS: 0.4},
	}}
}

// buildSynthWith builds the report of the synthetic runs with o (Files set).
func buildSynthWith(t testing.TB, two bool, o Options) *Report {
	t.Helper()
	runs, err := LoadRuns(synthDirs(t, two), nil)
	if err != nil {
		t.Fatal(err)
	}
	o.Files = "report-files"
	rep, err := Build(Summarize(runs), o)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestLazyAndPullsSections(t *testing.T) {
	rep := buildSynthWith(t, false, Options{Lazy: synthLazy(), LazySource: "run/lazy.json", Pulls: synthPulls()})
	var ids []string
	for _, s := range rep.Sections {
		ids = append(ids, s.ID)
	}
	i, j, k := slices.Index(ids, SectionPulls), slices.Index(ids, SectionLazy), slices.Index(ids, SectionSummary)
	if i < 0 || j != i+1 || k != j+1 {
		t.Fatalf("sections %q: want measured pulls, then lazy-pull formats, just before the summary", ids)
	}

	lz := rep.Section(SectionLazy)
	if lz.Title != "Lazy-pull formats" || !strings.Contains(lz.Intro[0], "read from run/lazy.json") {
		t.Errorf("lazy section %q: %q", lz.Title, lz.Intro)
	}
	var tables []*Table
	var fig *Figure
	var text []string
	for _, b := range lz.Blocks {
		if b.Table != nil {
			tables = append(tables, b.Table)
		}
		if b.Figure != nil {
			fig = b.Figure
			if len(tables) > 0 {
				t.Error("the chart comes after a table")
			}
		}
		text = append(text, b.Text)
	}
	all := strings.Join(text, "\n")
	for _, want := range []string{"estargz/9 against gzip-std/9: +3.0%", "Holds for 3 layer(s): alpine-3.18, alpine-3.20, alpine-edge.",
		"github.com/containerd/stargz-snapshotter/estargz v0.16.3"} {
		if !strings.Contains(all, want) {
			t.Errorf("lazy section lacks %q:\n%s", want, all)
		}
	}
	if len(tables) != 3 {
		t.Fatalf("%d tables, want overhead, updates and files first", len(tables))
	}
	if c := tables[0].Columns; c[0].Title != "layer" || c[0].Num || !c[4].Num {
		t.Errorf("overhead columns %+v", c)
	}
	upd := tables[1]
	if len(upd.Rows) != 4 || upd.Rows[2].Cells[0].Text != "alpine-3.20 → alpine-edge" || upd.Rows[2].Cells[9].Text != "34.0%" {
		t.Errorf("update rows %+v", upd.Rows)
	}
	if fig == nil || fig.ID != "lazy-overhead-saved" || fig.Plot == nil {
		t.Fatalf("no chart of overhead against saved: %+v", fig)
	}
	var buf bytes.Buffer
	if err := rep.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	// The chart is drawn, one labelled point per format and update.
	if len(fig.svg) == 0 || !bytes.Contains(fig.svg, []byte("3.20 → edge")) || !bytes.Contains(fig.svg, []byte("zstd-chunked")) {
		t.Errorf("the chart is not drawn with its labels and legend")
	}
	if n := bytes.Count(fig.svg, []byte("3.18 → 3.20")); n != 2 {
		t.Errorf("%d points labelled 3.18 → 3.20, want one per format", n)
	}
	if !strings.Contains(fig.Caption, "without “alpine-”") {
		t.Errorf("the caption does not say how labels are shortened: %s", fig.Caption)
	}
	if strings.Contains(page, "<b>x</b>") || !strings.Contains(page, "&lt;b&gt;x&lt;/b&gt;") {
		t.Error("a file name from the analysis is not escaped")
	}

	pl := rep.Section(SectionPulls)
	var ptext []string
	var ptab *Table
	for _, b := range pl.Blocks {
		ptext = append(ptext, b.Text)
		if b.Table != nil {
			ptab = b.Table
		}
	}
	pall := strings.Join(ptext, "\n")
	for _, want := range []string{"skopeo (profile containers-image, overlapped model): measured against modelled +5.0%.",
		"Note: 1 pull(s) miss the model by more than 15%: ctr, gzip at 1Gbit (+25.0%)"} {
		if !strings.Contains(pall, want) {
			t.Errorf("pulls section lacks %q:\n%s", want, pall)
		}
	}
	if ptab == nil || len(ptab.Rows) != 2 || ptab.Rows[1].Cells[11].Text != "+25.0%" || !ptab.Columns[11].Num {
		t.Errorf("pulls table %+v", ptab)
	}
}

// With the evidence too, its section leaves the two answers to their
// own sections; with one layer (no update) the chart is a note.
func TestLazySectionWithEvidenceAndNoUpdate(t *testing.T) {
	e, err := evidence.Load(synthDirs(t, false), evidence.Sources{}, evidence.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	e.Lazy, e.MeasuredPulls = synthLazy(), synthPulls()
	d := synthLazy()
	d.Updates = nil
	rep := buildSynthWith(t, false, Options{Evidence: e, Lazy: d, Pulls: e.MeasuredPulls})
	for _, b := range rep.Section(SectionEvidence).Blocks {
		if strings.Contains(b.Heading, "lazy-pull") || strings.Contains(b.Heading, "real clients") {
			t.Errorf("the evidence section repeats %q", b.Heading)
		}
	}
	lz := rep.Section(SectionLazy)
	found := false
	for _, b := range lz.Blocks {
		if b.Figure != nil {
			t.Error("a chart without updates")
		}
		found = found || strings.HasPrefix(b.Text, "No chart: ")
	}
	if !found {
		t.Error("no note in place of the chart")
	}
}

func TestLazyNames(t *testing.T) {
	doc := func(names ...string) *lazydoc.Document {
		d := &lazydoc.Document{Report: &lazydoc.Report{}}
		for _, n := range names {
			d.Overheads = append(d.Overheads, lazydoc.Overhead{Layer: n, Format: "estargz"})
		}
		return d
	}
	for _, tc := range []struct {
		names []string
		want  []string
		cut   string
	}{
		{[]string{"alpine-3.12.12-x86_64-minirootfs", "alpine-3.18.9-x86_64-minirootfs", "alpine-edge-20240923-x86_64-minirootfs"},
			[]string{"3.12.12", "3.18.9", "edge-20240923"}, "“alpine-” and “-x86_64-minirootfs”"},
		// Cut at separators only: "v10" and "v12" keep their "v1".
		{[]string{"app-v10", "app-v12"}, []string{"v10", "v12"}, "“app-”"},
		{[]string{"a", "a-b"}, []string{"a", "a-b"}, ""},
		{[]string{"one"}, []string{"one"}, ""},
	} {
		short, cut := lazyNames(doc(tc.names...))
		for i, n := range tc.names {
			if short[n] != tc.want[i] {
				t.Errorf("%q: %s → %q, want %q", tc.names, n, short[n], tc.want[i])
			}
		}
		if cut != tc.cut {
			t.Errorf("%q: cut %q, want %q", tc.names, cut, tc.cut)
		}
	}
}

// Two formats' points of one update that coincide share one label.
func TestLazyChartSharedLabel(t *testing.T) {
	d := synthLazy()
	var prio []lazydoc.Update
	for _, u := range d.Updates {
		if u.Format == "estargz" {
			u.Format = "estargz-prio"
			u.ChunkBytes += 100
			prio = append(prio, u)
		}
	}
	d.Updates = append(d.Updates, prio...)
	for _, o := range d.Overheads {
		if o.Format == "estargz" {
			o.Format = "estargz-prio"
			o.Bytes += 100
			d.Overheads = append(d.Overheads, o)
		}
	}
	p, err := LazyChart(d)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteSVG(&buf, p, 5*72, 3.5*72); err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(buf.Bytes(), []byte("3.18 → 3.20")); n != 2 {
		t.Errorf("%d labels 3.18 → 3.20, want 2: estargz-prio's point shares estargz's", n)
	}
	if !bytes.Contains(buf.Bytes(), []byte("estargz-prio")) {
		t.Error("no legend entry for estargz-prio")
	}
}
