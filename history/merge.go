package history

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Merge brings the runs of src into s, so that two copies of a store
// written at the same time (two nights, or two architectures, pushing one
// git branch) lose no night:
//
//   - a run of src that s lacks is copied in (its whole directory) and its
//     entry added;
//   - a run both hold (the same start and machine, whatever its name)
//     keeps s's entry (its status may have been changed there), and gains
//     the files of src's copy that s's lacks (a report written after the
//     run was added);
//   - a run of src whose name s uses for another run (two machines
//     starting in the same second) is copied in under a free name, and the
//     Base of src's runs that were compared with it follows the new name.
//
// Merging is idempotent: merging src again adds nothing.
//
// The index is written once, at the end, sorted by start. Merge returns
// the entries it added, with their names in s.
func (s *Store) Merge(src *Store) ([]Entry, error) {
	if filepath.Clean(s.Dir) == filepath.Clean(src.Dir) {
		return nil, errors.New("merging history: a store cannot be merged into itself")
	}
	entries := slices.Clone(s.entries)
	names := map[string]string{} // src's name of each run → its name in s
	var added []Entry
	for _, e := range src.entries {
		if i := slices.IndexFunc(entries, func(x Entry) bool { return x.Start.Equal(e.Start) && x.Machine == e.Machine }); i >= 0 {
			names[e.Name] = entries[i].Name
			if err := copyMissing(src.Path(e), s.Path(entries[i])); err != nil {
				return nil, fmt.Errorf("merging history run %s: %w", e.Name, err)
			}
			continue
		}
		ne := e
		if slices.ContainsFunc(entries, func(x Entry) bool { return x.Name == e.Name }) {
			// Another run under the same name: find one free among the
			// entries and directories of both stores.
			tmp := &Store{Dir: s.Dir, entries: append(slices.Clone(entries), src.entries...)}
			ne.Name = tmp.freeName(e.Start)
		}
		names[e.Name] = ne.Name
		dst := s.Path(ne)
		if _, err := os.Stat(dst); err == nil {
			return nil, fmt.Errorf("merging history run %s: %s exists but is not in the index", e.Name, dst)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("merging history run %s: %w", e.Name, err)
		}
		if err := copyDir(src.Path(e), dst); err != nil {
			os.RemoveAll(dst)
			return nil, fmt.Errorf("merging history run %s: %w", e.Name, err)
		}
		entries = append(entries, ne)
		added = append(added, ne)
	}
	// The runs added were compared with runs of src: their bases follow
	// those runs' names in s.
	for i := range added {
		if n, ok := names[added[i].Base]; ok {
			added[i].Base = n
			for j := range entries {
				if entries[j].Name == added[i].Name {
					entries[j].Base = n
				}
			}
		}
	}
	if len(added) == 0 {
		return nil, nil
	}
	sortEntries(entries)
	if err := s.writeIndex(entries); err != nil {
		return nil, err
	}
	s.entries = entries
	return added, nil
}

// copyMissing copies the regular files at the top of src that dst lacks.
func copyMissing(src, dst string) error {
	ents, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, de := range ents {
		if !de.Type().IsRegular() || strings.HasPrefix(de.Name(), ".") {
			continue
		}
		to := filepath.Join(dst, de.Name())
		if _, err := os.Stat(to); err == nil {
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if err := copyFile(filepath.Join(src, de.Name()), to); err != nil {
			return err
		}
	}
	return nil
}
