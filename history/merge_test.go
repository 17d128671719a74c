package history

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"zbench/internal/fakerun"
)

// Two jobs start from the same store and each adds nights: one on
// amd64, one on arm64 starting in the same second as the amd64 night, and
// a second arm64 night compared with the first. Merging loses none of
// them, renames the colliding one, keeps the base link, carries a report
// added to a shared run, and is idempotent.
func TestMergeConcurrentNights(t *testing.T) {
	common := build(t, []night{{status: Baseline}, {status: Good}}, 0)
	dir := t.TempDir()
	copyStore := func(name string) *Store {
		t.Helper()
		d := filepath.Join(dir, name)
		if err := os.CopyFS(d, os.DirFS(common.Dir)); err != nil {
			t.Fatal(err)
		}
		st, err := Open(d)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	a, b := copyStore("a"), copyStore("b")

	tonight := t0.Add(5 * 24 * time.Hour)
	amd := fakerun.Write(t, filepath.Join(dir, "amd"), fakerun.Env(tonight), fakerun.Matrix("go"), fakerun.Options{})
	ea, err := a.Add(amd, AddOptions{Status: Good})
	if err != nil {
		t.Fatal(err)
	}
	armEnv := fakerun.Env(tonight)
	armEnv.GOARCH = "arm64"
	arm := fakerun.Write(t, filepath.Join(dir, "arm"), armEnv, fakerun.Matrix("go"), fakerun.Options{})
	eb, err := b.Add(arm, AddOptions{Status: Baseline})
	if err != nil {
		t.Fatal(err)
	}
	armEnv.Start = tonight.Add(24 * time.Hour)
	arm2 := fakerun.Write(t, filepath.Join(dir, "arm2"), armEnv, fakerun.Matrix("go"), fakerun.Options{})
	eb2, err := b.Add(arm2, AddOptions{Status: Good, Base: eb.Name})
	if err != nil {
		t.Fatal(err)
	}
	if ea.Name != eb.Name {
		t.Fatalf("the test wants colliding names, got %s and %s", ea.Name, eb.Name)
	}
	// A report written into b's copy of a shared run after it was added.
	shared := b.Entries()[1]
	if err := os.WriteFile(filepath.Join(b.Path(shared), "report.html"), []byte("<p>report</p>"), 0o644); err != nil {
		t.Fatal(err)
	}

	added, err := a.Merge(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(added) != 2 || added[0].Name != ea.Name+"-2" || added[1].Name != eb2.Name || added[1].Base != ea.Name+"-2" {
		t.Fatalf("added %+v; want the arm64 nights, the first renamed %s-2 and the second based on it", added, ea.Name)
	}
	// Reopened from disk: every night of both, oldest first, each with its run.
	re, err := Open(a.Dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range re.Entries() {
		names = append(names, e.Name)
		if _, err := os.Stat(filepath.Join(re.Path(e), "samples.jsonl")); err != nil {
			t.Errorf("%s: %v", e.Name, err)
		}
	}
	want := []string{common.Entries()[0].Name, common.Entries()[1].Name, ea.Name, ea.Name + "-2", eb2.Name}
	if !slices.Equal(names, want) {
		t.Errorf("merged nights %v, want %v", names, want)
	}
	if e, _ := re.Entry(ea.Name + "-2"); e.Machine != added[0].Machine || e.Status != Baseline {
		t.Errorf("renamed night: %+v", e)
	}
	if _, err := os.Stat(filepath.Join(re.Path(shared), "report.html")); err != nil {
		t.Errorf("the report added to a shared run was not carried over: %v", err)
	}
	if h, err := re.Load(added[1].Machine); err != nil || len(h.Runs) != 2 {
		t.Errorf("arm64 history: %v, %v; want its two nights", h, err)
	}
	// Merging again adds nothing; merging the other way brings a's night.
	if again, err := re.Merge(b); err != nil || len(again) != 0 {
		t.Errorf("merging twice added %v, %v", again, err)
	}
	back, err := b.Merge(re)
	if err != nil || len(back) != 1 || back[0].Machine != ea.Machine {
		t.Errorf("b.Merge(a) added %+v, %v; want a's amd64 night", back, err)
	}
	if len(b.Entries()) != 5 {
		t.Errorf("after merging both ways b has %d nights, want 5", len(b.Entries()))
	}
	if _, err := re.Merge(re); err == nil {
		t.Error("merging a store into itself: no error")
	}
}
