package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"zbench/internal/fakerun"
	"zbench/results"
)

// A results.txt with a NaN throughput made compare grow until the kernel
// killed it; now it is an input error naming the file and line.
func TestCompareRefusesNaN(t *testing.T) {
	dir := t.TempDir()
	m := fakerun.Matrix("go")
	base := fakeRun(t, dir, 0, m, fakerun.Options{Seed: 1})
	newRun := fakeRun(t, dir, 1, m, fakerun.Options{Seed: 2})
	path := filepath.Join(newRun, results.ResultsFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	n := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "BenchmarkEncode/") {
			f := strings.Fields(l)
			for j := range f {
				if f[j] == "MB/s" {
					f[j-1] = "NaN"
				}
			}
			lines[i], n = strings.Join(f, " "), i+1
			break
		}
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := zbCmd(t, "compare", filepath.Join(base, results.ResultsFile), path)
	if code != 2 {
		t.Errorf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if want := path + ":" + strconv.Itoa(n) + ": MB/s: NaN is not a finite number"; !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
}
