package history

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zbench/compare"
	"zbench/internal/fakerun"
)

// FuzzOpenIndex reads any bytes as a store's index.json, next to one good
// run under runs/: Open never panics, and what it opens names only runs
// under runs/ (a bad name is an error, a corrupt index is rebuilt).
func FuzzOpenIndex(f *testing.F) {
	dir := f.TempDir()
	st, err := Open(filepath.Join(dir, "store"))
	if err != nil {
		f.Fatal(err)
	}
	run := fakerun.Write(f, filepath.Join(dir, "run"), fakerun.Env(t0), fakerun.Matrix("go"), fakerun.Options{Count: 2})
	if _, err := st.Add(run, AddOptions{Status: Baseline, Compare: &compare.Report{}}); err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(filepath.Join(st.Dir, IndexFile))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte(`{"runs": [{"name": "../../x", "status": "good"}]}`))
	f.Add([]byte(`{"runs": 5}`))
	f.Add([]byte{})
	runs := filepath.Join(st.Dir, RunsDir)
	f.Fuzz(func(t *testing.T, b []byte) {
		// Each input gets its own store sharing the run (a symlink), so
		// that nothing one input does is seen by the next.
		sd := t.TempDir()
		if err := os.Symlink(runs, filepath.Join(sd, RunsDir)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sd, IndexFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := Open(sd)
		if err != nil {
			return
		}
		for _, e := range s.Entries() {
			if err := CheckName(e.Name); err != nil {
				t.Fatalf("opened an entry named %q: %v", e.Name, err)
			}
			rel, err := filepath.Rel(filepath.Join(sd, RunsDir), s.Path(e))
			if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || strings.ContainsRune(rel, filepath.Separator) {
				t.Fatalf("entry %q resolves to %s, outside runs/", e.Name, s.Path(e))
			}
		}
		s.Machines()
		if _, err := s.Load(""); err != nil {
			return
		}
	})
}
