package plots

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"zbench/evidence"
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
	e, err := evidence.Load(dirs, "", evidence.DefaultParams())
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
