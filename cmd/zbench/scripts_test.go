package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"zbench/results"
)

// script runs scripts/NAME from the repository root with env added, and
// returns its exit status and combined output.
func script(t *testing.T, name string, env []string, args ...string) (int, string) {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not on PATH")
	}
	cmd := exec.Command("bash", append([]string{filepath.Join("scripts", name)}, args...)...)
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
	return 0, string(out)
}

// The nightly job end to end, twice on one store: a baseline, then a night
// compared with it, reported and published. Three samples a cell cannot
// reach p < 0.05, so the second night cannot regress by chance.
func TestNightlyScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds zbench and runs it twice (-short)")
	}
	dir := t.TempDir()
	env := []string{
		"ZBENCH_STORE=" + filepath.Join(dir, "store"),
		"ZBENCH_PUBLISH=" + filepath.Join(dir, "publish"),
		"ZBENCH_SOURCES=builtin", "ZBENCH_COUNT=3",
		"ZBENCH_CODECS=gzip-std,zstd-klauspost", "ZBENCH_LEVELS=gzip-std=1 zstd-klauspost=fastest",
	}
	for night, want := range []string{"baseline", "good"} {
		code, out := script(t, "nightly.sh", append(env, "ZBENCH_WORK="+filepath.Join(dir, "night", string(rune('a'+night)))))
		if code != 0 {
			t.Fatalf("night %d: exit %d\n%s", night+1, code, out)
		}
		if !strings.Contains(out, "nightly: "+want+"; published") {
			t.Errorf("night %d: the job does not say %q:\n%s", night+1, want+"; published", out)
		}
	}
	latest := filepath.Join(dir, "publish", "latest")
	for _, f := range []string{"report.html", "compare.txt", "results.txt", "env.json"} {
		if _, err := os.Stat(filepath.Join(latest, f)); err != nil {
			t.Errorf("published night lacks %s: %v", f, err)
		}
	}
	cmp, _ := os.ReadFile(filepath.Join(latest, "compare.txt"))
	if !strings.Contains(string(cmp), "machine shift: MB/s") || !strings.Contains(string(cmp), "no regression") {
		t.Errorf("the second night's comparison:\n%s", cmp)
	}
	index, _ := os.ReadFile(filepath.Join(dir, "publish", "index.tsv"))
	if n := strings.Count(string(index), "\n"); n != 2 {
		t.Errorf("index.tsv has %d lines, want 2:\n%s", n, index)
	}
}

// scripts/aa.sh runs, compares both ways and sums up; with three samples a
// cell nothing can be flagged.
func TestAAScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds zbench and runs it twice (-short)")
	}
	dir := t.TempDir()
	code, out := script(t, "aa.sh", []string{"AA_RUNS=2", "AA_OUT=" + dir},
		"--", "-codecs", "gzip-std", "-levels", "gzip-std=1", "-count", "3", "builtin")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	summary, err := os.ReadFile(filepath.Join(dir, "summary.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"run-1 vs run-2: 0 of", "run-2 vs run-1: 0 of", "A/A: 0 of", "(0.0%) over 2 runs of: zbench run -codecs gzip-std"} {
		if !strings.Contains(string(summary), want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
	// Usage errors exit 2.
	if code, out := script(t, "aa.sh", []string{"AA_RUNS=1", "AA_OUT=" + dir}); code != 2 {
		t.Errorf("AA_RUNS=1: exit %d, want 2\n%s", code, out)
	}
}

// Issue 15 items 6 and 8: what the environment passes to nightly.sh (a
// workflow_dispatch input, repository variables) cannot become a flag of
// zbench, and a bad value is an input error (2), said before any work.
func TestNightlyRefusesFlagsInInputs(t *testing.T) {
	dir := t.TempDir()
	base := []string{"ZBENCH_STORE=" + filepath.Join(dir, "store"), "ZBENCH_PUBLISH=" + filepath.Join(dir, "publish"), "ZBENCH_WORK=" + filepath.Join(dir, "work")}
	for _, bad := range [][]string{
		{"ZBENCH_SOURCES=-o " + filepath.Join(dir, "elsewhere") + " builtin"},
		{"ZBENCH_SOURCES=builtin --insecure"},
		{"ZBENCH_SOURCES=$(touch " + filepath.Join(dir, "pwned") + ")"},
		{"ZBENCH_SOURCES=builtin", "ZBENCH_COUNT=1e3"},
		{"ZBENCH_SOURCES=builtin", "ZBENCH_COUNT=10 -o x"},
		{"ZBENCH_SOURCES=builtin", "ZBENCH_COMPARE=-json /etc/passwd"},
		{"ZBENCH_SOURCES=builtin", "ZBENCH_COMPARE=-threshold 5%;id"},
	} {
		code, out := script(t, "nightly.sh", append(base, bad...))
		if code != exitUsage || !strings.Contains(out, "nightly: ") {
			t.Errorf("%q: exit %d, want 2 with a message\n%s", bad, code, out)
		}
		for _, f := range []string{"elsewhere", "pwned", "work", "publish"} {
			if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
				t.Errorf("%q: %s was made", bad, f)
			}
		}
	}
}

// Issue 15 item 6: a run that could not be made at all (exit 3: here its
// run directory is held by another writer) used to be read as "some cells
// failed, carry on", and the night ended with 1, "regression". It ends now
// with 3, before comparing or adding anything to the history.
func TestNightlyCouldNotRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds zbench (-short)")
	}
	dir := t.TempDir()
	work := filepath.Join(dir, "work")
	rd, err := results.Create(filepath.Join(work, "run"), results.CollectEnv(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	code, out := script(t, "nightly.sh", []string{
		"ZBENCH_STORE=" + filepath.Join(dir, "store"), "ZBENCH_PUBLISH=" + filepath.Join(dir, "publish"),
		"ZBENCH_WORK=" + work, "ZBENCH_SOURCES=builtin", "ZBENCH_COUNT=3", "ZBENCH_CODECS=gzip-std", "ZBENCH_LEVELS=gzip-std=1",
	})
	if code != exitCannotRun || !strings.Contains(out, "could not run") {
		t.Errorf("exit %d, want 3 saying it could not run\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "store", "index.json")); err == nil {
		t.Errorf("the night that could not run was added to the history")
	}
}

// Issue 15 item 8: the nightly workflow pins every action by full commit
// SHA, keeps no token in .git/config, asks for no permission it does not
// need, and never puts an input or variable into the text of a shell step.
func TestWorkflowHardened(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", ".github", "workflows", "nightly.yml"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	pinned := regexp.MustCompile(`^\s*(- )?uses: [\w./-]+@[0-9a-f]{40}( # v[\d.]+)?$`)
	inRun := false
	for i, line := range strings.Split(text, "\n") {
		trim := strings.TrimSpace(line)
		if strings.Contains(trim, "uses:") && !strings.HasPrefix(trim, "#") && !pinned.MatchString(line) {
			t.Errorf("line %d: action not pinned by commit SHA: %s", i+1, trim)
		}
		switch {
		case strings.HasPrefix(trim, "run:"):
			inRun = true
			if strings.Contains(trim, "${{") {
				t.Errorf("line %d: an expression in a shell step: %s", i+1, trim)
			}
		case inRun && (strings.HasPrefix(trim, "- ") || strings.HasSuffix(trim, ":") && !strings.Contains(trim, " ")):
			inRun = false
		case inRun && strings.Contains(trim, "${{"):
			t.Errorf("line %d: an expression in a shell step: %s", i+1, trim)
		}
	}
	if !regexp.MustCompile(`uses: actions/checkout@[0-9a-f]{40}.*\n\s+with:\n\s+persist-credentials: false`).MatchString(text) {
		t.Errorf("checkout keeps its token (want persist-credentials: false)")
	}
	if !regexp.MustCompile(`(?m)^permissions: \{\}`).MatchString(text) || regexp.MustCompile(`:\s*write`).MatchString(text) {
		t.Errorf("permissions: want none by default and nothing that writes")
	}
}
