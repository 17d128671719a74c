package history

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"zbench/compare"
	"zbench/internal/atomicfile"
)

// Files and folders of a store.
const (
	IndexFile = "index.json"
	RunsDir   = "runs"
	// CompareFile is the comparison report (compare.WriteJSON) Add keeps
	// next to a run, when it is given one.
	CompareFile = "compare.json"
)

// A Status says how a night's run came out against the last good run.
type Status string

// Statuses of a run in the store.
const (
	// Good: compared with the last good run, and nothing regressed.
	Good Status = "good"
	// Baseline: nothing to compare with (the first run on this machine
	// and corpus). It counts as good.
	Baseline Status = "baseline"
	// Regressed: compare found a regression. The next night is compared
	// with the last good run before it, until a run is marked good.
	Regressed Status = "regressed"
	// Incomparable: the run could not be compared (compare exited 2).
	Incomparable Status = "incomparable"
)

// IsGood reports whether a run of status s can be a base to compare with.
func (s Status) IsGood() bool { return s == Good || s == Baseline }

// ParseStatus checks a status given on the command line.
func ParseStatus(s string) (Status, error) {
	switch st := Status(s); st {
	case Good, Baseline, Regressed, Incomparable:
		return st, nil
	}
	return "", fmt.Errorf("unknown status %q: want %s, %s, %s or %s", s, Good, Baseline, Regressed, Incomparable)
}

// An Entry is one run in the store's index.
type Entry struct {
	// Name is the run's directory under runs/: its start time,
	// "2006-01-02T150405Z", with "-2", "-3" … added if taken.
	Name   string    `json:"name"`
	Start  time.Time `json:"start"`
	Status Status    `json:"status"`
	// Base is the Name of the run it was compared with, if any;
	// Regressions the cells that regressed against it.
	Base        string   `json:"base,omitempty"`
	Regressions []string `json:"regressions,omitempty"`
	// Machine is compare.Run.Machine: only runs of one machine are
	// compared or charted together.
	Machine string `json:"machine"`
	Go      string `json:"go,omitempty"`
	Commit  string `json:"zbench_commit,omitempty"`
	Cells   int    `json:"cells"`
	Note    string `json:"note,omitempty"`
}

type index struct {
	Runs []Entry `json:"runs"`
}

// A Store is a directory of nightly runs:
//
//	STORE/index.json                  the Entries, oldest first
//	STORE/runs/2026-01-02T030405Z/    a run directory (env.json, results.txt, samples.jsonl, compare.json)
//
// It is plain files, so it can live in a CI cache, an artifact or a git
// branch the job pushes. One writer at a time: the nightly job.
type Store struct {
	Dir     string
	entries []Entry
}

// Open reads the store at dir. A directory without index.json (or one
// that does not exist yet) is an empty store; Add creates it.
func Open(dir string) (*Store, error) {
	s := &Store{Dir: dir}
	b, err := os.ReadFile(filepath.Join(dir, IndexFile))
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("opening history: %w", err)
	}
	var ix index
	if err := json.Unmarshal(b, &ix); err != nil {
		return nil, fmt.Errorf("opening history: %s: %w", filepath.Join(dir, IndexFile), err)
	}
	s.entries = ix.Runs
	sortEntries(s.entries)
	return s, nil
}

// Entries returns the store's runs, oldest first.
func (s *Store) Entries() []Entry { return slices.Clone(s.entries) }

// Path returns the run directory of e.
func (s *Store) Path(e Entry) string { return filepath.Join(s.Dir, RunsDir, e.Name) }

// Entry returns the entry called name.
func (s *Store) Entry(name string) (Entry, bool) {
	for _, e := range s.entries {
		if e.Name == name {
			return e, true
		}
	}
	return Entry{}, false
}

// AddOptions describe a run being added.
type AddOptions struct {
	Status Status
	// Compare, when set, is the comparison of the run with its base: its
	// base path, regressions and verdict go into the entry, and the report
	// is kept next to the run as compare.json.
	Compare *compare.Report
	// Base names the store entry the run was compared with; when empty
	// and Compare's base is a run of this store, it is found from that.
	Base string
	Note string
}

// Add copies the run directory runDir into the store and appends it to the
// index, which it rewrites atomically. The run's files are copied, not
// moved.
func (s *Store) Add(runDir string, opt AddOptions) (Entry, error) {
	if _, err := ParseStatus(string(opt.Status)); err != nil {
		return Entry{}, fmt.Errorf("adding %q to history: %w", runDir, err)
	}
	run, err := compare.Load(runDir)
	if err != nil {
		return Entry{}, fmt.Errorf("adding %q to history: %w", runDir, err)
	}
	if run.Env == nil {
		return Entry{}, fmt.Errorf("adding %q to history: it is not a run directory (env.json and samples.jsonl): %w", runDir, compare.ErrNotRun)
	}
	e := Entry{
		Start: run.Env.Start, Status: opt.Status, Base: opt.Base, Note: opt.Note,
		Machine: run.Machine(), Go: run.Env.Go, Commit: run.Env.Commit, Cells: len(run.Cells),
	}
	if opt.Compare != nil {
		e.Regressions = opt.Compare.Regressions
		if e.Base == "" {
			e.Base = s.nameOf(opt.Compare.Base.Path)
		}
	}
	e.Name = s.freeName(e.Start)
	dst := s.Path(e)
	if err := copyDir(runDir, dst); err != nil {
		os.RemoveAll(dst)
		return Entry{}, fmt.Errorf("adding %q to history: %w", runDir, err)
	}
	if opt.Compare != nil {
		err := atomicfile.Write(filepath.Join(dst, CompareFile), func(w io.Writer) error {
			return compare.WriteJSON(w, opt.Compare)
		})
		if err != nil {
			os.RemoveAll(dst)
			return Entry{}, fmt.Errorf("adding %q to history: %w", runDir, err)
		}
	}
	entries := append(slices.Clone(s.entries), e)
	sortEntries(entries)
	if err := s.writeIndex(entries); err != nil {
		os.RemoveAll(dst)
		return Entry{}, err
	}
	s.entries = entries
	return e, nil
}

// SetStatus changes the status of the entry called name: marking a
// regressed run good accepts its numbers as the new normal, and the next
// night is compared with it.
func (s *Store) SetStatus(name string, st Status, note string) error {
	if _, err := ParseStatus(string(st)); err != nil {
		return err
	}
	entries := slices.Clone(s.entries)
	for i := range entries {
		if entries[i].Name == name {
			entries[i].Status = st
			if note != "" {
				entries[i].Note = note
			}
			if err := s.writeIndex(entries); err != nil {
				return err
			}
			s.entries = entries
			return nil
		}
	}
	return fmt.Errorf("history %q has no run %q", s.Dir, name)
}

// LastGood returns the newest good run (status good or baseline) that the
// run like can be compared with: the same machine, the same bytes under
// every layer name they share, at least one cell in common. ok is false
// when there is none: like is then the first of its kind, a baseline.
func (s *Store) LastGood(like *compare.Run) (e Entry, ok bool, err error) {
	for i := len(s.entries) - 1; i >= 0; i-- {
		e := s.entries[i]
		if !e.Status.IsGood() || e.Machine != like.Machine() {
			continue
		}
		if like.Env != nil && !e.Start.Before(like.Env.Start) {
			continue // not earlier than the run itself (it may be the run)
		}
		run, err := compare.Load(s.Path(e))
		if err != nil {
			return Entry{}, false, fmt.Errorf("finding the last good run: %w", err)
		}
		if compare.Comparable(run, like, false) == nil {
			return e, true, nil
		}
	}
	return Entry{}, false, nil
}

// nameOf returns the entry name of path if it is a run of this store.
func (s *Store) nameOf(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	runs, err := filepath.Abs(filepath.Join(s.Dir, RunsDir))
	if err != nil {
		return ""
	}
	if rel, err := filepath.Rel(runs, abs); err == nil && !strings.Contains(rel, string(filepath.Separator)) && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return ""
}

func (s *Store) freeName(t time.Time) string {
	base := t.UTC().Format("2006-01-02T150405Z")
	name := base
	for i := 2; ; i++ {
		_, inIndex := s.Entry(name)
		_, err := os.Stat(filepath.Join(s.Dir, RunsDir, name))
		if !inIndex && errors.Is(err, fs.ErrNotExist) {
			return name
		}
		name = fmt.Sprintf("%s-%d", base, i)
	}
}

func sortEntries(es []Entry) {
	slices.SortStableFunc(es, func(a, b Entry) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
}

func (s *Store) writeIndex(entries []Entry) error {
	b, err := json.MarshalIndent(index{Runs: entries}, "", "  ")
	if err != nil {
		return fmt.Errorf("writing history index: %w", err)
	}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return fmt.Errorf("writing history index: %w", err)
	}
	if err := atomicfile.WriteBytes(filepath.Join(s.Dir, IndexFile), append(b, '\n')); err != nil {
		return fmt.Errorf("writing history index: %w", err)
	}
	return nil
}

// copyDir copies the regular files at the top of src into a new dst.
func copyDir(src, dst string) error {
	ents, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, de := range ents {
		if !de.Type().IsRegular() || strings.HasPrefix(de.Name(), ".") {
			continue
		}
		if err := copyFile(filepath.Join(src, de.Name()), filepath.Join(dst, de.Name())); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Machines lists the machines of the store's runs, the newest run's
// first.
func (s *Store) Machines() []string {
	var ms []string
	for i := len(s.entries) - 1; i >= 0; i-- {
		if m := s.entries[i].Machine; !slices.Contains(ms, m) {
			ms = append(ms, m)
		}
	}
	return ms
}
