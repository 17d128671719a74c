package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"zbench/history"
	"zbench/internal/fakerun"
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

// The nightly job end to end, three nights on one store: a baseline, then
// a night compared with it, then a night measured in two shards (as CI
// runs it) and joined; each reported, published, and the trend site
// rebuilt. The fast decode cells take more than three samples to fill
// -min-time, and this test shares the machine with the other packages'
// tests, so compare is told to flag only a change of half the speed: the
// test is of the job, not of the statistics (scripts/power.sh measures
// those).
func TestNightlyScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds zbench and runs it four times (-short)")
	}
	dir := t.TempDir()
	env := []string{
		"ZBENCH_STORE=" + filepath.Join(dir, "store"),
		"ZBENCH_PUBLISH=" + filepath.Join(dir, "publish"),
		"ZBENCH_SOURCES=builtin", "ZBENCH_COUNT=3",
		"ZBENCH_CODECS=gzip-std,zstd-klauspost", "ZBENCH_LEVELS=gzip-std=1 zstd-klauspost=fastest",
		"ZBENCH_COMPARE=-alpha 0.001 -threshold 50%",
	}
	night := func(n int, want string, extra ...string) {
		t.Helper()
		code, out := script(t, "nightly.sh", append(append(env, "ZBENCH_WORK="+filepath.Join(dir, "night", strconv.Itoa(n))), extra...))
		if code != 0 {
			t.Fatalf("night %d: exit %d\n%s", n, code, out)
		}
		if !strings.Contains(out, want) {
			t.Errorf("night %d: the job does not say %q:\n%s", n, want, out)
		}
	}
	night(1, "nightly: baseline; published")
	night(2, "nightly: good; published")
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
	// The third night in two shards, then joined.
	var parts []string
	for i := range 2 {
		shard := fmt.Sprintf("%d/2", i)
		night(10+i, "shard "+shard+" measured", "ZBENCH_SHARD="+shard)
		parts = append(parts, filepath.Join(dir, "night", strconv.Itoa(10+i), "run"))
	}
	night(3, "nightly: good; published", "ZBENCH_PARTS="+strings.Join(parts, " "))

	index, _ := os.ReadFile(filepath.Join(dir, "publish", "index.tsv"))
	if n := strings.Count(string(index), "\n"); n != 3 {
		t.Errorf("index.tsv has %d lines, want 3:\n%s", n, index)
	}
	// The site lists the three nights, each with its report.
	page, err := os.ReadFile(filepath.Join(dir, "publish", "site", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(page), `<tr id="night-`); n != 3 {
		t.Errorf("the site's index lists %d nights, want 3", n)
	}
	reports := regexp.MustCompile(`href="(reports/[^"]+\.html)"`).FindAllStringSubmatch(string(page), -1)
	if len(reports) != 3 {
		t.Errorf("the site's index links %d reports, want 3", len(reports))
	}
	for _, r := range reports {
		if _, err := os.Stat(filepath.Join(dir, "publish", "site", r[1])); err != nil {
			t.Errorf("linked report: %v", err)
		}
	}
	if !strings.Contains(string(page), ">baseline<") || strings.Count(string(page), ">good<") != 2 {
		t.Errorf("the site's index does not show one baseline and two good nights")
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
	if !regexp.MustCompile(`(?m)^permissions: \{\}`).MatchString(text) {
		t.Errorf("permissions: want none by default")
	}
	// Only the job that pushes the history writes contents, and only the
	// Pages job deploys.
	for _, m := range regexp.MustCompile(`(?m)^\s*([a-z-]+):\s*write`).FindAllStringSubmatch(text, -1) {
		if m[1] != "contents" && m[1] != "pages" && m[1] != "id-token" {
			t.Errorf("permission %s: write, want none beyond contents (history push), pages and id-token (deploy)", m[1])
		}
	}
	if n := len(regexp.MustCompile(`(?m)^\s*contents:\s*write`).FindAllString(text, -1)); n > 1 {
		t.Errorf("%d jobs write contents, want only the one that pushes the history", n)
	}
}

// scripts/history-branch.sh keeps the store in a git branch: three jobs
// check the branch out; two add a night each at the same time, one on
// another architecture starting in the same second; the second push is
// refused, merged and pushed again. A fresh checkout holds every night.
func TestHistoryBranch(t *testing.T) {
	if testing.Short() {
		t.Skip("builds zbench and runs git (-short)")
	}
	for _, tool := range []string{"git", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not on PATH", tool)
		}
	}
	dir := t.TempDir()
	zb := filepath.Join(dir, "zbench")
	if out, err := exec.Command("go", "build", "-o", zb, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	remote := filepath.Join(dir, "remote.git")
	if out, err := exec.Command("git", "init", "-q", "--bare", remote).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	env := []string{"HISTORY_URL=" + remote, "ZBENCH=" + zb, "HISTORY_TRIES=3", "GIT_CONFIG_GLOBAL=/dev/null", "HISTORY_TOKEN=not-a-token"}
	branch := func(args ...string) string {
		t.Helper()
		code, out := script(t, "history-branch.sh", env, args...)
		if code != 0 {
			t.Fatalf("history-branch.sh %s: exit %d\n%s", strings.Join(args, " "), code, out)
		}
		return out
	}
	addNight := func(work string, day int, arch string) string {
		t.Helper()
		env := fakerun.Env(time.Date(2026, 1, 1+day, 3, 0, 0, 0, time.UTC))
		env.GOARCH = arch
		run := fakerun.Write(t, filepath.Join(dir, "runs", fmt.Sprint(day, arch)), env, fakerun.Matrix("go"), fakerun.Options{})
		st, err := history.Open(filepath.Join(work, "history"))
		if err != nil {
			t.Fatal(err)
		}
		e, err := st.Add(run, history.AddOptions{Status: history.Good})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(st.Path(e), "report.html"), []byte("report"), 0o644); err != nil {
			t.Fatal(err)
		}
		return e.Name
	}
	a := filepath.Join(dir, "a")
	if out := branch("checkout", a); !strings.Contains(out, "does not exist yet") {
		t.Errorf("first checkout: %s", out)
	}
	first := addNight(a, 0, "amd64")
	branch("push", a)
	b, c := filepath.Join(dir, "b"), filepath.Join(dir, "c")
	branch("checkout", b)
	branch("checkout", c)
	second := addNight(b, 1, "amd64")
	third := addNight(c, 1, "arm64")
	if second != third {
		t.Fatalf("the test wants colliding night names, got %s and %s", second, third)
	}
	branch("push", b)
	if out := branch("push", c); !strings.Contains(out, "refused: merging") || !strings.Contains(out, "1 run(s) merged") {
		t.Errorf("the concurrent push did not merge:\n%s", out)
	}
	if out := branch("push", c); !strings.Contains(out, "nothing to push") {
		t.Errorf("pushing again: %s", out)
	}
	d := filepath.Join(dir, "d")
	branch("checkout", d)
	st, err := history.Open(filepath.Join(d, "history"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range st.Entries() {
		names = append(names, e.Name)
		for _, f := range []string{"samples.jsonl", "report.html"} {
			if _, err := os.Stat(filepath.Join(st.Path(e), f)); err != nil {
				t.Errorf("night %s: %v", e.Name, err)
			}
		}
	}
	want := []string{first, second, second + "-2"}
	if !slices.Equal(names, want) {
		t.Errorf("the branch holds nights %v, want %v", names, want)
	}
	if len(st.Machines()) != 2 {
		t.Errorf("machines %v, want amd64 and arm64", st.Machines())
	}
	if cfg, _ := os.ReadFile(filepath.Join(c, ".git", "config")); strings.Contains(string(cfg), "extraheader") {
		t.Error("the token's header was written to .git/config")
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
