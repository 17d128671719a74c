package history

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"zbench/compare"
	"zbench/internal/fakerun"
	"zbench/results"
)

var t0 = time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC)

const zstdDefault = "Encode/layer=go/codec=zstd-klauspost/level=default/threads=1"

// night describes one synthetic night.
type night struct {
	env    func(*results.Env)
	cells  func([]fakerun.Cell) []fakerun.Cell
	opt    fakerun.Options
	status Status
}

// build writes nights into a new store; every night gets a random
// night-wide offset of up to ±jitter on all its speeds, as a CI runner
// has from one night to the next.
func build(t *testing.T, nights []night, jitter float64) *Store {
	t.Helper()
	dir := t.TempDir()
	st, err := Open(filepath.Join(dir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for i, n := range nights {
		env := fakerun.Env(t0.Add(time.Duration(i) * 24 * time.Hour))
		if n.env != nil {
			n.env(&env)
		}
		cells := fakerun.Matrix("go")
		if n.cells != nil {
			cells = n.cells(cells)
		}
		off := 1 + jitter*(2*rng.Float64()-1)
		for j := range cells {
			cells[j].MBps *= off
		}
		o := n.opt
		o.Seed = uint64(i)
		o.Noise = 0.02
		run := fakerun.Write(t, filepath.Join(dir, "night", time.Duration(i).String()), env, cells, o)
		if n.status == "" {
			n.status = Good
		}
		if _, err := st.Add(run, AddOptions{Status: n.status}); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func upgrade(e *results.Env) { e.Modules["github.com/klauspost/compress"] = "v1.21.0" }

func slower(cells []fakerun.Cell) []fakerun.Cell {
	return fakerun.With(cells, zstdDefault, func(c *fakerun.Cell) { c.MBps *= 0.8 })
}

func TestStoreAddAndLastGood(t *testing.T) {
	st := build(t, []night{{status: Baseline}, {status: Good}, {status: Regressed}}, 0)
	es := st.Entries()
	if len(es) != 3 || es[0].Name != "2026-01-01T030000Z" || es[2].Status != Regressed || es[0].Cells != len(fakerun.Matrix("go")) {
		t.Fatalf("entries = %+v", es)
	}
	// Reopened, the index is the same.
	again, err := Open(st.Dir)
	if err != nil || !slices.EqualFunc(again.Entries(), es, func(a, b Entry) bool { return a.Name == b.Name && a.Status == b.Status }) {
		t.Fatalf("reopened: %v, %v", again.Entries(), err)
	}

	dir := t.TempDir()
	tonight := fakerun.Write(t, filepath.Join(dir, "tonight"), fakerun.Env(t0.Add(10*24*time.Hour)), fakerun.Matrix("go"), fakerun.Options{})
	like, err := compare.Load(tonight)
	if err != nil {
		t.Fatal(err)
	}
	e, ok, err := st.LastGood(like)
	if err != nil || !ok || e.Name != es[1].Name {
		t.Errorf("LastGood = %v, %v, %v; want the good night %s, skipping the regressed one", e.Name, ok, err, es[1].Name)
	}
	// Accepting the regressed night makes it the base.
	if err := st.SetStatus(es[2].Name, Good, "accepted"); err != nil {
		t.Fatal(err)
	}
	if e, _, _ := st.LastGood(like); e.Name != es[2].Name {
		t.Errorf("after SetStatus, LastGood = %s, want %s", e.Name, es[2].Name)
	}

	// Another machine or another corpus has nothing to compare with.
	other := fakerun.Env(t0.Add(10 * 24 * time.Hour))
	other.CPU = "Other CPU"
	for name, run := range map[string]string{
		"machine": fakerun.Write(t, filepath.Join(dir, "machine"), other, fakerun.Matrix("go"), fakerun.Options{}),
		"corpus":  fakerun.Write(t, filepath.Join(dir, "corpus"), fakerun.Env(t0.Add(10*24*time.Hour)), fakerun.Matrix("go"), fakerun.Options{Digest: fakerun.Digest("99")}),
	} {
		like, err := compare.Load(run)
		if err != nil {
			t.Fatal(err)
		}
		if e, ok, err := st.LastGood(like); ok || err != nil {
			t.Errorf("another %s: LastGood = %s, %v; want none", name, e.Name, err)
		}
	}

	// Two runs started in the same second get distinct names.
	e2, err := st.Add(st.Path(es[0]), AddOptions{Status: Good})
	if err != nil || e2.Name != es[0].Name+"-2" {
		t.Errorf("same start: name %q, %v; want %s-2", e2.Name, err, es[0].Name)
	}
}

// Twelve nights with night-to-night noise; on night 6 a new klauspost
// makes one encoder 20% slower.
func TestStepAtModuleUpgrade(t *testing.T) {
	var nights []night
	for i := range 12 {
		n := night{}
		if i >= 6 {
			n.env, n.cells = upgrade, slower
		}
		nights = append(nights, n)
	}
	st := build(t, nights, 0.03)
	h, err := st.Load("")
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Runs) != 12 {
		t.Fatalf("loaded %d runs", len(h.Runs))
	}
	steps := h.Steps(DefaultStepOptions())
	if len(steps) != 1 || steps[0].Index != 6 {
		t.Fatalf("steps = %+v, want one on night 6", steps)
	}
	s := steps[0]
	want := compare.EnvChange{Key: "mod-github.com/klauspost/compress", Base: "v1.20.4", New: "v1.21.0"}
	if !slices.Contains(s.Changes, want) {
		t.Errorf("changes = %v, want %v", s.Changes, want)
	}
	var units []string
	for _, c := range s.Cells {
		if c.Cell != zstdDefault {
			t.Errorf("step in %s %s, want only %s", c.Cell, c.Unit, zstdDefault)
		}
		if c.Tentative || !c.Worse || float64(c.Delta) > -0.1 && c.Unit == "MB/s" {
			t.Errorf("%s: %+v, want a firm worsening", c.Unit, c)
		}
		units = append(units, c.Unit)
	}
	if !slices.Equal(units, []string{"MB/s", "cpu-sec/GB"}) {
		t.Errorf("stepped units %v, want MB/s and cpu-sec/GB", units)
	}

	// The series for the report: a point a night, with samples.
	for _, se := range h.Series("MB/s") {
		if len(se.Points) != 12 || len(se.Points[0].Values) != 10 || se.Points[0].Run != h.Entries[0].Name {
			t.Errorf("%s: %d points", se.Name, len(se.Points))
		}
	}
}

// A step on the last night is tentative: only one night shows it.
func TestTentativeStepAtTheEnd(t *testing.T) {
	var nights []night
	for i := range 8 {
		n := night{}
		if i == 7 {
			n.cells = slower
		}
		nights = append(nights, n)
	}
	h, err := build(t, nights, 0.01).Load("")
	if err != nil {
		t.Fatal(err)
	}
	steps := h.Steps(DefaultStepOptions())
	if len(steps) != 1 || steps[0].Index != 7 || !steps[0].Cells[0].Tentative {
		t.Fatalf("steps = %+v, want a tentative one on night 7", steps)
	}
}

// A size change is a step on its night; a new corpus is not.
func TestExactStepsAndCorpusChange(t *testing.T) {
	var nights []night
	for i := range 10 {
		n := night{}
		if i >= 3 {
			n.cells = func(c []fakerun.Cell) []fakerun.Cell {
				return fakerun.With(c, zstdDefault, func(c *fakerun.Cell) { c.Comp -= 1000 })
			}
		}
		if i >= 6 {
			n.opt.Digest = fakerun.Digest("77")
			inner := n.cells
			n.cells = func(c []fakerun.Cell) []fakerun.Cell {
				c = inner(c)
				for j := range c {
					c[j].MBps *= 2 // another layer, another speed
				}
				return c
			}
		}
		nights = append(nights, n)
	}
	h, err := build(t, nights, 0.01).Load("")
	if err != nil {
		t.Fatal(err)
	}
	steps := h.Steps(DefaultStepOptions())
	if len(steps) != 1 || steps[0].Index != 3 {
		t.Fatalf("steps = %+v, want one on night 3 (the size change) and none at the corpus change", steps)
	}
	c := steps[0].Cells
	if len(c) != 1 || c[0].Unit != results.UnitCompressedB || c[0].Worse || !strings.Contains(c[0].Cell, "zstd-klauspost/level=default") {
		t.Errorf("cells = %+v, want a smaller compressed-B on the zstd encode", c)
	}
}

// Nights of the same build with night-to-night noise have no step.
func TestNoStepsInNoise(t *testing.T) {
	h, err := build(t, make([]night, 15), 0.02).Load("")
	if err != nil {
		t.Fatal(err)
	}
	if steps := h.Steps(DefaultStepOptions()); len(steps) != 0 {
		for _, s := range steps {
			for _, c := range s.Cells {
				t.Errorf("night %d: %s %s %+.1f%% p=%.3g tentative=%v", s.Index, c.Cell, c.Unit, float64(c.Delta)*100, float64(c.P), c.Tentative)
			}
		}
	}
}

func TestMinP(t *testing.T) {
	for _, tc := range []struct {
		n1, n2 int
		want   float64
	}{{5, 5, 2.0 / 252}, {3, 3, 0.1}, {5, 3, 2.0 / 56}, {1, 10, 2.0 / 11}, {0, 4, 1}} {
		if got := minP(tc.n1, tc.n2); got < tc.want*0.999 || got > tc.want*1.001 {
			t.Errorf("minP(%d, %d) = %v, want %v", tc.n1, tc.n2, got, tc.want)
		}
	}
}
