package history

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"zbench/compare"
	"zbench/internal/fakerun"
)

// An index entry whose name leaves runs/ (../../x, a separator) is
// refused with a clear error: before, Path joined it as it was and Load
// read (and a tool removing a run would have removed) what it named.
func TestOpenRefusesBadNames(t *testing.T) {
	for _, name := range []string{"../../x", "..", ".", "a/b", `a\b`, "/etc", "", ".hidden", "a b", strings.Repeat("x", 129)} {
		dir := t.TempDir()
		idx := `{"runs": [{"name": "2026-01-01T030000Z", "status": "good"}, {"name": ` + quote(name) + `, "status": "good"}]}`
		if err := os.WriteFile(filepath.Join(dir, IndexFile), []byte(idx), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Open(dir)
		if !errors.Is(err, ErrBadName) || !strings.Contains(err.Error(), "entry 2") {
			t.Errorf("Open with an entry named %q: %v, want ErrBadName naming entry 2", name, err)
		}
	}
	for _, name := range []string{"2026-01-01T030000Z", "2026-01-01T030000Z-2", "nightly_1.2:x"} {
		if err := CheckName(name); err != nil {
			t.Errorf("CheckName(%q): %v", name, err)
		}
	}
	st, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetStatus("../x", Good, ""); !errors.Is(err, ErrBadName) {
		t.Errorf("SetStatus(../x): %v, want ErrBadName", err)
	}
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// A truncated or garbled index.json stopped every history command (and so
// the nightly) with a JSON error. Now Open rebuilds the index from runs/,
// losing nothing of runs that have entry.json, and warns.
func TestOpenRebuildsCorruptIndex(t *testing.T) {
	st := build(t, []night{{status: Baseline}, {status: Good}, {status: Regressed}}, 0)
	if err := st.SetStatus(st.Entries()[2].Name, Good, "accepted by hand"); err != nil {
		t.Fatal(err)
	}
	want := st.Entries()
	// A run added by an older zbench: no entry.json, but a compare.json
	// that lists a regression.
	old, err := st.Add(st.Path(want[0]), AddOptions{Status: Regressed, Note: "lost",
		Compare: &compare.Report{Regressions: []string{zstdDefault}}})
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(st.Path(old), EntryFile))

	path := filepath.Join(st.Dir, IndexFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string][]byte{
		"truncated": b[:len(b)/2],
		"empty":     {},
		"garbage":   []byte("\x00\x01not json"),
		"wrong":     []byte(`{"runs": 5}`),
	} {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(path, bad, 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := Open(st.Dir)
			if err != nil {
				t.Fatalf("Open with a %s index: %v", name, err)
			}
			ws := got.Warnings()
			if len(ws) == 0 || !strings.Contains(ws[0].Error(), "rebuilt the index") {
				t.Errorf("warnings %v, want one saying the index was rebuilt", ws)
			}
			es := got.Entries()
			if len(es) != len(want)+1 {
				t.Fatalf("rebuilt %d entries, want %d", len(es), len(want)+1)
			}
			byName := map[string]Entry{}
			for _, e := range es {
				byName[e.Name] = e
			}
			for i, w := range want {
				e := byName[w.Name]
				if e.Name != w.Name || e.Status != w.Status || e.Note != w.Note || e.Machine != w.Machine || e.Cells != w.Cells || !e.Start.Equal(w.Start) {
					t.Errorf("entry %d rebuilt as %+v, want %+v", i, e, w)
				}
			}
			last := byName[old.Name]
			if last.Name != old.Name || last.Status != Regressed || last.Note != "" || len(last.Regressions) != 1 {
				t.Errorf("run without entry.json rebuilt as %+v, want regressed from its compare.json, note lost", last)
			}
			if !strings.Contains(errorsText(ws), old.Name) {
				t.Errorf("warnings do not name the run whose note was lost: %v", ws)
			}
			// LastGood works on the rebuilt store, and the next Add writes
			// the index again.
			like, err := compare.Load(fakerun.Write(t, filepath.Join(t.TempDir(), "tonight"), fakerun.Env(t0.Add(10*24*time.Hour)), fakerun.Matrix("go"), fakerun.Options{}))
			if err != nil {
				t.Fatal(err)
			}
			if e, ok, err := got.LastGood(like); err != nil || !ok || e.Name != want[2].Name {
				t.Errorf("LastGood on the rebuilt store: %s, %v, %v; want %s", e.Name, ok, err, want[2].Name)
			}
		})
	}
}

func errorsText(es []error) string {
	var b strings.Builder
	for _, e := range es {
		b.WriteString(e.Error() + "\n")
	}
	return b.String()
}

// Add copies the run's files through atomicfile (synced, no temporary
// file left) and writes entry.json next to them.
func TestAddWritesEntryFile(t *testing.T) {
	st := build(t, []night{{status: Good}}, 0)
	e := st.Entries()[0]
	des, err := os.ReadDir(st.Path(e))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	if got := strings.Join(names, " "); got != "entry.json env.json results.txt samples.jsonl" {
		t.Errorf("run directory holds %s", got)
	}
}
