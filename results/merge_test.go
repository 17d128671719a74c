package results_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"zbench/internal/fakerun"
	"zbench/results"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func shardEnv(i, n int, start time.Time) results.Env {
	e := fakerun.Env(start)
	e.Extra[results.ExtraShard] = strings.Join([]string{itoa(i), itoa(n)}, "/")
	return e
}

func itoa(i int) string { return string(rune('0' + i)) }

func TestMergeShards(t *testing.T) {
	dir := t.TempDir()
	m := fakerun.Matrix("go")
	// Three disjoint parts, the last started first.
	parts := []string{
		fakerun.Write(t, filepath.Join(dir, "p0"), shardEnv(0, 3, t0.Add(time.Minute)), m[:5], fakerun.Options{Seed: 1}),
		fakerun.Write(t, filepath.Join(dir, "p1"), shardEnv(1, 3, t0.Add(2*time.Minute)), m[5:9], fakerun.Options{Seed: 2}),
		fakerun.Write(t, filepath.Join(dir, "p2"), shardEnv(2, 3, t0), m[9:], fakerun.Options{Seed: 3}),
	}
	out := filepath.Join(dir, "merged")
	warns, err := results.Merge(out, parts, results.MergeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings: %v", warns)
	}
	env, recs, err := results.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if !env.Start.Equal(t0) {
		t.Errorf("merged start %v, want the earliest part's %v", env.Start, t0)
	}
	if _, ok := env.Extra[results.ExtraShard]; ok || env.Extra[results.ExtraParts] != "3" {
		t.Errorf("merged Extra %v: want no shard and parts=3", env.Extra)
	}
	var keys []results.CellKey
	for _, r := range recs {
		if k := r.Key(); !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
		if r.Of != 10 {
			t.Errorf("%s: Of = %d, want 10", r.Key(), r.Of)
		}
	}
	if len(keys) != len(m) {
		t.Errorf("merged %d cells, want %d", len(keys), len(m))
	}
	// results.txt is whole and benchfmt reads every sample back.
	res, _, err := results.ReadResults(filepath.Join(out, results.ResultsFile))
	if err != nil || len(res) != 10*len(m) {
		t.Errorf("results.txt: %d results, %v; want %d", len(res), err, 10*len(m))
	}

	// A missing shard is said.
	warns, err = results.Merge(filepath.Join(dir, "partial"), parts[:2], results.MergeOptions{})
	if err != nil || len(warns) != 1 || !strings.Contains(warns[0].Error(), "2/3") {
		t.Errorf("two of three shards: warnings %v, err %v; want one naming shard 2/3", warns, err)
	}
	// The destination must be new.
	if _, err := results.Merge(out, parts, results.MergeOptions{}); !errors.Is(err, results.ErrRunExists) {
		t.Errorf("merging into a run: err = %v, want ErrRunExists", err)
	}
}

func TestMergePoolsRounds(t *testing.T) {
	dir := t.TempDir()
	m := fakerun.Matrix("go")
	var rounds []string
	for i := range 3 {
		rounds = append(rounds, fakerun.Write(t, filepath.Join(dir, "r"+itoa(i)), fakerun.Env(t0.Add(time.Duration(i)*time.Hour)), m, fakerun.Options{Seed: uint64(i), Count: 2}))
	}
	if _, err := results.Merge(filepath.Join(dir, "x"), rounds, results.MergeOptions{}); !errors.Is(err, results.ErrIncompatibleParts) {
		t.Fatalf("rounds without -pool: err = %v, want ErrIncompatibleParts", err)
	}
	out := filepath.Join(dir, "pooled")
	if _, err := results.Merge(out, rounds, results.MergeOptions{Pool: true}); err != nil {
		t.Fatal(err)
	}
	_, recs, err := results.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 6*len(m) {
		t.Fatalf("pooled %d records, want %d", len(recs), 6*len(m))
	}
	for i, r := range recs[:6] {
		if r.Sample != i || r.Of != 6 {
			t.Errorf("record %d: sample %d of %d, want %d of 6", i, r.Sample, r.Of, i)
		}
	}
}

func TestMergeRefusesMismatches(t *testing.T) {
	dir := t.TempDir()
	m := fakerun.Matrix("go")
	a := fakerun.Write(t, filepath.Join(dir, "a"), fakerun.Env(t0), m[:5], fakerun.Options{})
	other := fakerun.Env(t0)
	other.Modules = map[string]string{"github.com/klauspost/compress": "v1.18.0"}
	b := fakerun.Write(t, filepath.Join(dir, "b"), other, m[5:], fakerun.Options{})
	c := fakerun.Write(t, filepath.Join(dir, "c"), fakerun.Env(t0), m[5:], fakerun.Options{Digest: fakerun.Digest("ee")})
	kernel := fakerun.Env(t0)
	kernel.Kernel = "6.2.0"
	d := fakerun.Write(t, filepath.Join(dir, "d"), kernel, m[5:], fakerun.Options{})

	if _, err := results.Merge(filepath.Join(dir, "ab"), []string{a, b}, results.MergeOptions{}); !errors.Is(err, results.ErrIncompatibleParts) || !strings.Contains(err.Error(), "klauspost") {
		t.Errorf("different builds: err = %v, want ErrIncompatibleParts naming the module", err)
	}
	if _, err := results.Merge(filepath.Join(dir, "ac"), []string{a, c}, results.MergeOptions{}); !errors.Is(err, results.ErrIncompatibleParts) || !strings.Contains(err.Error(), `layer "go"`) {
		t.Errorf("different layers: err = %v, want ErrIncompatibleParts naming the layer", err)
	}
	warns, err := results.Merge(filepath.Join(dir, "ad"), []string{a, d}, results.MergeOptions{})
	if err != nil || len(warns) != 1 {
		t.Errorf("different kernels: warnings %v, err %v; want one warning", warns, err)
	}
	for _, name := range []string{"ab", "ac"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("a failed merge left %s behind", name)
		}
	}
}
