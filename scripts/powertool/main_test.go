package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"zbench/compare"
	"zbench/internal/fakerun"
	"zbench/results"
)

// slow makes one cell's samples slower and leaves the rest as measured, in
// samples.jsonl and results.txt alike; cells lists the codec cells; tally
// counts what compare flagged.
func TestSlowCellsTally(t *testing.T) {
	dir := t.TempDir()
	m := fakerun.Matrix("go")
	src := fakerun.Write(t, filepath.Join(dir, "run"), fakerun.Env(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)), m, fakerun.Options{Seed: 1})
	name := m[5].Key.String()

	var out bytes.Buffer
	if err := run([]string{"cells", src}, &out); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != len(m)-1 || lines[4] != name {
		t.Fatalf("cells: %d lines, the fifth %q; want %d, the fifth %s", len(lines), lines[4], len(m)-1, name)
	}

	dst := filepath.Join(dir, "slow")
	if err := run([]string{"slow", "-cell", name, "-by", "0.25", "-o", dst, src}, &out); err != nil {
		t.Fatal(err)
	}
	_, before, err := results.Load(src)
	if err != nil {
		t.Fatal(err)
	}
	_, after, err := results.Load(dst)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("%d records, want %d", len(after), len(before))
	}
	for i := range before {
		want := 1.0
		if before[i].Key().String() == name {
			want = 1.25
		}
		if f := float64(after[i].WallNS) / float64(before[i].WallNS); math.Abs(f-want) > 1e-6 {
			t.Errorf("record %d (%s): wall time × %.4f, want × %.2f", i, before[i].Key(), f, want)
		}
		if f := float64(after[i].CPUNS) / float64(before[i].CPUNS); math.Abs(f-want) > 1e-6 {
			t.Errorf("record %d: CPU time × %.4f, want × %.2f", i, f, want)
		}
	}
	// results.txt says the same as samples.jsonl.
	fromDir, err := compare.Load(dst)
	if err != nil {
		t.Fatal(err)
	}
	fromText, err := compare.Load(filepath.Join(dst, results.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	k := m[5].Key
	if a, b := fromDir.Cell(k).Values["MB/s"], fromText.Cell(k).Values["MB/s"]; len(a) != len(b) || math.Abs(a[0]/b[0]-1) > 1e-5 {
		t.Errorf("MB/s from samples.jsonl %v, from results.txt %v", a, b)
	}

	base, err := compare.Load(src)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := compare.Compare(base, fromDir, compare.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	js := filepath.Join(dir, "cmp.json")
	f, err := os.Create(js)
	if err != nil {
		t.Fatal(err)
	}
	if err := compare.WriteJSON(f, rep); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-cell", name}, "1 1 0 12"},
		{[]string{"-codec", "gzip-std"}, "1 5 0 8"}, // gzip-std decodes the blob and two outputs, and encodes at two levels
		{nil, "0 0 1 13"},
	} {
		out.Reset()
		if err := run(append(append([]string{"tally"}, tc.args...), js), &out); err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(out.String()); got != tc.want {
			t.Errorf("tally %v = %q, want %q", tc.args, got, tc.want)
		}
	}
	if err := run([]string{"slow", "-cell", "Encode/layer=go/codec=none/threads=1", "-by", "0.1", "-o", filepath.Join(dir, "x"), src}, &out); err == nil {
		t.Error("slowing a cell the run lacks: no error")
	}
}
