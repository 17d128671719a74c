package results_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"zbench/internal/fakerun"
	"zbench/internal/flock"
	"zbench/results"
)

// Issue 15 item 4: two writers of one run directory used to both succeed
// (one run's records lost, or duplicate cells with -resume). The second
// now fails, naming the first; after Close the directory is free again.
func TestRunDirOneWriter(t *testing.T) {
	dir := t.TempDir()
	rd, err := results.Create(dir, fakerun.Env(t0), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, resume := range []bool{false, true} {
		_, err := results.Create(dir, fakerun.Env(t0), resume)
		if !errors.Is(err, results.ErrRunLocked) || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) {
			t.Errorf("second writer (resume %v): err = %v, want results.ErrRunLocked naming pid %d", resume, err, os.Getpid())
		}
	}
	part := fakerun.Write(t, filepath.Join(t.TempDir(), "p"), fakerun.Env(t0), fakerun.Matrix("go")[:2], fakerun.Options{Seed: 1})
	if _, err := results.Merge(dir, []string{part}, results.MergeOptions{}); !errors.Is(err, results.ErrRunLocked) && !errors.Is(err, results.ErrRunExists) {
		t.Errorf("merge into a directory being written: err = %v", err)
	}
	if err := rd.Close(); err != nil {
		t.Fatal(err)
	}
	rd, err = results.Create(dir, fakerun.Env(t0), true)
	if err != nil {
		t.Fatalf("resume after the first writer closed: %v", err)
	}
	rd.Close()
	if _, err := os.Stat(filepath.Join(dir, results.LockFile)); err == nil {
		t.Errorf("the lock file stays after Close")
	}
	if _, _, err := results.Load(dir); err != nil {
		t.Errorf("Load with a lock file in the directory: %v", err)
	}
}

// Two merges into one new directory: the second waits for nothing and
// fails, naming the first, instead of both writing.
func TestMergeLocked(t *testing.T) {
	part := fakerun.Write(t, filepath.Join(t.TempDir(), "p"), fakerun.Env(t0), fakerun.Matrix("go")[:2], fakerun.Options{Seed: 1})
	dst := filepath.Join(t.TempDir(), "merged")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	// another merge, in the middle of writing
	unlock, err := flock.TryLock(filepath.Join(dst, results.LockFile), flock.Holder{PID: 99999, Command: "zbench merge -o merged"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = results.Merge(dst, []string{part}, results.MergeOptions{})
	if !errors.Is(err, results.ErrRunLocked) {
		t.Errorf("merge into a locked directory: err = %v, want results.ErrRunLocked", err)
	}
	unlock()
	if _, err := results.Merge(dst, []string{part}, results.MergeOptions{}); err != nil {
		t.Errorf("merge after the lock was released: %v", err)
	}
}
