package plots

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"zbench/evidence"
	"zbench/results"
)

// TestEvidenceSection builds the report of the synthetic run with the
// evidence computed from it: one sub-heading per question, before the
// summary, with the pull-time charts, the tables and the methods.
func TestEvidenceSection(t *testing.T) {
	dirs := synthDirs(t, false)
	runs, err := LoadRuns(dirs, nil)
	if err != nil {
		t.Fatal(err)
	}
	e, err := evidence.Load(dirs, evidence.Sources{}, evidence.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Build(Summarize(runs), Options{Evidence: e})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range rep.Sections {
		ids = append(ids, s.ID)
	}
	if i, j := slices.Index(ids, SectionEvidence), slices.Index(ids, SectionSummary); i < 0 || i != j-1 {
		t.Fatalf("sections %q: want evidence just before summary", ids)
	}
	sec := rep.Section(SectionEvidence)
	var headings, methods, tables int
	for _, b := range sec.Blocks {
		if b.Heading != "" {
			headings++
		}
		if b.Fold == "Method" {
			methods++
		}
		if b.Table != nil {
			tables++
		}
	}
	if n := len(e.Answers()); headings != n || methods != n || tables < n-1 {
		t.Errorf("%d headings, %d methods, %d tables for %d answers", headings, methods, tables, n)
	}
	var pull []string
	for _, f := range rep.Figures() {
		if strings.HasPrefix(f.ID, "evidence-pull-") {
			pull = append(pull, f.ID)
		}
	}
	if strings.Join(pull, " ") != "evidence-pull-100mbit evidence-pull-1gbit evidence-pull-10gbit" {
		t.Errorf("pull-time figures %q", pull)
	}
	var buf bytes.Buffer
	if err := rep.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{`<section id="evidence">`, "<h3>How long does pulling the layers take", "<summary>Method</summary>",
		"Holds for", "&lt;script&gt;"} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(html, xssLayer) {
		t.Errorf("the layer name %s is in the page unescaped", xssLayer)
	}
}

// TestEvidenceSectionImages builds the report of a synthetic run whose
// layers make two images: the pull-time charts show each image, and the
// section names the images and has their tables.
func TestEvidenceSectionImages(t *testing.T) {
	s := defaultSynth()
	s.layers = s.layers[:2]
	s.encoders = []synthEncoder{
		{codec: "gzip-std", format: "gzip", threads: 1, levels: []string{"6"}},
		{codec: "zstd-klauspost", format: "zstd", threads: 1, levels: []string{"fastest", "default"}},
	}
	s.decoders = []synthEncoder{{codec: "gzip-std", format: "gzip", threads: 1}, {codec: "zstd-klauspost", format: "zstd", threads: 1}}
	s.count, s.fail, s.loadFail = 3, nil, ""
	layer := func(name string) results.ImageLayer { return results.ImageLayer{Layer: name} }
	s.images = []results.Image{
		{Ref: "debian:bookworm@sha256:01", Name: "debian-bookworm", Platform: "linux/amd64", Layers: []results.ImageLayer{layer("debian-bookworm")}},
		{Ref: "app:1@sha256:02", Name: "app-1", Platform: "linux/amd64", Layers: []results.ImageLayer{layer("debian-bookworm"), layer("alpine-3.20")}},
	}
	dir := filepath.Join(t.TempDir(), "run")
	s.write(t, dir)
	runs, err := LoadRuns([]string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := evidence.DefaultParams()
	p.VCPUHourUSD, p.PriceSource = 0.02, evidence.PriceSource(0.02, p.EgressGBUSD)
	e, err := evidence.Load([]string{dir}, evidence.Sources{}, p)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Build(Summarize(runs), Options{Evidence: e})
	if err != nil {
		t.Fatal(err)
	}
	var pull []*Figure
	for _, f := range rep.Figures() {
		if strings.HasPrefix(f.ID, "evidence-pull-") {
			pull = append(pull, f)
		}
	}
	if len(pull) != 3 || !strings.Contains(pull[1].Caption, "of each image at 1 Gbit/s") {
		t.Fatalf("pull-time figures: %d, first caption %q", len(pull), pull[0].Caption)
	}
	var buf bytes.Buffer
	if err := rep.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{"Per image for 2 image(s): debian-bookworm, app-1.", "Pull time per image, overlapped",
		"app-1 · gzip as published", "debian-bookworm · zstd-klauspost default", "corpus · zstd-klauspost default",
		"Prices: $0.02 per vCPU-hour and $0.09 per GB (10^9 bytes) of egress. Source: given on the command line: $0.02 per vCPU-hour;"} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
}
