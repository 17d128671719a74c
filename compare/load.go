package compare

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/perf/benchfmt"

	"zbench/results"
)

// A Run is what one side of a comparison measured: every cell's samples,
// and the environment.
type Run struct {
	// Path is the run directory or results file it was read from.
	Path string
	// Env is the run's env.json; nil when the run was read from a bare
	// results.txt, which has only Config.
	Env *results.Env
	// Config holds the run's configuration keys as results.txt writes them
	// (Env.Config for a run directory): goarch, cpu, go, mod-…, count, ….
	Config map[string]string
	// Cells holds each cell, by key; Order lists the keys as the run wrote
	// them.
	Cells map[results.CellKey]*Cell
	Order []results.CellKey
	// Warnings say what could not be read or checked, for people.
	Warnings []error
}

// A Cell is one cell of a run: its samples, or its failure.
type Cell struct {
	Key results.CellKey
	// LayerDigest and DiffID identify the layer the cell measured; empty
	// when unknown (a run read from results.txt).
	LayerDigest string
	DiffID      string
	// RawBytes is the size of the layer's tar: exact from a run directory,
	// from ratio × compressed-B (6 significant digits) in results.txt, 0
	// when unknown.
	RawBytes   float64
	rawInexact bool
	Values     map[string][]float64 // by unit (MB/s, cpu-sec/GB, …): one value per sample, in sample order
	Err        string               // set when the cell failed
}

// ErrNotRun means a path given to Load holds no run: neither a run
// directory (env.json and samples.jsonl) nor a results file.
var ErrNotRun = errors.New("not a zbench run")

// Load reads one side of a comparison. path is a run directory (env.json
// and samples.jsonl, read with results.Load), or a file in the Go benchmark
// format such as a run's results.txt (read with benchfmt; a "--- FAIL:"
// line marks a failed cell). A directory that has results.txt but no
// samples.jsonl is read through its results.txt.
//
// Samples read from a run directory carry the same values as its
// results.txt (Record.Values), so comparing a directory with a results.txt
// gives the same statistics as comparing the two results files.
func Load(path string) (*Run, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("reading run: %w", err)
	}
	if !fi.IsDir() {
		return loadText(path)
	}
	_, errEnv := os.Stat(filepath.Join(path, results.EnvFile))
	_, errSamples := os.Stat(filepath.Join(path, results.SamplesFile))
	if errEnv == nil && errSamples == nil {
		return loadDir(path)
	}
	txt := filepath.Join(path, results.ResultsFile)
	if _, err := os.Stat(txt); err == nil {
		r, err := loadText(txt)
		if err != nil {
			return nil, err
		}
		r.Path = path
		return r, nil
	}
	return nil, fmt.Errorf("%q holds neither %s and %s nor %s: %w",
		path, results.EnvFile, results.SamplesFile, results.ResultsFile, ErrNotRun)
}

// FromRecords makes a Run of records as results.Load returns them. path
// only names the run in messages.
func FromRecords(path string, env results.Env, recs []results.Record) *Run {
	r := &Run{Path: path, Env: &env, Config: configMap(env.Config()), Cells: map[results.CellKey]*Cell{}}
	for _, rec := range recs {
		c := r.cell(rec.Key())
		if c.LayerDigest == "" {
			c.LayerDigest = rec.LayerDigest
		}
		if c.DiffID == "" {
			c.DiffID = rec.DiffID
		}
		if rec.RawBytes > 0 {
			c.RawBytes = float64(rec.RawBytes)
		}
		if rec.Err != "" {
			if c.Err == "" {
				c.Err = rec.Err
			}
			continue
		}
		for _, v := range rec.Values() {
			c.Values[v.Unit] = append(c.Values[v.Unit], v.Value)
		}
	}
	return r
}

func loadDir(dir string) (*Run, error) {
	env, recs, err := results.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("reading run %q: %w", dir, err)
	}
	return FromRecords(dir, env, recs), nil
}

// cell returns the cell k, adding it if new.
func (r *Run) cell(k results.CellKey) *Cell {
	c, ok := r.Cells[k]
	if !ok {
		c = &Cell{Key: k, Values: map[string][]float64{}}
		r.Cells[k] = c
		r.Order = append(r.Order, k)
	}
	return c
}

func loadText(path string) (*Run, error) {
	r := &Run{Path: path, Config: map[string]string{}, Cells: map[results.CellKey]*Cell{}}
	res, _, err := results.ReadResults(path)
	if err != nil {
		var syn *benchfmt.SyntaxError
		if !errors.As(err, &syn) {
			return nil, err
		}
		r.Warnings = append(r.Warnings, fmt.Errorf("%s: some lines are not results and were skipped: %w", path, err))
	}
	// A failed cell has no result lines, only its "--- FAIL:" line, which
	// benchfmt skips; read those here.
	fails, err := failLines(path)
	if err != nil {
		return nil, err
	}
	if len(res) == 0 && len(fails) == 0 {
		return nil, fmt.Errorf("%q has no benchmark results: %w", path, ErrNotRun)
	}
	machine := map[string]map[string]bool{} // machine key → values seen
	for i, res := range res {
		for _, c := range res.Config {
			if !c.File || strings.HasPrefix(c.Key, ".") {
				continue
			}
			v := string(c.Value)
			if i == 0 {
				r.Config[c.Key] = v
			}
			if machineKey(c.Key) {
				if machine[c.Key] == nil {
					machine[c.Key] = map[string]bool{}
				}
				machine[c.Key][v] = true
			}
		}
		k, err := ParseName(res.Name.String())
		if err != nil {
			r.Warnings = append(r.Warnings, fmt.Errorf("%s: %w", path, err))
			continue
		}
		c := r.cell(k)
		for _, v := range res.Values {
			unit, val := untidy(v.Unit, v.Value)
			c.Values[unit] = append(c.Values[unit], val)
		}
		ratio, ok1 := res.Value(results.UnitRatio)
		comp, ok2 := res.Value(results.UnitCompressedB)
		if ok1 && ok2 && c.RawBytes == 0 {
			c.RawBytes, c.rawInexact = math.Round(ratio*comp), true
		}
	}
	for key, vals := range machine {
		if len(vals) > 1 {
			return nil, fmt.Errorf("%q mixes results of several machines or builds (%s has %d values): %w", path, key, len(vals), ErrIncompatible)
		}
	}
	for _, f := range fails {
		k, err := ParseName(f.name)
		if err != nil {
			r.Warnings = append(r.Warnings, fmt.Errorf("%s: %w", path, err))
			continue
		}
		c := r.cell(k)
		if c.Err == "" {
			c.Err = f.err
		}
	}
	r.Warnings = append(r.Warnings, fmt.Errorf("%s is a results file: layer digests are not in it, so the corpus is checked by layer sizes only; compare run directories to check digests", path))
	return r, nil
}

// untidy undoes benchfmt's unit tidying (MB/s read as B/s, ns/op as
// sec/op), so that values read from results.txt are in the units a run
// directory's Record.Values gives, to the same 6 significant digits.
func untidy(unit string, v float64) (string, float64) {
	switch unit {
	case "B/s":
		return "MB/s", round6(v / 1e6)
	case "sec/op":
		return "ns/op", round6(v * 1e9)
	}
	return unit, v
}

// round6 rounds v to 6 significant digits, as results.txt writes derived
// values.
func round6(v float64) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 6, 64), 64)
	if err != nil {
		return v
	}
	return r
}

type failLine struct{ name, err string }

// failLines returns the "--- FAIL: BenchmarkNAME: error" lines of path.
func failLines(path string) ([]failLine, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading results: %w", err)
	}
	var out []failLine
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "--- FAIL: Benchmark")
		if !ok {
			continue
		}
		name, msg, _ := strings.Cut(rest, ": ")
		out = append(out, failLine{name: strings.TrimSpace(name), err: msg})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading results %q: %w", path, err)
	}
	return out, nil
}

// ParseName reads a benchmark name as results.txt writes it (with or
// without the "Benchmark" prefix and the -GOMAXPROCS suffix) back into a
// cell key: "Encode/layer=debian/codec=zstd-cgo/level=3/threads=1-2".
// It is the inverse of results.CellKey.String for names whose values had
// no '/' or white space.
func ParseName(name string) (results.CellKey, error) {
	var k results.CellKey
	base, parts := benchfmt.Name(strings.TrimPrefix(name, "Benchmark")).Parts()
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
// becomes "decode-original".
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
