package plots

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zbench/evidence"
	"zbench/results"
)

// versionsMatrix is a small determinism matrix as zbench determinism
// -versions-only writes it: Go 1.26.8 → 1.27.4 changes gzip-std level 6 on
// one layer of two and keeps gzip-klauspost; the klauspost build v1.99.0
// fails, so its step is not compared.
func versionsMatrix() *results.DeterminismMatrix {
	step := func(axis, from, to, codec, level, input string, fromB, toB int64, same bool, err string) results.VersionStep {
		return results.VersionStep{Axis: axis, From: from, To: to, Codec: codec, Level: level, Input: input,
			FromBytes: fromB, ToBytes: toB, Same: same, Err: err}
	}
	failed := "build go=go1.26.8 klauspost=v1.99.0 libzstd=bundled failed: building: go get: exit status 1"
	return &results.DeterminismMatrix{
		Method:   "Encoded in process.",
		Versions: map[string]string{"go": "go1.26.8"},
		AcrossVersions: &results.VersionMatrix{
			Method: "Built once per version.",
			Axes: []results.VersionAxis{{Name: "go", Values: []string{"go1.26.8", "go1.27.4"}, Codecs: []string{"gzip-std", "gzip-klauspost"}},
				{Name: "klauspost", Values: []string{"v1.17.11", "v1.99.0"}, Codecs: []string{"gzip-klauspost"}}},
			Builds: []results.VersionBuild{
				{ID: "go=go1.26.8 klauspost=v1.17.11 libzstd=bundled", Go: "go1.26.8", Klauspost: "v1.17.11", Libzstd: "bundled",
					Reported: map[string]string{"go": "go1.26.8", "klauspost": "v1.17.11"}},
				{ID: "go=go1.27.4 klauspost=v1.17.11 libzstd=bundled", Go: "go1.27.4", Klauspost: "v1.17.11", Libzstd: "bundled",
					Reported: map[string]string{"go": "go1.27.4", "klauspost": "v1.17.11"}},
				{ID: "go=go1.26.8 klauspost=v1.99.0 libzstd=bundled", Go: "go1.26.8", Klauspost: "v1.99.0", Libzstd: "bundled",
					Err: "building: go get: exit status 1\n<b>no</b> such version"},
			},
			Inputs: []results.DeterminismInput{{Name: "alpine", RawBytes: 8_100_000}, {Name: "debian", RawBytes: 76_000_000}},
			Steps: []results.VersionStep{
				step("go", "go1.26.8", "go1.27.4", "gzip-std", "6", "alpine", 3_600_000, 3_688_237, false, ""),
				step("go", "go1.26.8", "go1.27.4", "gzip-std", "6", "debian", 26_000_000, 26_000_000, true, ""),
				step("go", "go1.26.8", "go1.27.4", "gzip-klauspost", "6", "alpine", 3_500_000, 3_500_000, true, ""),
				step("go", "go1.26.8", "go1.27.4", "gzip-klauspost", "6", "debian", 25_000_000, 25_000_000, true, ""),
				step("klauspost", "v1.17.11", "v1.99.0", "gzip-klauspost", "6", "alpine", 3_500_000, 0, false, failed),
				step("klauspost", "v1.17.11", "v1.99.0", "gzip-klauspost", "6", "debian", 25_000_000, 0, false, failed),
			},
		},
	}
}

// evidenceWithVersions computes the evidence of the synthetic runs with
// versionsMatrix as their determinism matrix, read from a file as zbench
// report reads RUNDIR/determinism.json.
func evidenceWithVersions(t testing.TB, dirs []string) *evidence.Evidence {
	t.Helper()
	det := filepath.Join(t.TempDir(), results.DeterminismFile)
	f, err := os.Create(det)
	if err != nil {
		t.Fatal(err)
	}
	if err := versionsMatrix().WriteJSON(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	e, err := evidence.Load(dirs, evidence.Sources{Determinism: det}, evidence.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// buildSynthVersions is the report of the synthetic runs (two with two)
// with the evidence, digests across versions included.
func buildSynthVersions(t testing.TB, two bool) *Report {
	t.Helper()
	dirs := synthDirs(t, two)
	runs, err := LoadRuns(dirs, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Build(Summarize(runs), Options{Files: "report-files", Evidence: evidenceWithVersions(t, dirs)})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestVersionsTable: the determinism answer shows the digests across
// versions: the changed step its byte delta, the kept steps "same", the
// failed step and build their error, the versions and the method.
func TestVersionsTable(t *testing.T) {
	rep := buildSynthVersions(t, false)
	sec := rep.Section(SectionEvidence)
	if sec == nil {
		t.Fatal("no evidence section")
	}
	var tab *Table
	var texts []string
	sub := -1
	for i, b := range sec.Blocks {
		if b.Subheading == "Digests across versions" {
			sub = i
		}
		if sub >= 0 && b.Heading != "" {
			break // the next question
		}
		if b.Table != nil && b.Table.ID == "evidence-determinism-versions" {
			tab = b.Table
		}
		if sub >= 0 && b.Text != "" {
			texts = append(texts, b.Fold+": "+b.Text)
		}
	}
	if sub < 0 || tab == nil {
		t.Fatalf("no versions sub-heading (%d) or table (%v)", sub, tab)
	}
	var head []string
	for _, c := range tab.Columns {
		head = append(head, c.Title+"/"+c.Unit)
	}
	if got := strings.Join(head, " | "); got != "upgrade/ | codec/ | level/ | alpine/8.10 MB of tar | debian/76.0 MB of tar" {
		t.Errorf("columns %q", got)
	}
	var rows []string
	for _, r := range tab.Rows {
		var cs []string
		for _, c := range r.Cells {
			cs = append(cs, strings.TrimSpace(c.Text+" "+c.Sub))
		}
		rows = append(rows, r.Class+": "+strings.Join(cs, " | "))
	}
	want := []string{
		"differs: go go1.26.8 → go1.27.4 | gzip-std | 6 | +88,237 B +2.45% | same",
		": go go1.26.8 → go1.27.4 | gzip-klauspost | 6 | same | same",
		": klauspost v1.17.11 → v1.99.0 | gzip-klauspost | 6 | failed build go=go1.26.8 klauspost=v1.99.0 libzstd=bundled failed: building: go get: exit status 1 | " +
			"failed build go=go1.26.8 klauspost=v1.99.0 libzstd=bundled failed: building: go get: exit status 1",
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
	if c := tab.Rows[2].Cells[3]; c.Class != "fail" {
		t.Errorf("failed cell class %q", c.Class)
	}
	all := strings.Join(texts, "\n")
	for _, w := range []string{"go: go1.26.8 → go1.27.4; klauspost: v1.17.11 → v1.99.0",
		"; go=go1.26.8 klauspost=v1.99.0 libzstd=bundled: failed: building: go get: exit status 1.",
		"Builds: go=go1.26.8 klauspost=v1.17.11 libzstd=bundled: go go1.26.8, klauspost v1.17.11;",
		"Method: Built once per version."} {
		if !strings.Contains(all, w) {
			t.Errorf("texts lack %q:\n%s", w, all)
		}
	}
	var buf bytes.Buffer
	if err := rep.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, w := range []string{"<h4>Digests across versions</h4>", `id="tab-evidence-determinism-versions"`,
		"1 of 3 upgrades of a codec at a level changed the bytes, so the digest, on at least one layer; 1 kept them on every layer; 1 could not be compared.",
		"Bytes changed with go go1.26.8 → go1.27.4: gzip-std 6.", "Repeats, GOMAXPROCS and write sizes were not measured"} {
		if !strings.Contains(html, w) {
			t.Errorf("HTML lacks %q", w)
		}
	}
	if strings.Contains(html, "<b>no</b>") {
		t.Error("a build error's markup is not escaped")
	}
}

// TestVersionsAbsent: without across-versions data the evidence section
// has no trace of it.
func TestVersionsAbsent(t *testing.T) {
	dirs := synthDirs(t, false)
	runs, err := LoadRuns(dirs, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := versionsMatrix()
	m.AcrossVersions = nil
	e, err := evidence.Compute(mustEvidenceRuns(t, dirs), m, evidence.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Build(Summarize(runs), Options{Evidence: e})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rep.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"<h4>", "across versions", "Across versions"} {
		if strings.Contains(buf.String(), w) {
			t.Errorf("HTML has %q without across-versions data", w)
		}
	}
}

func mustEvidenceRuns(t *testing.T, dirs []string) []evidence.Run {
	t.Helper()
	var runs []evidence.Run
	for _, d := range dirs {
		r, err := evidence.LoadRun(d)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
	}
	return runs
}

func TestSignedBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "±0 B", 7: "+7 B", -436: "−436 B", 1000: "+1,000 B", 511326: "+511,326 B", -1234567: "−1,234,567 B"} {
		if got := signedBytes(n); got != want {
			t.Errorf("signedBytes(%d) = %q, want %q", n, got, want)
		}
	}
	for v, want := range map[float64]string{1.7: "+1.70", -0.001: "−0.001", -0.38: "−0.38", 0: "+0.000"} {
		if got := signedPct(v); got != want {
			t.Errorf("signedPct(%g) = %q, want %q", v, got, want)
		}
	}
}
