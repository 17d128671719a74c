package compare

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"zbench/internal/fakerun"
	"zbench/results"
)

// FuzzCompareLoad feeds any two results files to compare's loader and
// Compare: nothing panics or hangs (a NaN made x/perf's U test loop for
// ever), and a report is written for whatever loads.
func FuzzCompareLoad(f *testing.F) {
	dir := f.TempDir()
	m := fakerun.Matrix("go")
	base := fakerun.Write(f, filepath.Join(dir, "base"), fakerun.Env(t0), m, fakerun.Options{Seed: 1, Count: 3})
	slow := fakerun.Write(f, filepath.Join(dir, "slow"), fakerun.Env(t0), fakerun.With(m, slowCell, func(c *fakerun.Cell) { c.MBps *= 0.8 }), fakerun.Options{Seed: 2, Count: 3})
	b, err := os.ReadFile(filepath.Join(base, results.ResultsFile))
	if err != nil {
		f.Fatal(err)
	}
	s, err := os.ReadFile(filepath.Join(slow, results.ResultsFile))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b, s)
	f.Add(b, b)
	f.Add(b, s[:len(s)/2])
	f.Fuzz(func(t *testing.T, base, new []byte) {
		dir := t.TempDir()
		pb, pn := filepath.Join(dir, "base.txt"), filepath.Join(dir, "new.txt")
		if err := os.WriteFile(pb, base, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(pn, new, 0o644); err != nil {
			t.Fatal(err)
		}
		rb, err := Load(pb)
		if err != nil {
			return
		}
		rn, err := Load(pn)
		if err != nil {
			return
		}
		rep, err := Compare(rb, rn, DefaultOptions())
		if err != nil {
			return
		}
		if err := WriteText(io.Discard, rep); err != nil {
			t.Fatal(err)
		}
		if err := WriteJSON(io.Discard, rep); err != nil {
			t.Fatal(err)
		}
	})
}
