package results

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"

	"golang.org/x/perf/benchfmt"
)

// textWriter renders results.txt: a header of configuration and unit
// lines, then each cell's result lines (or its failure line).
type textWriter struct {
	buf   bytes.Buffer
	w     *benchfmt.Writer
	cfg   []benchfmt.Config
	procs int
}

// newTextWriter returns a writer for env's results and the header that
// begins results.txt.
//
// Note: benchfmt.Writer writes configuration lines just before the first
// result whose configuration differs from what it wrote last, and keeps no
// state across processes. To write the header before any result (and
// again on resume) without the first cell repeating it, a priming result is
// written and cut off: the writer then holds env's configuration as
// written.
func newTextWriter(env Env) (tw *textWriter, header []byte, err error) {
	tw = &textWriter{cfg: env.Config(), procs: max(env.GOMAXPROCS, 1)}
	tw.w = benchfmt.NewWriter(&tw.buf)
	prime := &benchfmt.Result{Config: tw.cfg, Name: benchfmt.Name("Prime"), Iters: 1,
		Values: []benchfmt.Value{{Value: 1, Unit: "x"}}}
	if err := tw.w.Write(prime); err != nil {
		return nil, nil, fmt.Errorf("writing configuration: %w", err)
	}
	b := tw.buf.Bytes()
	i := bytes.LastIndex(b, []byte(benchmarkPrefix+"Prime "))
	if i < 0 {
		return nil, nil, errors.New("writing configuration: benchfmt wrote no priming line")
	}
	tw.buf.Truncate(i)
	tw.buf.WriteString(unitLines + "\n")
	header = bytes.Clone(tw.buf.Bytes())
	tw.buf.Reset()
	return tw, header, nil
}

// cell renders one cell's records. A cell with a failure record shows only
// its failure lines: numbers from a failed cell are kept in samples.jsonl
// but left out of results.txt, so benchstat does not summarize them.
// The returned slice is valid until the next call.
func (tw *textWriter) cell(recs []Record) ([]byte, error) {
	tw.buf.Reset()
	failed := false
	for _, r := range recs {
		if r.Err != "" {
			failed = true
			tw.buf.WriteString(failLine(r, tw.procs))
		}
	}
	if failed {
		return tw.buf.Bytes(), nil
	}
	for _, r := range recs {
		res := &benchfmt.Result{Config: tw.cfg, Name: benchfmt.Name(r.Name(tw.procs)), Iters: r.Iters, Values: r.Values()}
		if err := tw.w.Write(res); err != nil {
			return nil, fmt.Errorf("writing %s: %w", res.Name, err)
		}
	}
	return tw.buf.Bytes(), nil
}

// WriteText writes results.txt for env and recs to w: the configuration
// lines, the Unit lines, then one result line per sample. Records of a cell
// must be adjacent, as WriteCell and Load keep them; a failed cell is one
// "--- FAIL: " line per failure record. It is how a RunDir writes
// results.txt, so a results.txt can be rebuilt from Load's output.
func WriteText(w io.Writer, env Env, recs []Record) error {
	tw, header, err := newTextWriter(env)
	if err != nil {
		return err
	}
	if _, err := w.Write(header); err != nil {
		return err
	}
	for cell := range cells(recs) {
		b, err := tw.cell(cell)
		if err != nil {
			return err
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// cells yields runs of adjacent records with the same key.
func cells(recs []Record) iter.Seq[[]Record] {
	return func(yield func([]Record) bool) {
		for i := 0; i < len(recs); {
			j := i + 1
			for j < len(recs) && recs[j].Key() == recs[i].Key() {
				j++
			}
			if !yield(recs[i:j]) {
				return
			}
			i = j
		}
	}
}

// ReadResults reads files in the Go benchmark format (results.txt of one or
// more runs) with benchfmt.Files, so each result's ".file" configuration is
// the path it came from. It returns the results, the unit metadata (which
// says ratio and compressed-B are exact), and, if lines could not be
// parsed, an error joining each *benchfmt.SyntaxError alongside everything
// that could be read. "--- FAIL: " lines are not results and are skipped.
func ReadResults(paths ...string) ([]*benchfmt.Result, benchfmt.UnitMetadataMap, error) {
	files := &benchfmt.Files{Paths: paths}
	var res []*benchfmt.Result
	var errs []error
	for files.Scan() {
		switch rec := files.Result().(type) {
		case *benchfmt.Result:
			res = append(res, rec.Clone())
		case *benchfmt.SyntaxError:
			errs = append(errs, rec)
		}
	}
	units := benchfmt.UnitMetadataMap(files.Units())
	if err := files.Err(); err != nil {
		return res, units, fmt.Errorf("reading results: %w", err)
	}
	return res, units, errors.Join(errs...)
}
