package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"zbench/internal/atomicfile"
)

// The files of a run directory.
const (
	EnvFile     = "env.json"
	ResultsFile = "results.txt"
	SamplesFile = "samples.jsonl"
)

var (
	// ErrRunExists means Create was asked for a new run in a directory that
	// already holds one. Resume it, or write the new run elsewhere.
	ErrRunExists = errors.New("run directory already holds a run")
	// ErrCellDone means WriteCell was given a cell the run directory
	// already holds. Typically this indicates a runner that did not ask
	// Done before measuring.
	ErrCellDone = errors.New("cell already written")
	// ErrClosed means the RunDir was used after Close.
	ErrClosed = errors.New("run directory closed")
)

// An EnvChangedError is the warning of a resume on a different machine or
// build than the run began on: the run's numbers will mix both. Changes
// says how, for people: `cpu "A" → "B"`.
type EnvChangedError struct {
	Dir     string
	Changes []string
}

func (e *EnvChangedError) Error() string {
	return fmt.Sprintf("resuming %q on a different machine or build than it began on (%s): its numbers will mix both",
		e.Dir, strings.Join(e.Changes, ", "))
}

// A RunDir writes a run directory: env.json, results.txt and samples.jsonl.
// Its methods may be called from several goroutines.
type RunDir struct {
	dir      string
	env      Env
	warnings []error

	mu      sync.Mutex
	samples *os.File
	results *os.File
	tw      *textWriter
	done    map[CellKey]bool
	err     error // sticky: after a failed write the files' ends are unknown
	closed  bool
	unlock  func() error // releases LockFile
}

// Create opens dir (creating it if needed) to write a run measured in env.
//
// The writer holds a lock on dir (LockFile, see lockRunDir) until Close: a
// second writer of the same directory fails with an error wrapping
// ErrRunLocked that names the holder.
//
// For a new run it writes env.json (atomically), results.txt holding env's
// configuration lines and the Unit lines, and an empty samples.jsonl. If
// dir already holds any of these files, Create fails with ErrRunExists
// unless resume is set.
//
// With resume set and samples.jsonl present, Create continues the run in
// dir:
//
//  1. It reads samples.jsonl and drops a trailing partial line (the earlier
//     run was killed while writing it) and the records of any cell with
//     fewer records than its Record.Of says (cut short by a crash), rewriting
//     samples.jsonl atomically if it dropped anything.
//  2. Every cell left is finished: Done reports true for it, and it is not
//     measured again. A failed cell is finished too; to retry failures,
//     start a new run.
//  3. It keeps env.json: the run stays described by the environment it
//     began in, and the names in results.txt keep its GOMAXPROCS. If env
//     differs in machine or build (cpu, cores, gomaxprocs, OS, kernel,
//     governor, Go, zbench commit, libzstd, module versions), Warnings says
//     so, since the run's numbers will then come from both.
//  4. It rebuilds results.txt atomically from env.json and the records kept,
//     so that lines lost in a crash come back and none are repeated.
//
// Resuming where samples.jsonl is missing starts a new run. What was
// dropped is reported by Warnings.
func Create(dir string, env Env, resume bool) (*RunDir, error) {
	if env.GOMAXPROCS < 1 {
		env.GOMAXPROCS = runtime.GOMAXPROCS(0)
	}
	if env.Start.IsZero() {
		env.Start = time.Now().UTC().Round(time.Millisecond)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating run directory: %w", err)
	}
	unlock, err := lockRunDir(dir)
	if err != nil {
		return nil, err
	}
	created := false
	defer func() {
		if !created {
			unlock()
		}
	}()
	var existing []string
	for _, name := range []string{EnvFile, ResultsFile, SamplesFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			existing = append(existing, name)
		}
	}
	rd := &RunDir{dir: dir, env: env, done: make(map[CellKey]bool), unlock: unlock}
	var kept []byte
	var recs []Record
	switch {
	case len(existing) > 0 && !resume:
		return nil, fmt.Errorf("%q holds %s: %w", dir, strings.Join(existing, ", "), ErrRunExists)
	case resume && slices.Contains(existing, SamplesFile):
		var err error
		kept, recs, err = rd.resume()
		if err != nil {
			return nil, err
		}
	default:
		if err := writeEnv(filepath.Join(dir, EnvFile), env); err != nil {
			return nil, err
		}
	}

	tw, header, err := newTextWriter(rd.env)
	if err != nil {
		return nil, err
	}
	rd.tw = tw
	text := bytes.NewBuffer(header)
	for cell := range cells(recs) {
		b, err := tw.cell(cell)
		if err != nil {
			return nil, err
		}
		text.Write(b)
		rd.done[cell[0].Key()] = true
	}
	if err := writeFileAtomic(filepath.Join(dir, ResultsFile), text.Bytes()); err != nil {
		return nil, err
	}
	if kept != nil || !resume || !slices.Contains(existing, SamplesFile) {
		if err := writeFileAtomic(filepath.Join(dir, SamplesFile), kept); err != nil {
			return nil, err
		}
	}
	if rd.samples, err = openAppend(filepath.Join(dir, SamplesFile)); err != nil {
		return nil, err
	}
	if rd.results, err = openAppend(filepath.Join(dir, ResultsFile)); err != nil {
		rd.samples.Close()
		return nil, err
	}
	created = true
	return rd, nil
}

// resume reads what an earlier run left in rd.dir and sets rd.env to the
// environment it began in. It returns the records to keep and, when some
// were dropped, the kept lines of samples.jsonl to write back (nil when the
// file can stay as it is).
func (rd *RunDir) resume() (rewrite []byte, recs []Record, err error) {
	envPath := filepath.Join(rd.dir, EnvFile)
	old, err := readEnv(envPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		rd.warn(fmt.Errorf("%s is missing from %q: the run is now described by this run's environment", EnvFile, rd.dir))
		if err := writeEnv(envPath, rd.env); err != nil {
			return nil, nil, err
		}
	case err != nil:
		return nil, nil, err
	default:
		if diffs := old.differences(rd.env); len(diffs) > 0 {
			rd.warn(&EnvChangedError{Dir: rd.dir, Changes: diffs})
		}
		rd.env = old
		if rd.env.GOMAXPROCS < 1 {
			rd.env.GOMAXPROCS = runtime.GOMAXPROCS(0)
		}
	}

	path := filepath.Join(rd.dir, SamplesFile)
	s, err := readSamples(path)
	if err != nil {
		return nil, nil, err
	}
	if s.partial {
		rd.warn(fmt.Errorf("%s: dropped a partial last line: the earlier run stopped while writing it", path))
	}
	if len(s.cut) > 0 {
		names := make([]string, len(s.cut))
		for i, k := range s.cut {
			names[i] = k.String()
		}
		rd.warn(fmt.Errorf("%s: dropped %d record(s) of %d cell(s) cut short by the earlier run; they will be measured again: %s",
			path, s.dropped, len(s.cut), strings.Join(names, ", ")))
	}
	if s.partial || len(s.cut) > 0 {
		rewrite = bytes.Join(s.lines, nil)
		if rewrite == nil {
			rewrite = []byte{}
		}
	}
	return rewrite, s.recs, nil
}

func (rd *RunDir) warn(err error) { rd.warnings = append(rd.warnings, err) }

// Warnings returns what Create found worth telling when resuming: a
// different machine or build, records dropped after a crash.
func (rd *RunDir) Warnings() []error { return slices.Clone(rd.warnings) }

// Env returns the environment the run directory records. After a resume it
// is the one the run began in, not the one given to Create.
func (rd *RunDir) Env() Env { return rd.env }

// MarkEmptyLayer records in env.json that the image layer measured as
// name is empty (its tar has no entries), so that readers know why the run
// has no cells for it; see ImageLayer.Empty. It rewrites env.json
// atomically, and only when a layer of Env().Images is so named and not
// marked yet.
func (rd *RunDir) MarkEmptyLayer(name string) error {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	if rd.closed {
		return ErrClosed
	}
	changed := false
	for i := range rd.env.Images {
		ls := rd.env.Images[i].Layers
		for j := range ls {
			if ls[j].Layer == name && !ls[j].Empty {
				if !changed {
					rd.env.Images = cloneImages(rd.env.Images)
					ls = rd.env.Images[i].Layers
				}
				ls[j].Empty, changed = true, true
			}
		}
	}
	if !changed {
		return nil
	}
	return writeEnv(filepath.Join(rd.dir, EnvFile), rd.env)
}

// cloneImages copies images deeply, so that changing the copy leaves the
// caller's Env alone.
func cloneImages(images []Image) []Image {
	out := slices.Clone(images)
	for i := range out {
		out[i].Layers = slices.Clone(out[i].Layers)
	}
	return out
}

// Dir returns the run directory's path.
func (rd *RunDir) Dir() string { return rd.dir }

// Done reports whether the cell k is finished: written by this RunDir or
// by the run it resumed, whether it succeeded or failed.
func (rd *RunDir) Done(k CellKey) bool {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	return rd.done[k]
}

// WriteCell appends every record of one finished cell, all with the same
// Key, to samples.jsonl and then to results.txt, and syncs both to disk
// before it returns, so that a crash or kill afterwards loses nothing of
// it. It sets each record's Of to len(recs). Records that are not failures
// must have Iters and WallNS above zero.
//
// A cell cut short (by an interrupt, say) must not be written: a written
// cell counts as finished, and a resumed run skips it. A cell already
// written fails with ErrCellDone. After a failed write the RunDir refuses
// further writes; resuming repairs the files.
func (rd *RunDir) WriteCell(recs []Record) error {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	if rd.closed {
		return ErrClosed
	}
	if rd.err != nil {
		return rd.err
	}
	if len(recs) == 0 {
		return nil
	}
	key := recs[0].Key()
	if err := checkCell(key, recs); err != nil {
		return err
	}
	if rd.done[key] {
		return fmt.Errorf("cell %s: %w", key, ErrCellDone)
	}
	recs = slices.Clone(recs)
	var lines bytes.Buffer
	for i := range recs {
		recs[i].Of = len(recs)
		b, err := json.Marshal(recs[i])
		if err != nil {
			return fmt.Errorf("cell %s: encoding record: %w", key, err)
		}
		lines.Write(b)
		lines.WriteByte('\n')
	}
	text, err := rd.tw.cell(recs)
	if err != nil {
		return fmt.Errorf("cell %s: %w", key, err)
	}
	// samples.jsonl first: it is what a resume trusts.
	if err := appendSync(rd.samples, lines.Bytes()); err != nil {
		rd.err = fmt.Errorf("writing cell %s to %s: %w", key, SamplesFile, err)
		return rd.err
	}
	rd.done[key] = true
	if err := appendSync(rd.results, text); err != nil {
		rd.err = fmt.Errorf("writing cell %s to %s: %w", key, ResultsFile, err)
		return rd.err
	}
	return nil
}

// checkCell reports records that do not belong together or cannot be
// written.
func checkCell(key CellKey, recs []Record) error {
	if key.Op == "" || key.Layer == "" {
		return fmt.Errorf("cell %s: record without op or layer", key)
	}
	for i, r := range recs {
		if r.Key() != key {
			return fmt.Errorf("cell %s: record %d is of another cell, %s", key, i, r.Key())
		}
		if r.Err == "" && (r.Iters <= 0 || r.WallNS <= 0) {
			return fmt.Errorf("cell %s: sample %d has %d iterations in %d ns and no error", key, r.Sample, r.Iters, r.WallNS)
		}
	}
	return nil
}

func appendSync(f *os.File, b []byte) error {
	if _, err := f.Write(b); err != nil {
		return err
	}
	return f.Sync()
}

// Close syncs and closes the files. Closing again does nothing.
func (rd *RunDir) Close() error {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	if rd.closed {
		return nil
	}
	rd.closed = true
	var errs []error
	for _, f := range []*os.File{rd.samples, rd.results} {
		if err := f.Sync(); err != nil {
			errs = append(errs, fmt.Errorf("syncing %q: %w", f.Name(), err))
		}
		if err := f.Close(); err != nil {
			errs = append(errs, fmt.Errorf("closing %q: %w", f.Name(), err))
		}
	}
	if err := rd.unlock(); err != nil {
		errs = append(errs, fmt.Errorf("unlocking %q: %w", rd.dir, err))
	}
	return errors.Join(errs...)
}

// Load reads a run directory: env.json and every record of samples.jsonl,
// in the order written. Like a resume, it leaves out a trailing partial line
// and the records of cells cut short by a crash; the run may still be
// going, or have been interrupted.
func Load(dir string) (Env, []Record, error) {
	env, err := readEnv(filepath.Join(dir, EnvFile))
	if err != nil {
		return Env{}, nil, err
	}
	s, err := readSamples(filepath.Join(dir, SamplesFile))
	if err != nil {
		return Env{}, nil, err
	}
	return env, s.recs, nil
}

// samples is what readSamples found in samples.jsonl.
type samples struct {
	recs    []Record  // records of complete cells, in file order
	lines   [][]byte  // their lines as written, each with its '\n'
	partial bool      // a trailing line without '\n' was dropped
	cut     []CellKey // cells dropped for having fewer records than their Of
	dropped int       // records of cut cells
}

// readSamples reads samples.jsonl at path. A last line without a newline
// was being written when the run stopped and is dropped; any other line
// that is not a Record is an error naming its line number.
func readSamples(path string) (samples, error) {
	var s samples
	data, err := os.ReadFile(path)
	if err != nil {
		return s, fmt.Errorf("reading samples: %w", err)
	}
	if i := bytes.LastIndexByte(data, '\n'); i+1 < len(data) {
		s.partial = true
		data = data[:i+1]
	}
	var recs []Record
	var lines [][]byte
	for n, line := 1, data; len(line) > 0; n++ {
		i := bytes.IndexByte(line, '\n')
		cur := line[:i+1]
		line = line[i+1:]
		if len(bytes.TrimSpace(cur)) == 0 {
			continue
		}
		var r Record
		if err := json.Unmarshal(cur, &r); err != nil {
			return s, fmt.Errorf("reading samples: %s:%d: %w", path, n, err)
		}
		recs = append(recs, r)
		lines = append(lines, cur)
	}
	count := map[CellKey]int{}
	want := map[CellKey]int{}
	for _, r := range recs {
		k := r.Key()
		count[k]++
		want[k] = max(want[k], r.Of)
	}
	cut := map[CellKey]bool{}
	for i, r := range recs {
		k := r.Key()
		if count[k] < want[k] {
			if !cut[k] {
				cut[k] = true
				s.cut = append(s.cut, k)
			}
			s.dropped++
			continue
		}
		s.recs = append(s.recs, r)
		s.lines = append(s.lines, lines[i])
	}
	return s, nil
}

func readEnv(path string) (Env, error) {
	var env Env
	b, err := os.ReadFile(path)
	if err != nil {
		return env, fmt.Errorf("reading environment: %w", err)
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return env, fmt.Errorf("reading environment %q: %w", path, err)
	}
	return env, nil
}

func writeEnv(path string, env Env) error {
	b, err := json.MarshalIndent(env, "", "\t")
	if err != nil {
		return fmt.Errorf("encoding environment: %w", err)
	}
	return writeFileAtomic(path, append(b, '\n'))
}

// writeFileAtomic replaces path with data (see atomicfile.Write).
func writeFileAtomic(path string, data []byte) error { return atomicfile.WriteBytes(path, data) }

func openAppend(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, fmt.Errorf("opening %q: %w", path, err)
	}
	return f, nil
}

// WriteRun writes a finished run at dir in one go, as Create and WriteCell
// would have written it: cells holds each cell's records in order (all its
// samples, or its failure), each record's Of is set to its cell's length.
// Each file is replaced atomically, env.json last, so that a directory
// without it is not taken for a run. Merge writes its run with it.
func WriteRun(dir string, env Env, cells [][]Record) error {
	var all []Record
	var lines bytes.Buffer
	for _, cell := range cells {
		for _, r := range cell {
			r.Of = len(cell)
			b, err := json.Marshal(r)
			if err != nil {
				return fmt.Errorf("encoding cell %s: %w", r.Key(), err)
			}
			lines.Write(append(b, '\n'))
			all = append(all, r)
		}
	}
	var text bytes.Buffer
	if err := WriteText(&text, env, all); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating run directory: %w", err)
	}
	unlock, err := lockRunDir(dir)
	if err != nil {
		return err
	}
	defer unlock()
	for _, name := range []string{EnvFile, ResultsFile, SamplesFile} { // again, under the lock
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return fmt.Errorf("%q holds %s: %w", dir, name, ErrRunExists)
		}
	}
	// env.json last: a directory without it is not taken for a run.
	if err := writeFileAtomic(filepath.Join(dir, SamplesFile), lines.Bytes()); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, ResultsFile), text.Bytes()); err != nil {
		return err
	}
	return writeEnv(filepath.Join(dir, EnvFile), env)
}
