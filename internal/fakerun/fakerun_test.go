package fakerun

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"zbench/results"
)

// Write makes the same files as results.Create and WriteCell.
func TestWriteMatchesRunDir(t *testing.T) {
	dir := t.TempDir()
	env := Env(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	cells := With(Matrix("go"), "Encode/layer=go/codec=gzip-std/level=6/threads=1", func(c *Cell) { c.Err = "broken" })
	a := Write(t, filepath.Join(dir, "a"), env, cells, Options{Seed: 3})
	b := WriteSynced(t, filepath.Join(dir, "b"), env, cells, Options{Seed: 3})
	for _, name := range []string{results.ResultsFile, results.SamplesFile, results.EnvFile} {
		fa, err := os.ReadFile(filepath.Join(a, name))
		if err != nil {
			t.Fatal(err)
		}
		fb, err := os.ReadFile(filepath.Join(b, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == results.EnvFile {
			fa, fb = bytes.TrimSpace(fa), bytes.TrimSpace(fb)
		}
		if !bytes.Equal(fa, fb) {
			t.Errorf("%s differs between Write and results.Create/WriteCell:\n%s\n---\n%s", name, fa, fb)
		}
	}
}
