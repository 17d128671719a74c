package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zbench/history"
	"zbench/internal/fakerun"
)

// A truncated index.json no longer stops `zbench history`: the index is
// rebuilt from runs/ with a warning on stderr.
func TestHistoryTruncatedIndex(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	run := fakeRun(t, dir, 0, fakerun.Matrix("go"), fakerun.Options{Seed: 1})
	if code, _, stderr := zbCmd(t, "history", "add", "-store", store, "-status", "baseline", run); code != 0 {
		t.Fatalf("history add: exit %d\n%s", code, stderr)
	}
	path := filepath.Join(store, history.IndexFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b[:len(b)/3], 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := zbCmd(t, "history", "list", "-store", store)
	if code != 0 || !strings.Contains(stdout, "baseline") || !strings.Contains(stderr, "rebuilt the index") {
		t.Errorf("history list on a truncated index: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}
