package compare

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"zbench/internal/fakerun"
	"zbench/results"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

const (
	slowCell = "Encode/layer=go/codec=gzip-std/level=6/threads=1"
	zstdFast = "Encode/layer=go/codec=zstd-klauspost/level=fastest/threads=1"
)

// pair writes two runs and loads them.
func pair(t *testing.T, base, new []fakerun.Cell, ob, on fakerun.Options, envNew func(*results.Env)) (*Run, *Run) {
	t.Helper()
	dir := t.TempDir()
	eb, en := fakerun.Env(t0), fakerun.Env(t0.Add(24*time.Hour))
	if envNew != nil {
		envNew(&en)
	}
	fakerun.Write(t, filepath.Join(dir, "base"), eb, base, ob)
	fakerun.Write(t, filepath.Join(dir, "new"), en, new, on)
	rb, err := Load(filepath.Join(dir, "base"))
	if err != nil {
		t.Fatal(err)
	}
	rn, err := Load(filepath.Join(dir, "new"))
	if err != nil {
		t.Fatal(err)
	}
	return rb, rn
}

func mustCompare(t *testing.T, b, n *Run, opt Options) *Report {
	t.Helper()
	rep, err := Compare(b, n, opt)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestIdenticalRunsPass(t *testing.T) {
	m := fakerun.Matrix("go")
	b, n := pair(t, m, m, fakerun.Options{Seed: 1}, fakerun.Options{Seed: 1}, nil)
	rep := mustCompare(t, b, n, DefaultOptions())
	if rep.Regressed() {
		t.Fatalf("identical runs regressed: %v", rep.Regressions)
	}
	if len(rep.Cells) != len(m) {
		t.Errorf("compared %d cells, want %d", len(rep.Cells), len(m))
	}
	for _, c := range rep.Cells {
		for _, mr := range c.Metrics {
			if mr.Verdict != NoChange && mr.Verdict != Same {
				t.Errorf("%s %s: verdict %q, want ~ or same", c.Cell, mr.Unit, mr.Verdict)
			}
		}
	}
}

// Two runs of the same distribution with different noise: the A/A case.
func TestSameDistributionPasses(t *testing.T) {
	m := fakerun.Matrix("go")
	for seed := range uint64(5) {
		b, n := pair(t, m, m, fakerun.Options{Seed: seed, Noise: 0.03}, fakerun.Options{Seed: seed + 100, Noise: 0.03}, nil)
		if rep := mustCompare(t, b, n, DefaultOptions()); rep.Regressed() {
			t.Errorf("seed %d: same distribution regressed: %v", seed, rep.Regressions)
		}
	}
}

func TestSlowdownFailsNamingTheCell(t *testing.T) {
	m := fakerun.Matrix("go")
	slow := fakerun.With(m, slowCell, func(c *fakerun.Cell) { c.MBps *= 0.8 })
	b, n := pair(t, m, slow, fakerun.Options{Seed: 1}, fakerun.Options{Seed: 2}, nil)
	rep := mustCompare(t, b, n, DefaultOptions())
	if !slices.Equal(rep.Regressions, []string{slowCell}) {
		t.Fatalf("regressions = %v, want [%s]", rep.Regressions, slowCell)
	}
	for _, c := range rep.Cells {
		if c.Cell != slowCell {
			continue
		}
		mr := metric(t, c, "MB/s")
		if mr.Verdict != Regressed || float64(mr.Delta) > -0.15 || float64(mr.P) >= 0.05 {
			t.Errorf("MB/s: verdict %s delta %v p %v, want REGRESSED about -20%% with p < 0.05", mr.Verdict, mr.Delta, mr.P)
		}
		// CPU per GB grows with the time taken.
		if mr := metric(t, c, "cpu-sec/GB"); mr.Verdict != Regressed {
			t.Errorf("cpu-sec/GB: verdict %s, want REGRESSED", mr.Verdict)
		}
	}
	var out bytes.Buffer
	if err := WriteText(&out, rep); err != nil {
		t.Fatal(err)
	}
	last := lastLine(out.String())
	if !strings.HasPrefix(last, "REGRESSED: 1 of") || !strings.Contains(last, slowCell) {
		t.Errorf("last line %q does not name the regressed cell", last)
	}

	// Within the threshold it is only worse.
	opt := DefaultOptions()
	opt.Threshold = 0.30
	if rep := mustCompare(t, b, n, opt); rep.Regressed() {
		t.Errorf("threshold 30%%: a 20%% slowdown regressed")
	}
	// Not gated: reported, not counted.
	opt = DefaultOptions()
	opt.Gate = []string{"B/op"}
	if rep := mustCompare(t, b, n, opt); rep.Regressed() {
		t.Errorf("gate B/op only: a slowdown regressed")
	}
	// A speed-up is better, not a regression.
	rep = mustCompare(t, n, b, DefaultOptions())
	if rep.Regressed() {
		t.Errorf("a 25%% speed-up regressed: %v", rep.Regressions)
	}
	for _, c := range rep.Cells {
		if c.Cell == slowCell && c.Verdict != Better {
			t.Errorf("speed-up verdict %s, want better", c.Verdict)
		}
	}
}

func TestSizeChangeFails(t *testing.T) {
	m := fakerun.Matrix("go")
	bigger := fakerun.With(m, zstdFast, func(c *fakerun.Cell) { c.Comp += 17 })
	// The decoders of that output read the bigger stream too.
	for i, c := range bigger {
		if c.Key.Op == results.OpDecode && c.Key.From == "zstd-klauspost" && c.Key.Level == "fastest" {
			bigger[i].Comp += 17
		}
	}
	b, n := pair(t, m, bigger, fakerun.Options{Seed: 1}, fakerun.Options{Seed: 1}, nil)
	rep := mustCompare(t, b, n, DefaultOptions())
	if !slices.Equal(rep.Regressions, []string{zstdFast}) {
		t.Fatalf("regressions = %v, want only the encode cell %s", rep.Regressions, zstdFast)
	}
	for _, c := range rep.Cells {
		switch {
		case c.Cell == zstdFast:
			if mr := metric(t, c, "compressed-B"); mr.Verdict != Changed || !mr.Regressed {
				t.Errorf("encode size: %+v, want changed and regressed", mr)
			}
			// ratio has 6 significant digits: 17 bytes in 40 MB do not show.
			if mr := metric(t, c, "ratio"); mr.Verdict != Same || mr.Regressed {
				t.Errorf("encode ratio: verdict %s, want same", mr.Verdict)
			}
		case c.Key.Op == results.OpDecode && c.Key.From == "zstd-klauspost" && c.Key.Level == "fastest":
			if mr := metric(t, c, "compressed-B"); mr.Verdict != Changed || mr.Regressed {
				t.Errorf("decode of the changed output: %+v, want changed, counted on the encoder", mr)
			}
		}
	}
	opt := DefaultOptions()
	opt.AllowSizeChange = true
	if rep := mustCompare(t, b, n, opt); rep.Regressed() {
		t.Errorf("-allow-size-change: regressed %v", rep.Regressions)
	}
}

func TestDifferentCorpora(t *testing.T) {
	m := fakerun.Matrix("go")
	for _, tc := range []struct {
		name   string
		ob, on fakerun.Options
		new    []fakerun.Cell
	}{
		{"digest", fakerun.Options{}, fakerun.Options{Digest: fakerun.Digest("ef")}, m},
		{"diffID", fakerun.Options{}, fakerun.Options{DiffID: fakerun.Digest("ef")}, m},
		{"no cell in common", fakerun.Options{}, fakerun.Options{}, fakerun.Matrix("debian")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, n := pair(t, m, tc.new, tc.ob, tc.on, nil)
			_, err := Compare(b, n, DefaultOptions())
			if !errors.Is(err, ErrDifferentCorpus) {
				t.Fatalf("err = %v, want ErrDifferentCorpus", err)
			}
			if !strings.Contains(err.Error(), "different corpora") {
				t.Errorf("error %q does not say so plainly", err)
			}
		})
	}
}

// A run of another layer set shares some layers: the rest are listed.
func TestCellsInOneRunOnly(t *testing.T) {
	m := fakerun.Matrix("go")
	more := append(fakerun.Matrix("go"), fakerun.Cell{Key: results.CellKey{Op: results.OpEncode, Layer: "go", Codec: "zstd-cgo", Level: "3", Threads: 1}, MBps: 200, Comp: 1000})
	b, n := pair(t, m[1:], more, fakerun.Options{}, fakerun.Options{}, nil)
	rep := mustCompare(t, b, n, DefaultOptions())
	if rep.Regressed() || len(rep.OnlyNew) != 2 || len(rep.OnlyBase) != 0 {
		t.Errorf("regressed %v, only in new %v, only in base %v; want no regression, 2 cells only in new", rep.Regressions, rep.OnlyNew, rep.OnlyBase)
	}
}

func TestEnvironments(t *testing.T) {
	m := fakerun.Matrix("go")
	b, n := pair(t, m, m, fakerun.Options{Seed: 1}, fakerun.Options{Seed: 2}, func(e *results.Env) { e.GOARCH = "arm64" })
	if _, err := Compare(b, n, DefaultOptions()); !errors.Is(err, ErrIncompatible) || !strings.Contains(err.Error(), `goarch amd64 → arm64`) {
		t.Errorf("different goarch: err = %v, want ErrIncompatible naming goarch", err)
	}
	opt := DefaultOptions()
	opt.AllowEnv = true
	if rep := mustCompare(t, b, n, opt); len(rep.Warnings) == 0 {
		t.Errorf("-allow-env: no warning about the machines")
	}

	// A new module version is what a comparison is for: reported, no error.
	b, n = pair(t, m, m, fakerun.Options{Seed: 1}, fakerun.Options{Seed: 2}, func(e *results.Env) {
		e.Modules = map[string]string{"github.com/klauspost/compress": "v1.18.0"}
		e.Go = "go1.25.5"
		e.Extra["count"] = "20"
	})
	rep := mustCompare(t, b, n, DefaultOptions())
	want := []EnvChange{{"go", "go1.26.0", "go1.25.5"}, {"mod-github.com/klauspost/compress", "v1.20.4", "v1.18.0"}}
	if !slices.Equal(rep.Changes, want) {
		t.Errorf("changes = %v, want %v", rep.Changes, want)
	}
	if !slices.Equal(rep.Other, []EnvChange{{"count", "10", "20"}}) {
		t.Errorf("other = %v, want count", rep.Other)
	}
}

func TestFailures(t *testing.T) {
	m := fakerun.Matrix("go")
	name := "Decode/layer=go/codec=gzip-klauspost/from=gzip-std/level=1/threads=1"
	broken := fakerun.With(m, name, func(c *fakerun.Cell) { c.Err = "sha256 mismatch: got sha256:00" })
	b, n := pair(t, m, broken, fakerun.Options{}, fakerun.Options{}, nil)
	rep := mustCompare(t, b, n, DefaultOptions())
	if !slices.Equal(rep.Regressions, []string{name}) {
		t.Errorf("a cell failing in new: regressions %v, want [%s]", rep.Regressions, name)
	}
	rep = mustCompare(t, n, b, DefaultOptions())
	if rep.Regressed() {
		t.Errorf("a cell fixed in new: regressions %v", rep.Regressions)
	}
}

// A run directory and its results.txt give the same comparison.
func TestResultsFileMatchesRunDir(t *testing.T) {
	m := fakerun.Matrix("go")
	name := "Decode/layer=go/codec=gzip-klauspost/from=gzip-std/level=1/threads=1"
	broken := fakerun.With(m, name, func(c *fakerun.Cell) { c.Err = "sha256 mismatch: got sha256:00" })
	slow := fakerun.With(broken, slowCell, func(c *fakerun.Cell) { c.MBps *= 0.8 })
	b, n := pair(t, m, slow, fakerun.Options{Seed: 1}, fakerun.Options{Seed: 2}, nil)
	fromDirs := mustCompare(t, b, n, DefaultOptions())

	tb, err := Load(filepath.Join(b.Path, results.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	tn, err := Load(filepath.Join(n.Path, results.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	if tn.Cell(broken[len(broken)-1].Key) == nil {
		t.Fatal("results.txt: cells missing")
	}
	fromText := mustCompare(t, tb, tn, DefaultOptions())
	if !slices.Equal(fromText.Regressions, fromDirs.Regressions) {
		t.Errorf("results.txt regressions %v, run directories %v", fromText.Regressions, fromDirs.Regressions)
	}
	if len(fromText.Cells) != len(fromDirs.Cells) {
		t.Fatalf("results.txt: %d cells, run directories %d", len(fromText.Cells), len(fromDirs.Cells))
	}
	for i := range fromText.Cells {
		a, d := fromText.Cells[i], fromDirs.Cells[i]
		if a.Cell != d.Cell || a.Verdict != d.Verdict || len(a.Metrics) != len(d.Metrics) {
			t.Errorf("cell %d: results.txt %s %s, run directory %s %s", i, a.Cell, a.Verdict, d.Cell, d.Verdict)
			continue
		}
		for j := range a.Metrics {
			ma, md := a.Metrics[j], d.Metrics[j]
			if !sameNum(ma.P, md.P) || ma.Base.Median != md.Base.Median || ma.New.Median != md.New.Median {
				t.Errorf("%s %s: results.txt and run directory differ", a.Cell, a.Metrics[j].Unit)
			}
		}
	}

	// A results file of another corpus size is caught, without digests.
	other := filepath.Join(t.TempDir(), "other.txt")
	txt, err := os.ReadFile(filepath.Join(b.Path, results.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	txt = bytes.ReplaceAll(txt, []byte(" 3.8e+07 compressed-B"), []byte(" 3.9e+07 compressed-B"))
	if err := os.WriteFile(other, txt, 0o644); err != nil {
		t.Fatal(err)
	}
	to, err := Load(other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Compare(tb, to, DefaultOptions()); !errors.Is(err, ErrDifferentCorpus) {
		t.Errorf("results files with different published blob sizes: err = %v, want ErrDifferentCorpus", err)
	}
}

// The text and JSON reports of a slowdown, a size change and a failure.
func TestGolden(t *testing.T) {
	m := fakerun.Matrix("go")
	n := fakerun.With(m, slowCell, func(c *fakerun.Cell) { c.MBps *= 0.8 })
	n = fakerun.With(n, "Encode/layer=go/codec=gzip-std/level=1/threads=1", func(c *fakerun.Cell) { c.Comp += 100 })
	n = fakerun.With(n, "Decode/layer=go/codec=zstd-cgo/from=zstd-klauspost/level=default/threads=1", func(c *fakerun.Cell) { c.Err = "zstd: corrupt input" })
	b, nr := pair(t, m, n, fakerun.Options{Seed: 1}, fakerun.Options{Seed: 2}, func(e *results.Env) {
		e.Modules["github.com/klauspost/compress"] = "v1.21.0"
	})
	b.Path, nr.Path = "base", "new"
	rep := mustCompare(t, b, nr, DefaultOptions())
	var text bytes.Buffer
	if err := WriteText(&text, rep); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.txt", text.Bytes())

	var js bytes.Buffer
	if err := WriteJSON(&js, rep); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatalf("JSON does not read back: %v", err)
	}
	if !slices.Equal(back.Regressions, rep.Regressions) || len(back.Cells) != len(rep.Cells) {
		t.Errorf("JSON read back: regressions %v, %d cells; want %v, %d", back.Regressions, len(back.Cells), rep.Regressions, len(rep.Cells))
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gotPath := filepath.Join("testdata", ".got-"+name)
		os.WriteFile(gotPath, got, 0o644)
		t.Errorf("%s differs from %s; see %s (go test -update accepts it)", name, path, gotPath)
	}
}

func metric(t *testing.T, c CellResult, unit string) MetricResult {
	t.Helper()
	for _, mr := range c.Metrics {
		if mr.Unit == unit {
			return mr
		}
	}
	t.Fatalf("%s has no %s", c.Cell, unit)
	return MetricResult{}
}

func sameNum(a, b Num) bool { return a == b || a != a && b != b }

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// With Disjoint, a significant change whose intervals overlap is noise.
func TestDisjoint(t *testing.T) {
	m := fakerun.Matrix("go")
	slow := fakerun.With(m, slowCell, func(c *fakerun.Cell) { c.MBps *= 0.92 })
	// ±10% noise: an 8% slowdown is significant, but the intervals overlap.
	b, n := pair(t, m, slow, fakerun.Options{Seed: 1, Noise: 0.10}, fakerun.Options{Seed: 2, Noise: 0.10}, nil)
	opt := DefaultOptions()
	opt.Disjoint = false
	if rep := mustCompare(t, b, n, opt); !slices.Contains(rep.Regressions, slowCell) {
		t.Fatalf("without -disjoint: regressions %v, want the slowed cell among them", rep.Regressions)
	}
	opt.Disjoint = true
	if rep := mustCompare(t, b, n, opt); rep.Regressed() {
		t.Errorf("-disjoint: regressions %v, want none", rep.Regressions)
	}
	// A 20% slowdown with 1% noise still regresses.
	slow = fakerun.With(m, slowCell, func(c *fakerun.Cell) { c.MBps *= 0.8 })
	b, n = pair(t, m, slow, fakerun.Options{Seed: 1}, fakerun.Options{Seed: 2}, nil)
	if rep := mustCompare(t, b, n, opt); !slices.Equal(rep.Regressions, []string{slowCell}) {
		t.Errorf("-disjoint, 20%% slower: regressions %v, want the slowed cell", rep.Regressions)
	}
}

// every returns cells with f applied to each but memcpy.
func every(cells []fakerun.Cell, f func(*fakerun.Cell)) []fakerun.Cell {
	out := slices.Clone(cells)
	for i := range out {
		if out[i].Key.Op != results.OpMemcpy {
			f(&out[i])
		}
	}
	return out
}

// A machine 10% slower in NEW, same build: no cell regresses with
// Normalize, every one without it, and the shift is reported.
func TestMachineShift(t *testing.T) {
	m := fakerun.Matrix("go")
	slower := every(m, func(c *fakerun.Cell) { c.MBps *= 0.9 })
	b, n := pair(t, m, slower, fakerun.Options{Seed: 1}, fakerun.Options{Seed: 2}, nil)

	rep := mustCompare(t, b, n, DefaultOptions())
	if rep.Regressed() {
		t.Errorf("same build, machine 10%% slower: regressions %v, want none", rep.Regressions)
	}
	var sh Shift
	for _, s := range rep.Shifts {
		if s.Unit == "MB/s" {
			sh = s
		}
	}
	if !sh.Applied || sh.Factor < 0.88 || sh.Factor > 0.92 || sh.Regressed || sh.Cells != len(m)-1 {
		t.Errorf("MB/s shift %+v, want applied, about 0.9, not regressed, over %d cells", sh, len(m)-1)
	}
	var out bytes.Buffer
	if err := WriteText(&out, rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "machine shift: MB/s -10") {
		t.Errorf("text does not report the shift:\n%s", out.String())
	}

	opt := DefaultOptions()
	opt.Normalize = false
	if rep := mustCompare(t, b, n, opt); len(rep.Regressions) < len(m)-1 {
		t.Errorf("-normalize=false: %d regressions, want every codec cell (%d)", len(rep.Regressions), len(m)-1)
	}

	// One cell 20% slower on top of the machine: it alone regresses, by
	// about 20% relative to the run.
	slower = fakerun.With(slower, slowCell, func(c *fakerun.Cell) { c.MBps *= 0.8 })
	b, n = pair(t, m, slower, fakerun.Options{Seed: 1}, fakerun.Options{Seed: 2}, nil)
	rep = mustCompare(t, b, n, DefaultOptions())
	if !slices.Equal(rep.Regressions, []string{slowCell}) {
		t.Fatalf("regressions %v, want [%s]", rep.Regressions, slowCell)
	}
	for _, c := range rep.Cells {
		if c.Cell == slowCell {
			mr := metric(t, c, "MB/s")
			if d := float64(mr.Delta); d > -0.17 || d < -0.23 {
				t.Errorf("delta vs run %.3f, want about -0.20 (raw %.3f)", d, float64(mr.RawDelta))
			}
			if d := float64(mr.RawDelta); d > -0.25 {
				t.Errorf("raw delta %.3f, want about -0.28", d)
			}
		}
	}
}

// Every cell 10% slower while a module changed: the code or the machine;
// the whole run regresses, named as such.
func TestShiftWithBuildChangeRegresses(t *testing.T) {
	m := fakerun.Matrix("go")
	slower := every(m, func(c *fakerun.Cell) { c.MBps *= 0.9 })
	b, n := pair(t, m, slower, fakerun.Options{Seed: 1}, fakerun.Options{Seed: 2}, func(e *results.Env) {
		e.Modules["github.com/klauspost/compress"] = "v1.21.0"
	})
	rep := mustCompare(t, b, n, DefaultOptions())
	want := []string{"whole run (MB/s)", "whole run (cpu-sec/GB)"}
	if !slices.Equal(rep.Regressions, want) {
		t.Fatalf("regressions %v, want %v", rep.Regressions, want)
	}
	// 3% slower is within the threshold.
	slower = every(m, func(c *fakerun.Cell) { c.MBps *= 0.97 })
	b, n = pair(t, m, slower, fakerun.Options{Seed: 1}, fakerun.Options{Seed: 2}, func(e *results.Env) {
		e.Modules["github.com/klauspost/compress"] = "v1.21.0"
	})
	if rep := mustCompare(t, b, n, DefaultOptions()); rep.Regressed() {
		t.Errorf("3%% shift with a module change: regressions %v, want none", rep.Regressions)
	}
}

// Too few cells to tell the machine from the code: raw figures decide.
func TestShiftNeedsCells(t *testing.T) {
	m := fakerun.Matrix("go")[:4]
	slow := fakerun.With(m, "Encode/layer=go/codec=gzip-std/level=1/threads=1", func(c *fakerun.Cell) { c.MBps *= 0.8 })
	b, n := pair(t, m, slow, fakerun.Options{Seed: 1}, fakerun.Options{Seed: 2}, nil)
	rep := mustCompare(t, b, n, DefaultOptions())
	if len(rep.Regressions) != 1 {
		t.Errorf("regressions %v, want the one slowed cell", rep.Regressions)
	}
	for _, s := range rep.Shifts {
		if s.Applied || !strings.Contains(s.Note, "too few") {
			t.Errorf("shift %+v, want not applied, too few cells", s)
		}
	}
}

// memcpy is reported, never gated.
func TestMemcpyNotGated(t *testing.T) {
	m := fakerun.Matrix("go")
	k := "Memcpy/layer=go/codec=memcpy/threads=1"
	slow := fakerun.With(m, k, func(c *fakerun.Cell) { c.MBps *= 0.5 })
	b, n := pair(t, m, slow, fakerun.Options{Seed: 1}, fakerun.Options{Seed: 2}, nil)
	rep := mustCompare(t, b, n, DefaultOptions())
	if rep.Regressed() {
		t.Errorf("memcpy half as fast: regressions %v, want none", rep.Regressions)
	}
	for _, c := range rep.Cells {
		if c.Cell == k && c.Verdict != Worse {
			t.Errorf("memcpy verdict %s, want worse", c.Verdict)
		}
	}
}
