package site

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"zbench/compare"
	"zbench/history"
	"zbench/internal/fakerun"
)

var t0 = time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC)

const zstdDefault = "Encode/layer=go/codec=zstd-klauspost/level=default/threads=1"

// synth is a store of two machines: twelve amd64 nights with ±3% night
// to night; on night 6 (index 6) a new klauspost makes the zstd default
// encoder 20% slower; night 9 regressed (its status only). Three arm64
// nights, one with a layer named like a script. Every third amd64 night
// has a report.
type synth struct {
	st       *history.Store
	stepped  history.Entry // the night of the step
	reported []string      // nights with a report
}

func buildSynth(t *testing.T) synth {
	t.Helper()
	dir := t.TempDir()
	st, err := history.Open(filepath.Join(dir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	var s synth
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range 12 {
		env := fakerun.Env(t0.Add(time.Duration(i) * 24 * time.Hour))
		cells := fakerun.Matrix("go")
		if i >= 6 {
			env.Modules["github.com/klauspost/compress"] = "v1.21.0"
			cells = fakerun.With(cells, zstdDefault, func(c *fakerun.Cell) { c.MBps *= 0.8 })
		}
		off := 1 + 0.03*(2*rng.Float64()-1)
		for j := range cells {
			cells[j].MBps *= off
		}
		run := fakerun.Write(t, filepath.Join(dir, "amd", time.Duration(i).String()), env, cells, fakerun.Options{Seed: uint64(i), Noise: 0.02})
		status := history.Good
		if i == 9 {
			status = history.Regressed
		}
		e, err := st.Add(run, history.AddOptions{Status: status})
		if err != nil {
			t.Fatal(err)
		}
		if i == 6 {
			s.stepped = e
		}
		if i%3 == 0 {
			if err := os.WriteFile(filepath.Join(st.Path(e), ReportFile), []byte("<!DOCTYPE html><title>night "+e.Name+"</title>"), 0o644); err != nil {
				t.Fatal(err)
			}
			s.reported = append(s.reported, e.Name)
		}
	}
	for i := range 3 {
		env := fakerun.Env(t0.Add(time.Duration(i)*24*time.Hour + time.Hour))
		env.GOARCH = "arm64"
		env.CPU = "Neoverse-N2"
		cells := slices.Concat(fakerun.Matrix("go"), fakerun.Matrix("<script>alert(1)</script>"))
		run := fakerun.Write(t, filepath.Join(dir, "arm", time.Duration(i).String()), env, cells, fakerun.Options{Seed: uint64(i)})
		if _, err := st.Add(run, history.AddOptions{Status: history.Good}); err != nil {
			t.Fatal(err)
		}
	}
	s.st = st
	return s
}

func TestBuildIndex(t *testing.T) {
	s := buildSynth(t)
	site, err := Build(s.st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(site.Machines) != 2 || site.Machines[0].Arch != "linux/amd64" || site.Machines[1].Arch != "linux/arm64" {
		t.Fatalf("machines: %v", site.Machines)
	}
	amd, arm := site.Machines[0], site.Machines[1]
	if len(amd.Nights) != 12 || len(arm.Nights) != 3 || len(site.Nights) != 15 {
		t.Fatalf("nights: %d amd64, %d arm64, %d in all", len(amd.Nights), len(arm.Nights), len(site.Nights))
	}
	for i := 1; i < len(site.Nights); i++ {
		if site.Nights[i].Start.After(site.Nights[i-1].Start) {
			t.Errorf("index not newest first at %d", i)
		}
	}
	// Machines kept apart: each machine's cells and nights are its own.
	for _, n := range arm.Nights {
		if n.Arch != "linux/arm64" || n.MachineSlug != arm.Slug || !strings.HasPrefix(arm.Slug, "arm64-") {
			t.Errorf("arm64 night %+v", n)
		}
	}
	if len(arm.Cells) != 2*len(amd.Cells) {
		t.Errorf("arm64 has %d cells, amd64 %d", len(arm.Cells), len(amd.Cells))
	}
	want := compare.EnvChange{Key: "mod-github.com/klauspost/compress", Base: "v1.20.4", New: "v1.21.0"}
	for _, n := range amd.Nights {
		changed := slices.Contains(n.Changes, want)
		if changed != (n.Name == s.stepped.Name) || len(n.Changes) > 1 {
			t.Errorf("night %s changes %v", n.Name, n.Changes)
		}
		if (n.Report != "") != slices.Contains(s.reported, n.Name) {
			t.Errorf("night %s report %q", n.Name, n.Report)
		}
		if n.Stepped > 0 != (n.Name == s.stepped.Name) {
			t.Errorf("night %s stepped %d", n.Name, n.Stepped)
		}
	}
	if ChangeText(want) != "klauspost/compress v1.20.4 → v1.21.0" {
		t.Errorf("ChangeText = %q", ChangeText(want))
	}
	// The stepped cell's trend: a worse step on night 6 with the upgrade.
	var cell *Cell
	for _, c := range amd.Cells {
		if c.Name == zstdDefault {
			cell = c
		}
	}
	if cell == nil || len(cell.Steps) == 0 {
		t.Fatalf("no steps in %s", zstdDefault)
	}
	se := cell.Series[slices.IndexFunc(cell.Series, func(se history.Series) bool { return se.Unit == MainUnit })]
	tr := Trend(amd, cell, se, false)
	if len(tr.Points) != 12 || !tr.Points[9].Bad || tr.Points[8].Bad {
		t.Errorf("points %+v", tr.Points)
	}
	if len(tr.Marks) != 1 || !tr.Marks[0].Step || !tr.Marks[0].Worse || tr.Marks[0].Night != 6 ||
		!strings.Contains(tr.Marks[0].Label, "klauspost/compress v1.20.4 → v1.21.0") || !strings.HasPrefix(tr.Marks[0].Label, "step −2") {
		t.Errorf("marks %+v", tr.Marks)
	}
	// An unchanged cell shows the upgrade as a version change, not a step.
	other := Trend(amd, amd.Cells[0], amd.Cells[0].Series[0], true)
	if len(other.Marks) != 1 || other.Marks[0].Step || other.Marks[0].Night != 6 || other.Marks[0].Short != "" {
		t.Errorf("unchanged cell marks %+v", other.Marks)
	}
}

func TestWriteSite(t *testing.T) {
	s := buildSynth(t)
	out := t.TempDir()
	site, err := Write(s.st, out, Options{Title: "nightly <test>"})
	if err != nil {
		t.Fatal(err)
	}
	read := func(rel string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(out, rel))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	index := read("index.html")
	if n := strings.Count(index, `<tr id="night-`); n != 15 {
		t.Errorf("index lists %d nights, want 15", n)
	}
	for _, want := range []string{
		"<title>nightly &lt;test&gt;</title>", "linux/amd64", "linux/arm64", "Neoverse-N2",
		"klauspost/compress v1.20.4 → v1.21.0", `class="status bad">regressed`,
		`href="` + site.Machines[0].Slug + `/index.html#step-` + s.stepped.Name + `"`,
		`<code>0123456789ab</code>`,
	} {
		if !strings.Contains(index, want) {
			t.Errorf("index lacks %q", want)
		}
	}
	links := regexp.MustCompile(`href="(reports/[^"]+)"`).FindAllStringSubmatch(index, -1)
	if len(links) != len(s.reported) {
		t.Errorf("index links %d reports, want %d", len(links), len(s.reported))
	}
	for _, l := range links {
		if b := read(l[1]); !strings.Contains(b, "<title>night ") {
			t.Errorf("%s: %q", l[1], b)
		}
	}
	mp := read(filepath.Join(site.Machines[0].Slug, "index.html"))
	for _, want := range []string{`id="step-` + s.stepped.Name + `"`, "Changed that night: klauspost/compress", zstdDefault + " MB/s: −2", `id="codec-gzip-std"`, `id="codec-zstd-klauspost"`} {
		if !strings.Contains(mp, want) {
			t.Errorf("machine page lacks %q", want)
		}
	}
	if n := strings.Count(mp, "<svg"); n != len(site.Machines[0].Cells) {
		t.Errorf("machine page has %d charts, want one per cell (%d)", n, len(site.Machines[0].Cells))
	}
	for _, m := range site.Machines {
		for _, c := range m.Cells {
			p := read(filepath.Join(m.Slug, c.Slug+".html"))
			if n := strings.Count(p, "<svg"); n != len(c.Series) {
				t.Errorf("%s: %d charts for %d series", c.Slug, n, len(c.Series))
			}
		}
	}
	for _, f := range []string{"index.html", filepath.Join(site.Machines[1].Slug, "index.html")} {
		if strings.Contains(read(f), "<script>alert(1)</script>") {
			t.Errorf("%s: a layer named like a script became markup", f)
		}
	}
	if _, err := Write(&history.Store{Dir: t.TempDir()}, out, Options{}); err == nil {
		t.Error("an empty store: no error")
	}
}
