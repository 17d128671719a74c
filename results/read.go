package results

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/perf/benchfmt"
)

// ErrNotRun means a path given to ReadRun holds no run: neither a run
// directory (env.json and samples.jsonl) nor a results file.
var ErrNotRun = errors.New("not a zbench run")

// ErrIncompatible means runs (or the results in one results file) come
// from different machines: a machine key (see KindOf) has two values, so
// their numbers do not compare.
var ErrIncompatible = errors.New("the runs come from incompatible environments")

// A Run is one run as ReadRun reads it back: its environment and every
// cell, with the cell's samples.
type Run struct {
	// Path is the run directory or results file it was read from.
	Path string
	// Env is the run's env.json; nil when the run was read from a bare
	// results.txt, which has only Config.
	Env *Env
	// Config holds the run's configuration keys as results.txt writes them
	// (Env.Config for a run directory): goarch, cpu, go, mod-…, count, ….
	Config map[string]string
	// Cells holds every cell in the order the run wrote them, load
	// failures included (Op OpLoad).
	Cells []*Cell
	// Records is every record of samples.jsonl in file order; nil for a
	// run read from a results file.
	Records []Record
	// Warnings say what could not be read or checked, for people.
	Warnings []error

	byKey map[CellKey]*Cell
}

// A Cell is one cell of a run: its samples, or its failure.
type Cell struct {
	Key CellKey
	// LayerDigest and DiffID identify the layer the cell measured; empty
	// when unknown (a run read from results.txt).
	LayerDigest string
	DiffID      string
	// RawBytes is the size of the layer's tar: exact from a run directory;
	// from ratio × compressed-B (6 significant digits) in results.txt, with
	// RawInexact set; 0 when unknown.
	RawBytes   int64
	RawInexact bool
	// CompressedBytes is the size of the cell's compressed stream (the
	// published blob for decode-original); 0 for memcpy and when unknown.
	CompressedBytes int64
	// Verified is set when every sample was verified (see
	// Record.Verified); never for a run read from results.txt, which does
	// not say.
	Verified bool
	// Err is the cell's failure as recorded; empty when it did not fail.
	Err string
	// Records are the cell's samples (or its failure) from samples.jsonl;
	// nil for a run read from results.txt.
	Records []Record
	// Values holds, by unit (ns/op, MB/s, ratio, compressed-B, cpu-sec/GB,
	// B/op, allocs/op), one value per sample in sample order, exactly as
	// results.txt gives them (derived values to 6 significant digits).
	Values map[string][]float64
}

// ReadRun reads one run. path is a run directory (env.json and
// samples.jsonl, read as Load reads them) or a file in the Go benchmark
// format such as a run's results.txt (read with benchfmt; a "--- FAIL:"
// line marks a failed cell). A directory that has results.txt but no
// samples.jsonl is read through its results.txt. It fails with ErrNotRun
// when path holds neither.
//
// Cells read from a run directory carry the same Values as its results.txt
// (Record.Values), so a run directory and its results.txt give the same
// statistics.
func ReadRun(path string) (*Run, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("reading run: %w", err)
	}
	if !fi.IsDir() {
		return readText(path)
	}
	_, errEnv := os.Stat(filepath.Join(path, EnvFile))
	_, errSamples := os.Stat(filepath.Join(path, SamplesFile))
	if errEnv == nil && errSamples == nil {
		env, recs, err := Load(path)
		if err != nil {
			return nil, fmt.Errorf("reading run %q: %w", path, err)
		}
		return FromRecords(path, env, recs), nil
	}
	txt := filepath.Join(path, ResultsFile)
	if _, err := os.Stat(txt); err == nil {
		r, err := readText(txt)
		if err != nil {
			return nil, err
		}
		r.Path = path
		return r, nil
	}
	return nil, fmt.Errorf("%q holds neither %s and %s nor %s: %w",
		path, EnvFile, SamplesFile, ResultsFile, ErrNotRun)
}

// FromRecords makes a Run of records as Load returns them. path only names
// the run in messages.
func FromRecords(path string, env Env, recs []Record) *Run {
	r := &Run{Path: path, Env: &env, Config: configMap(env.Config()), Records: recs}
	for _, rec := range recs {
		c, added := r.cell(rec.Key())
		if added {
			c.Verified = true
		}
		c.LayerDigest = cmpOr(c.LayerDigest, rec.LayerDigest)
		c.DiffID = cmpOr(c.DiffID, rec.DiffID)
		if rec.RawBytes > 0 {
			c.RawBytes = rec.RawBytes
		}
		if rec.CompressedBytes > 0 {
			c.CompressedBytes = rec.CompressedBytes
		}
		c.Records = append(c.Records, rec)
		if rec.Err != "" {
			c.Err = cmpOr(c.Err, rec.Err)
			continue
		}
		c.Verified = c.Verified && rec.Verified
		for _, v := range rec.Values() {
			c.Values[v.Unit] = append(c.Values[v.Unit], v.Value)
		}
	}
	return r
}

// NewCell makes a Cell of the records of one cell, as a RunDir writes them
// (all its samples, or its failure): what a runner shows of a cell it has
// just finished.
func NewCell(recs []Record) *Cell {
	var env Env
	r := FromRecords("", env, recs)
	if len(r.Cells) == 0 {
		return &Cell{Values: map[string][]float64{}}
	}
	return r.Cells[0]
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Cell returns the cell k, or nil.
func (r *Run) Cell(k CellKey) *Cell { return r.byKey[k] }

// Images returns the images the run measured, as env.json records them;
// nil for a run read from a results file.
func (r *Run) Images() []Image {
	if r.Env == nil {
		return nil
	}
	return r.Env.Images
}

// Failures returns the cells that failed (Err set), load failures
// included, in order.
func (r *Run) Failures() []*Cell {
	var out []*Cell
	for _, c := range r.Cells {
		if c.Err != "" {
			out = append(out, c)
		}
	}
	return out
}

// Machine names the machine a run measured on, from its machine keys (see
// KindMachine): "linux/amd64, Xeon …, 2 cores, gomaxprocs 2".
func (r *Run) Machine() string {
	c := r.Config
	return fmt.Sprintf("%s/%s, %s, %s cores, gomaxprocs %s", c[KeyGOOS], c[KeyGOARCH], c[KeyCPU], c[KeyCores], c[KeyGOMAXPROCS])
}

// cell returns the cell k, adding it if new.
func (r *Run) cell(k CellKey) (c *Cell, added bool) {
	if c, ok := r.byKey[k]; ok {
		return c, false
	}
	if r.byKey == nil {
		r.byKey = map[CellKey]*Cell{}
	}
	c = &Cell{Key: k, Values: map[string][]float64{}}
	r.byKey[k] = c
	r.Cells = append(r.Cells, c)
	return c, true
}

// Samples is how many measured samples the cell has.
func (c *Cell) Samples() int { return len(c.Values[unitNSPerOp]) }

// Problem says why the cell has no figures: its error, or "no samples"
// when it has neither an error nor a measured sample; "" when it has
// figures.
func (c *Cell) Problem() string {
	switch {
	case c.Err != "":
		return c.Err
	case c.Samples() == 0:
		return "no samples"
	}
	return ""
}

// Exact returns the cell's per-sample values of unit as samples.jsonl
// gives them, without results.txt's rounding to 6 significant digits
// (see Record.Values); for a run read from results.txt, Values[unit].
// Charts and tables summarize these; compare uses Values, so that a run
// directory and its results.txt compare alike.
func (c *Cell) Exact(unit string) []float64 {
	if c.Records == nil {
		return c.Values[unit]
	}
	var out []float64
	for _, r := range c.Records {
		for _, v := range r.metrics() {
			if v.Unit == unit {
				out = append(out, v.Value)
			}
		}
	}
	return out
}

// Summary summarizes the cell's exact values of unit (see Summarize).
func (c *Cell) Summary(unit string) Summary { return Summarize(c.Exact(unit)) }

// Setting is the cell's setting (its key without the layer).
func (c *Cell) Setting() Setting { return c.Key.Setting() }

// readText reads a file in the Go benchmark format. A value that is not
// finite, is negative or is absurd (see MaxValue) fails with ErrInvalid
// naming the file and line, as does a file, a run or a cell past the
// limits (MaxRunFileBytes, MaxCells, MaxCellSamples).
func readText(path string) (*Run, error) {
	r := &Run{Path: path, Config: map[string]string{}}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading results: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > MaxRunFileBytes {
		return nil, tooLarge(path, fi.Size(), MaxRunFileBytes)
	}
	lr := &io.LimitedReader{R: f, N: MaxRunFileBytes + 1}
	rd := benchfmt.NewReader(lr, path)
	var syntax, names warnings
	first := true
	n := 0
	machine := map[string]map[string]bool{} // machine key → values seen
	for rd.Scan() {
		if lr.N <= 0 {
			return nil, tooLarge(path, MaxRunFileBytes+1, MaxRunFileBytes)
		}
		var res *benchfmt.Result
		switch rec := rd.Result().(type) {
		case *benchfmt.SyntaxError:
			syntax.add(rec)
			continue
		case *benchfmt.Result:
			res = rec
		default:
			continue
		}
		n++
		_, line := res.Pos()
		for _, c := range res.Config {
			if !c.File || strings.HasPrefix(c.Key, ".") {
				continue
			}
			v := string(c.Value)
			if first {
				r.Config[c.Key] = v
			}
			if KindOf(c.Key) == KindMachine {
				if machine[c.Key] == nil {
					machine[c.Key] = map[string]bool{}
				}
				if len(machine[c.Key]) < 2 {
					machine[c.Key][v] = true
				}
			}
		}
		first = false
		k, err := ParseName(res.Name.String())
		if err != nil {
			names.add(fmt.Errorf("%s:%d: %w", path, line, err))
			continue
		}
		if res.Iters <= 0 || res.Iters > maxCount {
			return nil, fmt.Errorf("%s:%d: %d iterations: %w", path, line, res.Iters, ErrInvalid)
		}
		for _, v := range res.Values {
			val, unit := v.Value, v.Unit
			if v.OrigUnit != "" {
				val, unit = v.OrigValue, v.OrigUnit // as written, before benchfmt's tidying
			}
			if err := checkValue(val); err != nil {
				return nil, fmt.Errorf("%s:%d: %s: %w: %w", path, line, unit, err, ErrInvalid)
			}
		}
		c, err := r.limitedCell(k)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		if c.Samples() >= MaxCellSamples {
			return nil, fmt.Errorf("%s:%d: cell %s has more than %d samples: %w", path, line, k, MaxCellSamples, ErrInvalid)
		}
		for _, v := range res.Values {
			unit, val := untidy(v.Unit, v.Value)
			c.Values[unit] = append(c.Values[unit], val)
		}
		ratio, ok1 := res.Value(UnitRatio)
		comp, ok2 := res.Value(UnitCompressedB)
		if ok2 {
			c.CompressedBytes = int64(comp)
		}
		if ok1 && ok2 && c.RawBytes == 0 {
			c.RawBytes, c.RawInexact = int64(math.Round(ratio*comp)), true
		}
	}
	if err := rd.Err(); err != nil {
		return nil, fmt.Errorf("reading results %q: %w", path, err)
	}
	if lr.N <= 0 {
		return nil, tooLarge(path, MaxRunFileBytes+1, MaxRunFileBytes)
	}
	if errs := syntax.errs(); len(errs) > 0 {
		r.Warnings = append(r.Warnings, fmt.Errorf("%s: some lines are not results and were skipped: %w", path, errors.Join(errs...)))
	}
	// A failed cell has no result lines, only its "--- FAIL:" line, which
	// benchfmt skips; read those here.
	fails, err := readFailLines(path)
	if err != nil {
		return nil, err
	}
	if n == 0 && len(fails) == 0 {
		return nil, fmt.Errorf("%q has no benchmark results: %w", path, ErrNotRun)
	}
	for key, vals := range machine {
		if len(vals) > 1 {
			return nil, fmt.Errorf("%q mixes results of several machines or builds (%s has %d values): %w", path, key, len(vals), ErrIncompatible)
		}
	}
	for _, f := range fails {
		k, err := ParseName(f.name)
		if err != nil {
			names.add(fmt.Errorf("%s:%d: %w", path, f.line, err))
			continue
		}
		c, err := r.limitedCell(k)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, f.line, err)
		}
		c.Err = cmpOr(c.Err, f.err)
	}
	r.Warnings = append(r.Warnings, names.errs()...)
	r.Warnings = append(r.Warnings, fmt.Errorf("%s is a results file: layer digests are not in it, so the corpus is checked by layer sizes only; compare run directories to check digests", path))
	return r, nil
}

// limitedCell is cell, failing with ErrInvalid when a new cell would make
// the run hold more than MaxCells.
func (r *Run) limitedCell(k CellKey) (*Cell, error) {
	if c := r.byKey[k]; c != nil {
		return c, nil
	}
	if len(r.Cells) >= MaxCells {
		return nil, fmt.Errorf("more than %d cells: %w", MaxCells, ErrInvalid)
	}
	c, _ := r.cell(k)
	return c, nil
}

// untidy undoes benchfmt's unit tidying (MB/s read as B/s, ns/op as
// sec/op), so that values read from results.txt are in the units a run
// directory's Record.Values gives, to the same 6 significant digits.
func untidy(unit string, v float64) (string, float64) {
	switch unit {
	case "B/s":
		return unitMBPerSec, round6(v / 1e6)
	case "sec/op":
		return unitNSPerOp, round6(v * 1e9)
	}
	return unit, v
}

type failure struct {
	name, err string
	line      int
}

// readFailLines returns the "--- FAIL: BenchmarkNAME: error" lines of path.
func readFailLines(path string) ([]failure, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading results: %w", err)
	}
	defer f.Close()
	var out []failure
	sc := bufio.NewScanner(io.LimitReader(f, MaxRunFileBytes))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		rest, ok := strings.CutPrefix(sc.Text(), failPrefix+benchmarkPrefix)
		if !ok {
			continue
		}
		if len(out) >= MaxCells {
			return nil, fmt.Errorf("%s:%d: more than %d failed cells: %w", path, n, MaxCells, ErrInvalid)
		}
		name, msg, _ := strings.Cut(rest, ": ")
		out = append(out, failure{name: strings.TrimSpace(name), err: msg, line: n})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading results %q: %w", path, err)
	}
	return out, nil
}

// ParseName reads a benchmark name as results.txt writes it (with or
// without the "Benchmark" prefix and the -GOMAXPROCS suffix) back into a
// cell key: "Encode/layer=debian/codec=zstd-cgo/level=3/threads=1-2".
// It is the inverse of CellKey.String for names whose values had no '/'
// or white space.
func ParseName(name string) (CellKey, error) {
	var k CellKey
	base, parts := benchfmt.Name(strings.TrimPrefix(name, benchmarkPrefix)).Parts()
	k.Op = opOf(string(base))
	for _, p := range parts {
		s := string(p)
		if strings.HasPrefix(s, "-") {
			continue // -GOMAXPROCS
		}
		key, val, ok := strings.Cut(strings.TrimPrefix(s, "/"), "=")
		if !ok {
			return k, fmt.Errorf("benchmark name %q: part %q is not key=value", name, s)
		}
		switch key {
		case "layer":
			k.Layer = val
		case "codec":
			k.Codec = val
		case "from":
			k.From = val
		case "level":
			k.Level = val
		case "api":
			k.API = val
		case "write":
			n, err := strconv.Atoi(val)
			if err != nil || n <= 0 {
				return k, fmt.Errorf("benchmark name %q: write=%q is not a positive number", name, val)
			}
			k.Write = n
		case "threads":
			n, err := strconv.Atoi(val)
			if err != nil {
				return k, fmt.Errorf("benchmark name %q: threads=%q is not a number", name, val)
			}
			k.Threads = n
		default:
			return k, fmt.Errorf("benchmark name %q: unknown key %q", name, key)
		}
	}
	if k.Op == "" || k.Layer == "" {
		return k, fmt.Errorf("benchmark name %q: not a zbench cell (no operation or layer)", name)
	}
	return k, nil
}

// opOf turns the base of a benchmark name back into an Op: "DecodeOriginal"
// becomes "decode-original"; the inverse of opName.
func opOf(base string) string {
	var b strings.Builder
	for i, r := range base {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('-')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

func configMap(cfg []benchfmt.Config) map[string]string {
	m := make(map[string]string, len(cfg))
	for _, c := range cfg {
		m[c.Key] = string(c.Value)
	}
	return m
}
