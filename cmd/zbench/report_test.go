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
		if err := fs.Parse(fields); err != nil || fs.NArg() == 0 {
			t.Errorf("help example %q: %v, %d run directories", line, err, fs.NArg())
		}
	}
	if n == 0 {
		t.Error("no zbench report examples in the help")
	}
}
