package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"zbench/compare"
	"zbench/internal/fakerun"
	"zbench/results"
)

const slowCell = "Encode/layer=go/codec=gzip-std/level=6/threads=1"

// zbCmd runs the command and returns its exit status and output.
func zbCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func fakeRun(t *testing.T, dir string, day int, cells []fakerun.Cell, o fakerun.Options) string {
	t.Helper()
	env := fakerun.Env(time.Date(2026, 1, 1+day, 3, 0, 0, 0, time.UTC))
	return fakerun.Write(t, filepath.Join(dir, "day"+string(rune('a'+day))), env, cells, o)
}

func TestCompareExitStatus(t *testing.T) {
	dir := t.TempDir()
	m := fakerun.Matrix("go")
	base := fakeRun(t, dir, 0, m, fakerun.Options{Seed: 1})
	same := fakeRun(t, dir, 1, m, fakerun.Options{Seed: 1})
	slow := fakeRun(t, dir, 2, fakerun.With(m, slowCell, func(c *fakerun.Cell) { c.MBps *= 0.8 }), fakerun.Options{Seed: 2})
	bigger := fakeRun(t, dir, 3, fakerun.With(m, slowCell, func(c *fakerun.Cell) { c.Comp += 1 }), fakerun.Options{Seed: 1})
	other := fakeRun(t, dir, 4, m, fakerun.Options{Seed: 1, Digest: fakerun.Digest("ee")})

	for _, tc := range []struct {
		name       string
		args       []string
		code       int
		stdout     string // a substring of stdout
		stderr     string // a substring of stderr
		lastStdout string // prefix of stdout's last line
	}{
		{"identical", []string{base, same}, 0, "", "", "no regression: 14 cells compared"},
		{"results files", []string{filepath.Join(base, results.ResultsFile), filepath.Join(same, results.ResultsFile)}, 0, "", "", "no regression"},
		{"slowdown", []string{base, slow}, 1, slowCell, "1 of 14 cells regressed", "REGRESSED: 1 of 14 cells"},
		{"slowdown within threshold", []string{"-threshold", "30%", base, slow}, 0, "", "", "no regression"},
		{"size change", []string{base, bigger}, 1, "compressed-B (exact): 11 cells the same, 1 changed", "", "REGRESSED: 1 of 14 cells"},
		{"size change allowed", []string{"-allow-size-change", base, bigger}, 0, "", "", "no regression"},
		{"different corpora", []string{base, other}, 2, "", "the runs measured different corpora", ""},
		{"missing run", []string{base, filepath.Join(dir, "nothing")}, 2, "", "NEW: reading run", ""},
		{"one argument", []string{base}, 2, "", "want BASE and NEW", ""},
		{"bad metric", []string{"-metrics", "ratio", base, same}, 2, "", "not one of", ""},
		{"bad drift", []string{"-drift", "sideways", base, same}, 2, "", "want round, local or off", ""},
		{"drift round, sensitivity 6%", []string{"-drift", "round", "-sensitivity", "6%", base, slow}, 1, "", "",
			"REGRESSED: 1 of 14 cells (1 regressed): " + slowCell + "; 0 cells could not have shown a 6% slowdown"},
		{"blind cells counted", []string{"-sensitivity", "1%", base, same}, 0, "", "",
			"no regression: 14 cells compared; 13 cells could not have shown a 1% slowdown (MDE above it)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := zbCmd(t, append([]string{"compare"}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			if !strings.Contains(stdout, tc.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdout, stdout)
			}
			if !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, stderr)
			}
			lines := strings.Split(strings.TrimSpace(stdout), "\n")
			if last := lines[len(lines)-1]; !strings.HasPrefix(last, tc.lastStdout) {
				t.Errorf("last line %q, want it to begin %q", last, tc.lastStdout)
			}
		})
	}

	// -json writes the same report; -format json puts it on stdout.
	js := filepath.Join(dir, "cmp.json")
	code, stdout, _ := zbCmd(t, "compare", "-json", js, "-format", "json", base, slow)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	var fromFile, fromStdout compare.Report
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &fromFile); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(stdout), &fromStdout); err != nil {
		t.Fatalf("-format json: %v", err)
	}
	if len(fromFile.Regressions) != 1 || fromFile.Regressions[0] != slowCell || len(fromStdout.Cells) != len(fromFile.Cells) {
		t.Errorf("JSON regressions %v, want [%s]", fromFile.Regressions, slowCell)
	}
}

func TestMergeCommand(t *testing.T) {
	dir := t.TempDir()
	m := fakerun.Matrix("go")
	var parts []string
	for i, cells := range [][]fakerun.Cell{m[:4], m[4:9], m[9:]} {
		env := fakerun.Env(time.Date(2026, 1, 1, 3, i, 0, 0, time.UTC))
		env.Extra[results.ExtraShard] = string(rune('0'+i)) + "/3"
		parts = append(parts, fakerun.Write(t, filepath.Join(dir, "part"+string(rune('0'+i))), env, cells, fakerun.Options{Seed: 1}))
	}
	merged := filepath.Join(dir, "merged")
	if code, _, stderr := zbCmd(t, append([]string{"merge", "-o", merged}, parts...)...); code != 0 {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	whole := fakeRun(t, dir, 5, m, fakerun.Options{Seed: 1})
	if code, stdout, _ := zbCmd(t, "compare", whole, merged); code != 0 || !strings.Contains(stdout, "no regression: 14 cells") {
		t.Errorf("the merged shards against the whole run: exit %d\n%s", code, stdout)
	}
	// Shards given twice are refused.
	if code, _, stderr := zbCmd(t, "merge", "-o", filepath.Join(dir, "twice"), parts[0], parts[0]); code != exitUsage || !strings.Contains(stderr, "is in both") {
		t.Errorf("a part given twice: exit %d: %s", code, stderr)
	}
	if code, _, _ := zbCmd(t, "merge", parts[0]); code != 2 {
		t.Errorf("merge without -o: exit %d, want 2", code)
	}
}

func TestHistoryCommand(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	m := fakerun.Matrix("go")
	night0 := fakeRun(t, dir, 0, m, fakerun.Options{Seed: 1})

	// The first night has no base.
	code, stdout, stderr := zbCmd(t, "history", "last", "-store", store, night0)
	if code != 0 || stdout != "" || !strings.Contains(stderr, "no good run") {
		t.Fatalf("last on an empty store: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if code, _, stderr := zbCmd(t, "history", "add", "-store", store, "-status", "baseline", night0); code != 0 {
		t.Fatalf("add: exit %d: %s", code, stderr)
	}

	// The next night is compared with it, and regressed.
	night1 := fakeRun(t, dir, 1, fakerun.With(m, slowCell, func(c *fakerun.Cell) { c.MBps *= 0.8 }), fakerun.Options{Seed: 2})
	_, stdout, _ = zbCmd(t, "history", "last", "-store", store, night1)
	base := strings.TrimSpace(stdout)
	if filepath.Base(base) != "2026-01-01T030000Z" {
		t.Fatalf("last = %q, want the first night", base)
	}
	js := filepath.Join(dir, "cmp.json")
	if code, _, _ := zbCmd(t, "compare", "-json", js, base, night1); code != 1 {
		t.Fatalf("compare: exit %d, want 1", code)
	}
	if code, _, stderr := zbCmd(t, "history", "add", "-store", store, "-compare", js, night1); code != 0 || !strings.Contains(stderr, "as regressed") {
		t.Fatalf("add -compare: exit %d: %s", code, stderr)
	}
	// A regressed night is not a base.
	night2 := fakeRun(t, dir, 2, m, fakerun.Options{Seed: 3})
	if _, stdout, _ := zbCmd(t, "history", "last", "-store", store, night2); strings.TrimSpace(stdout) != base {
		t.Errorf("last after a regression = %q, want %q", stdout, base)
	}
	code, stdout, _ = zbCmd(t, "history", "list", "-store", store)
	if code != 0 || !strings.Contains(stdout, "regressed") || !strings.Contains(stdout, "2026-01-01T030000Z") {
		t.Errorf("list: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = zbCmd(t, "history", "steps", "-store", store)
	if code != 0 || !strings.Contains(stdout, "2 run(s)") {
		t.Errorf("steps: exit %d\n%s", code, stdout)
	}
	series := filepath.Join(dir, "series.json")
	if code, _, stderr := zbCmd(t, "history", "series", "-store", store, "-json", series); code != 0 {
		t.Errorf("series: exit %d: %s", code, stderr)
	}
	if code, _, _ := zbCmd(t, "history", "mark", "-store", store, "-status", "good", "2026-01-02T030000Z"); code != 0 {
		t.Errorf("mark: exit %d", code)
	}
	if code, _, _ := zbCmd(t, "history", "frobnicate"); code != 2 {
		t.Errorf("unknown subcommand: exit %d, want 2", code)
	}
}

// Three shards of a real run hold every cell of the whole run once, and
// merge back into a run that compares with it.
func TestRunShardsMerge(t *testing.T) {
	dir := t.TempDir()
	layers := []string{
		write(t, dir, "a.tar.gz", gz(tarLayer(t, 1))),
		write(t, dir, "b.tar.gz", gz(tarLayer(t, 2))),
	}
	runArgs := func(out string, extra ...string) []string {
		args := append([]string{"run", "-o", out}, fastArgs...)
		return append(append(args, extra...), layers...)
	}
	whole := filepath.Join(dir, "whole")
	if code, _, stderr := zbCmd(t, runArgs(whole)...); code != 0 {
		t.Fatalf("whole run: exit %d\n%s", code, stderr)
	}
	want := cellsOf(t, loadRun(t, whole))
	var parts []string
	got := map[results.CellKey]int{}
	for i := range 3 {
		part := filepath.Join(dir, "shard"+string(rune('0'+i)))
		if code, _, stderr := zbCmd(t, runArgs(part, "-shard", string(rune('0'+i))+"/3")...); code != 0 {
			t.Fatalf("shard %d: exit %d\n%s", i, code, stderr)
		}
		for k := range cellsOf(t, loadRun(t, part)) {
			got[k]++
		}
		parts = append(parts, part)
	}
	for k := range want {
		if got[k] != 1 {
			t.Errorf("cell %s is in %d shards, want 1", k, got[k])
		}
	}
	if len(got) != len(want) {
		t.Errorf("the shards hold %d cells, the whole run %d", len(got), len(want))
	}
	merged := filepath.Join(dir, "merged")
	code, _, stderr := zbCmd(t, append([]string{"merge", "-o", merged}, parts...)...)
	if code != 0 || strings.Contains(stderr, "warning") {
		t.Fatalf("merge: exit %d\n%s", code, stderr)
	}
	// Two runs of so few samples rarely differ significantly, but they may:
	// what must hold is that compare accepts them (no exit 2) and sees
	// every cell in both.
	code, stdout, stderr := zbCmd(t, "compare", whole, merged)
	if code == 2 || strings.Contains(stdout, "only in") {
		t.Errorf("compare whole merged: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if code, _, _ := zbCmd(t, runArgs(filepath.Join(dir, "bad"), "-shard", "3/3")...); code != 2 {
		t.Errorf("-shard 3/3: exit %d, want 2", code)
	}
}
