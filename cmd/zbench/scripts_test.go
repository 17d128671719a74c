package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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

// scripts/power.sh in both modes at small scale: a slowdown of 400% (five
// times the time) is caught in every injected cell and in every cell of the
// really slowed codec, whatever the machine's noise; the trials and the
// summary are written.
func TestPowerScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds zbench twice and runs it three times (-short)")
	}
	dir := t.TempDir()
	layer := filepath.Join("..", "shared", "corpus", "layers", "alpine-3.20.3-x86_64-minirootfs.tar.gz")
	if _, err := os.Stat(filepath.Join("..", "..", layer)); err != nil {
		t.Logf("%s is absent: measuring builtin", layer)
		layer = "builtin"
	}
	code, out := script(t, "power.sh", []string{"POWER_RUNS=2", "POWER_OUT=" + dir, "POWER_MODE=both",
		"POWER_EFFECTS=4", "POWER_CODECS=gzip-std", "POWER_VARIANTS=;-drift off"},
		"--", "-codecs", "gzip-std,zstd-klauspost", "-levels", "gzip-std=1 zstd-klauspost=fastest", "-count", "5", layer)
	if code != 0 && code != 1 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	summary, err := os.ReadFile(filepath.Join(dir, "summary.txt"))
	if err != nil {
		t.Fatal(err)
	}
	// 5 codec cells: decode-original, and an encode and a decode per codec.
	for _, want := range []string{
		"compare flags: (defaults)", "compare flags: -drift off",
		"inject  0%        2       -                          ", // nothing slowed: the A/A of the two runs
		"inject  400%      10      10 of 10 (100.0%)",
		"codec   400%      1       3 of 3 (100.0%)", // gzip-std decodes the blob and its output, and encodes
		"(first flag set)",
	} {
		if !strings.Contains(string(summary), want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
	trials, err := os.ReadFile(filepath.Join(dir, "trials.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	// Per flag set: 2 A/A, 2 × 5 injected, 1 slowed codec; and a header.
	if n := strings.Count(string(trials), "\n"); n != 1+2*(2+10+1) {
		t.Errorf("trials.tsv has %d lines, want %d:\n%s", n, 1+2*(2+10+1), trials)
	}
	if code, out := script(t, "power.sh", []string{"POWER_MODE=bogus", "POWER_OUT=" + dir}); code != 2 {
		t.Errorf("POWER_MODE=bogus: exit %d, want 2\n%s", code, out)
	}
}
