package results

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Seeds of the fuzz targets live in testdata/fuzz/FuzzX/ too: the cases of
// issue 15 (a NaN, infinities, a truncated file, absurd counts).

// checkRun asserts what ReadRun promises of any run it returns: values
// that are finite and not negative (at most MaxValue when read from
// results.txt; values derived from samples.jsonl's counts may be larger),
// and a run within the limits.
func checkRun(t *testing.T, r *Run) {
	t.Helper()
	if len(r.Cells) > MaxCells {
		t.Fatalf("%d cells, more than MaxCells", len(r.Cells))
	}
	for _, c := range r.Cells {
		if c.Samples() > MaxCellSamples {
			t.Fatalf("cell %s: %d samples", c.Key, c.Samples())
		}
		for unit, vs := range c.Values {
			for _, v := range vs {
				if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || (r.Records == nil && v > MaxValue) {
					t.Fatalf("cell %s: %s %v", c.Key, unit, v)
				}
			}
		}
		c.Summary(unitMBPerSec) // must not panic or hang
	}
}

// readRunOf writes files into a new run directory and reads it back.
func readRunOf(t *testing.T, files map[string][]byte) (*Run, error) {
	t.Helper()
	dir := t.TempDir()
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return ReadRun(dir)
}

// FuzzReadResults reads any bytes as a results.txt (a directory holding
// only results.txt): ReadRun never panics, and what it returns holds only
// finite, sane values.
func FuzzReadResults(f *testing.F) {
	f.Add([]byte(header + goodLine))
	f.Add([]byte(header + goodLine + "BenchmarkEncode/layer=go/codec=gzip-std/level=6/threads=1-2 1 3e+08 ns/op NaN MB/s\n"))
	f.Add([]byte(header + "--- FAIL: BenchmarkEncode/layer=go/codec=zstd-cgo/level=3/threads=1-2: decode mismatch\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := readRunOf(t, map[string][]byte{ResultsFile: b})
		if err != nil {
			return // refused: ErrNotRun, ErrInvalid, ErrIncompatible, a line too long
		}
		checkRun(t, r)
	})
}

// fuzzEnv is an env.json for the samples.jsonl fuzz target.
var fuzzEnv = func() []byte {
	b, _ := json.Marshal(Env{CPU: "Test CPU", Cores: 2, GOMAXPROCS: 2, GOOS: "linux", GOARCH: "amd64", Start: time.Unix(0, 0).UTC()})
	return b
}()

// fuzzSamples is one valid samples.jsonl line.
const fuzzSamples = `{"op":"encode","layer":"go","codec":"gzip-std","level":"6","threads":1,"sample":0,"of":1,"iters":1,"wall_ns":300000000,"cpu_ns":300000000,"raw_bytes":100000000,"compressed_bytes":40000000,"alloc_bytes":800000,"allocs":12,"verified":true}` + "\n"

// FuzzReadSamples reads any bytes as samples.jsonl next to a valid
// env.json.
func FuzzReadSamples(f *testing.F) {
	f.Add([]byte(fuzzSamples))
	f.Add([]byte(fuzzSamples + fuzzSamples[:40]))
	f.Add([]byte(`{"op":"encode","layer":"go","codec":"c","threads":1,"iters":1,"wall_ns":0,"raw_bytes":5}` + "\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := readRunOf(t, map[string][]byte{EnvFile: fuzzEnv, SamplesFile: b})
		if err != nil {
			return
		}
		checkRun(t, r)
		for _, c := range r.Cells {
			for _, u := range []string{unitNSPerOp, unitMBPerSec, UnitCPUSecPerGB} {
				for _, v := range c.Exact(u) {
					if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
						t.Fatalf("cell %s: exact %s %v", c.Key, u, v)
					}
				}
			}
		}
	})
}

// FuzzReadEnv reads any bytes as env.json next to a valid samples.jsonl.
func FuzzReadEnv(f *testing.F) {
	f.Add(fuzzEnv)
	f.Add(fuzzEnv[:len(fuzzEnv)/2])
	f.Add([]byte(`{"cores": -1, "gomaxprocs": 1e9}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := readRunOf(t, map[string][]byte{EnvFile: b, SamplesFile: []byte(fuzzSamples)})
		if err != nil {
			return
		}
		if r.Env == nil || r.Env.Cores < 0 || r.Env.GOMAXPROCS < 0 {
			t.Fatalf("env %+v", r.Env)
		}
		_ = r.Machine()
		checkRun(t, r)
	})
}
