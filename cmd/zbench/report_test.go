package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReportFromRuns measures two tiny runs of a layer whose name is
// markup, and reports on both: the HTML, the charts as SVG and PNG, and
// the CSV files.
func TestReportFromRuns(t *testing.T) {
	dir := t.TempDir()
	layer := write(t, dir, "<img src=x onerror=alert(1)>.tar.gz", gz(tarLayer(t, 3)))
	var runs []string
	for _, name := range []string{"a", "b"} {
		out := filepath.Join(dir, name)
		code, _, stderr := zbench(t, context.Background(), append(append([]string{"run", "-o", out}, fastArgs...), layer)...)
		if code != 0 {
			t.Fatalf("run %s: exit %d\n%s", name, code, stderr)
		}
		runs = append(runs, out)
	}
	html := filepath.Join(dir, "out", "r.html")
	code, stdout, stderr := zbench(t, context.Background(), append([]string{"report", "-o", html, "-labels", "before,after"}, runs...)...)
	if code != 0 {
		t.Fatalf("report: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "wrote "+html) {
		t.Errorf("stdout does not say what was written:\n%s", stdout)
	}
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"&lt;img src=x onerror=alert(1)&gt;", "Runs compared", "before", "after", "<svg", "r-files/"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if bytes.Contains(page, []byte("<img")) {
		t.Error("the layer's name became an element")
	}
	for _, f := range []string{"tradeoff-corpus.svg", "tradeoff-corpus.png", "interop-before.svg", "summary.csv", "cells.csv"} {
		if _, err := os.Stat(filepath.Join(dir, "out", "r-files", f)); err != nil {
			t.Errorf("no %s: %v", f, err)
		}
	}

	// -assets none writes the page alone.
	solo := filepath.Join(dir, "solo.html")
	if code, _, stderr := zbench(t, context.Background(), "report", "-o", solo, "-assets", "none", runs[0]); code != 0 {
		t.Fatalf("report -assets none: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "solo-files")); !os.IsNotExist(err) {
		t.Errorf("-assets none wrote solo-files: %v", err)
	}
}

func TestReportUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"report"}, 2, "name at least one run directory"},
		{[]string{"report", "-labels", "a,b", dir}, 2, "-labels names 2 run(s), but 1"},
		{[]string{"report", "-bogus", dir}, 2, "flag provided but not defined"},
		{[]string{"report", "-o", filepath.Join(dir, "x.html"), filepath.Join(dir, "missing")}, exitUsage, "loading run"},
	} {
		code, _, stderr := zbench(t, context.Background(), tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("zbench %s: exit %d, stderr %q; want exit %d and %q", strings.Join(tc.args, " "), code, stderr, tc.code, tc.want)
		}
	}
}

// The examples in report's help must be commands it accepts.
func TestReportDocExamples(t *testing.T) {
	sc := bufio.NewScanner(strings.NewReader(reportAbout))
	n := 0
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "zbench report ") {
			continue
		}
		n++
		fields := strings.Fields(strings.ReplaceAll(line, "'", ""))[2:]
		// Parse only: the run directories do not exist here.
		fs := newFlagSet("report", "", "", new(bytes.Buffer))
		fs.String("o", "", "")
		fs.String("assets", "", "")
		fs.String("labels", "", "")
		fs.String("title", "", "")
		fs.Bool("evidence", true, "")
		var ef evidenceFlags
		registerEvidenceFlags(fs, &ef)
		var xf extraFlags
		registerExtraFlags(fs, &xf)
		if err := fs.Parse(fields); err != nil || fs.NArg() == 0 {
			t.Errorf("help example %q: %v, %d run directories", line, err, fs.NArg())
		}
	}
	if n == 0 {
		t.Error("no zbench report examples in the help")
	}
}

// TestReportLazyAndPulls: zbench lazy's JSON and scripts/pull.sh's kept in
// a run directory add the sections "Lazy-pull formats" and "Measured
// pulls" to the report (with the evidence and without) and their answers
// to zbench evidence; -lazy and -pulls name files elsewhere.
func TestReportLazyAndPulls(t *testing.T) {
	dir := t.TempDir()
	p1 := write(t, dir, "v1.tar.gz", gz(tarLayer(t, 5)))
	p2 := write(t, dir, "v2.tar.gz", gz(tarLayer(t, 6)))
	run := filepath.Join(dir, "run")
	if code, _, stderr := zbench(t, context.Background(), append(append([]string{"run", "-o", run}, fastArgs...), p1)...); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	html := filepath.Join(dir, "plain.html")
	if code, _, stderr := zbench(t, context.Background(), "report", "-o", html, "-assets", "none", run); code != 0 {
		t.Fatalf("report: exit %d\n%s", code, stderr)
	}
	if page, _ := os.ReadFile(html); bytes.Contains(page, []byte("Lazy-pull formats")) || bytes.Contains(page, []byte("Measured pulls")) {
		t.Error("sections without their data")
	}

	if code, _, stderr := zbench(t, context.Background(), "lazy", "-o", filepath.Join(run, "lazy.json"), "-n", "2", p1, p2); code != 0 {
		t.Fatalf("lazy: exit %d\n%s", code, stderr)
	}
	pulls := `{"layers": ["v1.tar.gz"], "gzip_bytes": 5000, "count": 1, "pulls": [
	  {"client": "skopeo", "profile": "containers-image", "rate": "20Mbit", "decoder": "gzip-pgzip", "reps": 1,
	   "times_s": [0.5], "median_s": 0.5, "overlapped_s": 0.4, "sequential_s": 0.45, "model": "overlapped", "model_s": 0.4}]}`
	write(t, run, "pulls.json", []byte(pulls))
	for _, args := range [][]string{{}, {"-evidence=false"}} {
		html := filepath.Join(dir, "r.html")
		code, _, stderr := zbench(t, context.Background(), append(append([]string{"report", "-o", html}, args...), run)...)
		if code != 0 {
			t.Fatalf("report %q: exit %d\n%s", args, code, stderr)
		}
		page, _ := os.ReadFile(html)
		for _, want := range []string{`id="lazy-pull"`, "Lazy-pull formats", "v1 → v2", "estargz-prio", `id="measured-pulls"`,
			"miss the model by more than 15%: skopeo, gzip at 20Mbit", "github.com/containerd/stargz-snapshotter/estargz v"} {
			if !bytes.Contains(page, []byte(want)) {
				t.Errorf("report %q lacks %q", args, want)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "r-files", "lazy-overhead-saved.svg")); err != nil {
			t.Errorf("report %q: no chart file: %v", args, err)
		}
	}
	code, stdout, stderr := zbench(t, context.Background(), "evidence", "-o", filepath.Join(dir, "e.json"), run)
	if code != 0 {
		t.Fatalf("evidence: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"What do the lazy-pull formats", "Does zbench's pull-time model hold"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("evidence lacks %q:\n%s", want, stdout)
		}
	}
	if e, _ := os.ReadFile(filepath.Join(dir, "e.json")); !bytes.Contains(e, []byte(`"measured_pulls_source"`)) || !bytes.Contains(e, []byte(`"lazy_source"`)) {
		t.Error("evidence JSON does not say where the lazy analysis and the pulls come from")
	}

	// A -lazy file that is missing is an error naming it.
	missing := filepath.Join(dir, "none.json")
	code, _, stderr = zbench(t, context.Background(), "report", "-o", filepath.Join(dir, "x.html"), "-lazy", missing, run)
	if code != exitUsage || !strings.Contains(stderr, "none.json") {
		t.Errorf("report -lazy missing: exit %d, %s", code, stderr)
	}
}
