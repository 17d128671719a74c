package plots

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"zbench/results"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// checkGolden compares v, as indented JSON with numbers rounded to 6
// significant digits, with testdata/golden/name.json. On a mismatch it
// writes what it got to name.got-json next to it; with -update it rewrites
// the golden file.
func checkGolden(t *testing.T, name string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var generic any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&generic); err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(roundNumbers(generic), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "golden", name+".json")
	gotPath := filepath.Join("testdata", "golden", name+".got-json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		os.Remove(gotPath)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./plots -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		if err := os.WriteFile(gotPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Errorf("%s differs from %s: diff %s %s; if the change is right, rerun with -update", name, path, path, gotPath)
		return
	}
	os.Remove(gotPath)
}

// roundNumbers rounds every number to 6 significant digits, so that the
// last bits of floating point (which may differ between architectures
// that fuse multiply and add) do not change a golden file.
func roundNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = roundNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = roundNumbers(e)
		}
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, err := x.Float64()
		if err != nil || f == 0 || math.IsInf(f, 0) {
			return x
		}
		r, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 6, 64), 64)
		return r
	}
	return v
}

// goldenRuns loads the two synthetic runs every golden test is built on.
func goldenRuns(t *testing.T) *Data {
	t.Helper()
	runs, err := LoadRuns(synthDirs(t, true), []string{"base", "new"})
	if err != nil {
		t.Fatal(err)
	}
	return Summarize(runs)
}

// TestChartDataGolden checks what each chart and the summary tables are
// built from, not the bytes of the drawings.
func TestChartDataGolden(t *testing.T) {
	d := goldenRuns(t)
	type runSummary struct {
		Label      string       `json:"label"`
		Layers     []Layer      `json:"layers"`
		Corpus     []*Aggregate `json:"corpus"`
		Failures   []Failure    `json:"failures"`
		Partial    []string     `json:"partial"`
		MinSamples int          `json:"min_samples"`
		MaxSamples int          `json:"max_samples"`
	}
	var sum []runSummary
	for _, r := range d.Runs {
		sum = append(sum, runSummary{r.Label, r.Layers, r.Corpus, r.Failures, r.Partial, r.MinSamples, r.MaxSamples})
	}
	checkGolden(t, "summary", sum)
	checkGolden(t, "tradeoff-corpus", d.Tradeoff(""))
	checkGolden(t, "tradeoff-layer", d.Tradeoff(xssLayer))
	checkGolden(t, "decode-gzip", d.Decode("gzip"))
	checkGolden(t, "decode-zstd", d.Decode("zstd"))
	checkGolden(t, "cpu-encode", d.CPU(results.OpEncode))
	checkGolden(t, "cpu-decode", d.CPU(results.OpDecode))
	checkGolden(t, "levels", d.Levels())
	checkGolden(t, "interop", d.Interop())
	checkGolden(t, "compare", d.Compare())
	// One layer's cells, as the per-layer table shows them.
	var cells []*Cell
	for _, c := range layerCells(d.Runs[0], "alpine-3.20") {
		cells = append(cells, c)
	}
	checkGolden(t, "cells-alpine", cells)
}
