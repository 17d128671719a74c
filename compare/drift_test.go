package compare

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"zbench/internal/fakerun"
	"zbench/results"
)

// swing is a machine whose speed swings ±30% from round to round.
func swing(round, _ int) float64 { return []float64{1.3, 0.7, 1.3, 0.7, 1.0}[round] }

// A cell 10% slower in a run whose rounds ran at very different speeds:
// the drift hides it from the raw samples (half of them are faster than
// BASE's), and taking each round's speed out finds it, and nothing else.
func TestDriftWithinRunIsTakenOut(t *testing.T) {
	m := fakerun.Matrix("go")
	slow := fakerun.With(m, slowCell, func(c *fakerun.Cell) { c.MBps /= 1.1 })
	b, n := pair(t, m, slow, fakerun.Options{Seed: 1, Rounds: 5}, fakerun.Options{Seed: 2, Rounds: 5, Speed: swing}, nil)

	opt := DefaultOptions()
	opt.Drift = DriftOff
	if rep := mustCompare(t, b, n, opt); slices.Contains(rep.Regressions, slowCell) {
		t.Fatalf("drift left in: the slowdown was found (%v); the test does not test what it says", rep.Regressions)
	}
	for _, mode := range []string{DriftRound, DriftLocal} {
		opt.Drift = mode
		rep := mustCompare(t, b, n, opt)
		if !slices.Equal(rep.Regressions, []string{slowCell}) {
			t.Errorf("drift %s: regressions %v, want [%s]", mode, rep.Regressions, slowCell)
		}
		var newMBps Drift
		for _, d := range rep.Drifts {
			if d.Side == "new" && d.Unit == "MB/s" {
				newMBps = d
			}
		}
		if !newMBps.Applied || newMBps.Rounds != 5 || newMBps.Derived || newMBps.Lo > 0.75 || newMBps.Hi < 1.25 {
			t.Errorf("drift %s: NEW's MB/s drift %+v, want applied over 5 recorded rounds from about 0.7 to 1.3", mode, newMBps)
		}
		var out bytes.Buffer
		if err := WriteText(&out, rep); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "drift within new: MB/s, 5 round(s) from -") {
			t.Errorf("drift %s: the text does not say what was taken out:\n%s", mode, out.String())
		}
	}
}

// wide returns memcpy and n encode cells on one layer, in that order.
func wide(n int) []fakerun.Cell {
	cells := []fakerun.Cell{{Key: results.CellKey{Op: results.OpMemcpy, Layer: "go", Codec: "memcpy", Threads: 1}, MBps: 9000}}
	for i := range n {
		cells = append(cells, fakerun.Cell{Key: results.CellKey{Op: results.OpEncode, Layer: "go", Codec: "gzip-std", Level: strconv.Itoa(i + 1), Threads: 1},
			MBps: 50 + 10*float64(i), Comp: 1000, Alloc: 1000})
	}
	return cells
}

// A fast spell of a few seconds falls on a run of cells in two of NEW's
// rounds, a slowed cell among them: four of its ten samples are faster than
// BASE's, and the U test cannot tell. Each round's speed cannot take the
// spell out (it fell on a third of the round's cells); the speed of the
// neighbouring cells does, and the slowdown is found, alone.
func TestDriftLocalTakesOutASpell(t *testing.T) {
	m := wide(30)
	name := m[15].Key.String()
	slow := fakerun.With(m, name, func(c *fakerun.Cell) { c.MBps /= 1.1 })
	spell := func(round, cell int) float64 {
		if round == 0 && cell >= 10 && cell <= 20 || round == 3 && cell >= 11 && cell <= 21 {
			return 1.3
		}
		return 1
	}
	b, n := pair(t, m, slow, fakerun.Options{Seed: 1, Rounds: 5}, fakerun.Options{Seed: 2, Rounds: 5, Speed: spell}, nil)
	opt := DefaultOptions()
	for _, mode := range []string{DriftOff, DriftRound} {
		opt.Drift = mode
		if rep := mustCompare(t, b, n, opt); slices.Contains(rep.Regressions, name) {
			t.Errorf("drift %s: the slowdown was found; the test does not test what it says", mode)
		}
	}
	opt.Drift = DriftLocal
	if rep := mustCompare(t, b, n, opt); !slices.Equal(rep.Regressions, []string{name}) {
		t.Errorf("drift local: regressions %v, want [%s]", rep.Regressions, name)
	}
}

// Each layer is measured in rounds of its own: its round 0 is not another
// layer's. A layer slow in its round 1 does not move the other layer's
// round 1.
func TestDriftRoundsArePerLayer(t *testing.T) {
	m := append(fakerun.Matrix("go"), fakerun.Matrix("debian")...)
	speed := func(round, cell int) float64 {
		if round == 1 && cell < len(m)/2 {
			return 0.6
		}
		return 1
	}
	_, n := pair(t, m, m, fakerun.Options{Seed: 1, Rounds: 5}, fakerun.Options{Seed: 2, Rounds: 5, Speed: speed}, nil)
	for _, mode := range []string{DriftRound, DriftLocal} {
		adj, d := detrend(n, "MB/s", mode, "new")
		if !d.Applied || d.Lo > 0.65 {
			t.Errorf("drift %s: %+v, want applied, the slowest round 0.6", mode, d)
		}
		for _, c := range n.Cells {
			k := c.Key
			if k.Op == results.OpMemcpy {
				continue
			}
			raw, got := c.Values["MB/s"], adj[k]
			want := 1.0 // what the sample of round 1 (the third and fourth) was divided by
			if k.Layer == "go" {
				want = 0.6
			}
			if f := raw[2] / got[2]; math.Abs(f-want) > 0.03 {
				t.Errorf("drift %s: %s, round 1: divided by %.3f, want %.1f", mode, k, f, want)
			}
		}
	}
}

// Runs written before rounds were recorded: the rounds are read from the
// sample index when the run's configuration names them, and nothing is
// taken out when it does not.
func TestDriftDerivedFromSampleIndex(t *testing.T) {
	m := fakerun.Matrix("go")
	slow := fakerun.With(m, slowCell, func(c *fakerun.Cell) { c.MBps /= 1.1 })
	withRounds := func(e *results.Env) { e.Extra["rounds"] = "5" }
	ob := fakerun.Options{Seed: 1, Rounds: 5, NoRound: true}
	on := fakerun.Options{Seed: 2, Rounds: 5, Speed: swing, NoRound: true}
	b, n := pair(t, m, slow, ob, on, withRounds)
	b.Config["rounds"] = "5"
	rep := mustCompare(t, b, n, DefaultOptions())
	if !slices.Equal(rep.Regressions, []string{slowCell}) {
		t.Errorf("rounds derived: regressions %v, want [%s]", rep.Regressions, slowCell)
	}
	for _, d := range rep.Drifts {
		if !d.Derived || !d.Applied || d.Rounds != 5 {
			t.Errorf("drift %+v, want derived, applied, 5 rounds", d)
		}
	}

	b, n = pair(t, m, slow, ob, on, nil)
	rep = mustCompare(t, b, n, DefaultOptions())
	for _, d := range rep.Drifts {
		if d.Applied || d.Rounds != 1 {
			t.Errorf("no rounds known: drift %+v, want one round, not applied", d)
		}
	}
}

// The rounds of pooled parts are numbered apart by results.Merge: two
// parts' round 0 were not measured together.
func TestDriftRoundsOfMergedParts(t *testing.T) {
	dir := t.TempDir()
	m := fakerun.Matrix("go")
	var parts []string
	for i, seed := range []uint64{1, 2} {
		parts = append(parts, fakerun.Write(t, dir+"/part"+string(rune('a'+i)), fakerun.Env(t0), m, fakerun.Options{Seed: seed, Rounds: 2, Count: 4}))
	}
	if _, err := results.Merge(dir+"/pooled", parts, results.MergeOptions{Pool: true}); err != nil {
		t.Fatal(err)
	}
	r, err := Load(dir + "/pooled")
	if err != nil {
		t.Fatal(err)
	}
	c := r.Cells[3]
	var rounds []int
	for _, rec := range c.Records {
		rounds = append(rounds, rec.Round)
	}
	if want := []int{0, 0, 1, 1, 2, 2, 3, 3}; !slices.Equal(rounds, want) {
		t.Errorf("pooled rounds %v, want %v", rounds, want)
	}
}

// The MDE of a quiet cell is the threshold; of a noisy one, what its noise
// allows; with 3 samples a side, none.
func TestMinimumDetectableEffect(t *testing.T) {
	m := fakerun.Matrix("go")
	cellMDE := func(rep *Report, name string) (CellResult, MetricResult) {
		for _, c := range rep.Cells {
			if c.Cell == name {
				return c, metric(t, c, "MB/s")
			}
		}
		t.Fatalf("no cell %s", name)
		return CellResult{}, MetricResult{}
	}

	b, n := pair(t, m, m, fakerun.Options{Seed: 1}, fakerun.Options{Seed: 2}, nil)
	rep := mustCompare(t, b, n, DefaultOptions())
	c, mr := cellMDE(rep, slowCell)
	if mr.MDE == nil || *mr.MDE > -0.05 || *mr.MDE < -0.055 {
		t.Errorf("quiet cell: MB/s MDE %v, want just past the 5%% threshold", mr.MDE)
	}
	if c.MDE < 0.05 || c.MDE > 0.06 {
		t.Errorf("quiet cell: MDE %v, want a slowdown of about 5.3%%", c.MDE)
	}
	if len(rep.Blind) != 0 {
		t.Errorf("quiet runs: blind cells %v, want none", rep.Blind)
	}
	if mr := metric(t, rep.Cells[0], "MB/s"); mr.MDE != nil || !math.IsNaN(float64(rep.Cells[0].MDE)) {
		t.Errorf("memcpy: MDE %v / %v, want none (never counted)", mr.MDE, rep.Cells[0].MDE)
	}

	// Noisy: ±25% a sample. The MDE is what the rule needs, and it means
	// it: NEW's samples made just more than the MDE slower are flagged,
	// just less are not.
	noisy := fakerun.Options{Seed: 1, Noise: 0.25}
	b, n = pair(t, m, m, noisy, noisy, nil)
	rep = mustCompare(t, b, n, DefaultOptions())
	c, _ = cellMDE(rep, slowCell)
	s := float64(c.MDE)
	if s < 0.10 || s > 1 {
		t.Fatalf("noisy cell: MDE %v, want more than 10%%", s)
	}
	if !slices.Contains(rep.Blind, slowCell) {
		t.Errorf("blind cells %v lack %s", rep.Blind, slowCell)
	}
	var out bytes.Buffer
	if err := WriteText(&out, rep); err != nil {
		t.Fatal(err)
	}
	want := strings.TrimSpace(strings.SplitN(Verdict(rep), ";", 2)[1])
	if !strings.HasSuffix(lastLine(out.String()), want) || !strings.Contains(want, "could not have shown a 10% slowdown") ||
		!strings.HasPrefix(want, strings.Split(want, " ")[0]) || len(rep.Blind) == 0 {
		t.Errorf("verdict line %q, want it to count the blind cells (%d)", lastLine(out.String()), len(rep.Blind))
	}
	for _, f := range []float64{0.97, 1.03} {
		slower := fakerun.With(m, slowCell, func(c *fakerun.Cell) { c.MBps /= 1 + s*f })
		b, n := pair(t, m, slower, noisy, noisy, nil)
		flagged := slices.Contains(mustCompare(t, b, n, DefaultOptions()).Regressions, slowCell)
		if flagged != (f > 1) {
			t.Errorf("slowed by %.3f × the MDE %.3f: flagged %v", f, s, flagged)
		}
	}

	// Three samples a side: no change can reach p < 0.05.
	few := fakerun.Options{Seed: 1, Count: 3}
	b, n = pair(t, m, m, few, few, nil)
	rep = mustCompare(t, b, n, DefaultOptions())
	if c, mr := cellMDE(rep, slowCell); !math.IsNaN(float64(c.MDE)) || mr.MDE == nil || !math.IsNaN(float64(*mr.MDE)) {
		t.Errorf("3 samples: MDE %v / %v, want none", c.MDE, mr.MDE)
	}
	if len(rep.Blind) != len(m)-1 {
		t.Errorf("3 samples: %d blind cells, want every codec cell (%d)", len(rep.Blind), len(m)-1)
	}
	var js bytes.Buffer
	if err := WriteJSON(&js, rep); err != nil {
		t.Fatal(err)
	}
	var back struct {
		Blind []string `json:"blind"`
		Cells []struct {
			MDE     *float64 `json:"mde"`
			Metrics []struct {
				Unit string          `json:"unit"`
				MDE  json.RawMessage `json:"mde"`
			} `json:"metrics"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Cells[2].MDE != nil || string(back.Cells[2].Metrics[0].MDE) != "null" || len(back.Blind) != len(m)-1 {
		t.Errorf("JSON: cell mde %v, metric mde %s, blind %d; want null, null, %d", back.Cells[2].MDE, back.Cells[2].Metrics[0].MDE, len(back.Blind), len(m)-1)
	}
}

// A layer with too few cells to read the machine's speed from is left as
// measured; the other layers are not held back by it.
func TestDriftSkipsSmallLayers(t *testing.T) {
	m := append(fakerun.Matrix("go"), fakerun.Matrix("tiny")[:4]...)
	_, n := pair(t, m, m, fakerun.Options{Seed: 1, Rounds: 5}, fakerun.Options{Seed: 2, Rounds: 5, Speed: swing}, nil)
	adj, d := detrend(n, "MB/s", DriftLocal, "new")
	if !d.Applied || !strings.Contains(d.Note, "4 cells left as measured") {
		t.Errorf("drift %+v, want applied, 4 cells of the small layer left as measured", d)
	}
	for _, c := range n.Cells {
		k := c.Key
		_, adjusted := adj[k]
		if adjusted != (k.Layer != "tiny") {
			t.Errorf("%s: adjusted %v", k, adjusted)
		}
	}
}
