package plots

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"zbench/results"
)

// A Run is one run as results.ReadRun reads it, with the label the report
// gives it.
type Run struct {
	Label string
	*results.Run
}

// LoadRuns loads run directories. labels, when not empty, names the runs
// in order and must have one label per directory; otherwise each run is
// labelled by the shortest trailing part of its path that tells it from the
// others ("out/a/run" and "out/b/run" become "a/run" and "b/run").
func LoadRuns(dirs, labels []string) ([]*Run, error) {
	if len(dirs) == 0 {
		return nil, errors.New("no run directory given")
	}
	if len(labels) > 0 && len(labels) != len(dirs) {
		return nil, fmt.Errorf("%d labels for %d run directories", len(labels), len(dirs))
	}
	var runs []*results.Run
	for _, dir := range dirs {
		r, err := results.ReadRun(dir)
		if err == nil && r.Env == nil {
			err = fmt.Errorf("%s is a results file: a report needs the run directory's %s and %s", r.Path, results.EnvFile, results.SamplesFile)
		}
		if err != nil {
			return nil, fmt.Errorf("loading run %q: %w", dir, err)
		}
		runs = append(runs, r)
	}
	return Label(runs, labels)
}

// Label labels runs: labels, when not empty, names the runs in order and
// must have one label per run; otherwise each run is labelled by the
// shortest trailing part of its path that tells it from the others ("out/a/run"
// and "out/b/run" become "a/run" and "b/run"). Every run must have its
// Env (be read from a run directory).
func Label(runs []*results.Run, labels []string) ([]*Run, error) {
	if len(runs) == 0 {
		return nil, errors.New("no run directory given")
	}
	if len(labels) > 0 && len(labels) != len(runs) {
		return nil, fmt.Errorf("%d labels for %d run directories", len(labels), len(runs))
	}
	if len(labels) == 0 {
		var paths []string
		for _, r := range runs {
			paths = append(paths, r.Path)
		}
		labels = defaultLabels(paths)
	}
	seen := map[string]bool{}
	var out []*Run
	for i, r := range runs {
		if seen[labels[i]] {
			return nil, fmt.Errorf("two runs labelled %q: give each run its own label", labels[i])
		}
		seen[labels[i]] = true
		if r.Env == nil {
			return nil, fmt.Errorf("%s is a results file: a report needs the run directory's %s and %s", r.Path, results.EnvFile, results.SamplesFile)
		}
		out = append(out, &Run{Label: labels[i], Run: r})
	}
	return out, nil
}

// defaultLabels names each directory by the fewest trailing path elements
// that keep the names distinct.
func defaultLabels(dirs []string) []string {
	parts := make([][]string, len(dirs))
	for i, d := range dirs {
		clean := filepath.ToSlash(filepath.Clean(d))
		parts[i] = strings.FieldsFunc(clean, func(r rune) bool { return r == '/' })
		if len(parts[i]) == 0 {
			parts[i] = []string{clean}
		}
	}
	labels := make([]string, len(dirs))
	for n := 1; ; n++ {
		seen := map[string]int{}
		longest := 0
		for i, p := range parts {
			k := min(n, len(p))
			labels[i] = strings.Join(p[len(p)-k:], "/")
			seen[labels[i]]++
			longest = max(longest, len(p))
		}
		unique := true
		for _, c := range seen {
			unique = unique && c == 1
		}
		if unique || n >= longest {
			break
		}
	}
	// Paths that are the same still need telling apart.
	count := map[string]int{}
	for i, l := range labels {
		count[l]++
		if count[l] > 1 {
			labels[i] = l + " #" + strconv.Itoa(count[l])
		}
	}
	return labels
}

// A Stat is the median of a cell's samples with its 95% confidence
// interval (results.Summarize).
type Stat = results.Summary

// A Layer is one layer of a run.
type Layer struct {
	Name   string `json:"name"`
	Digest string `json:"digest,omitempty"`  // of the blob as published
	DiffID string `json:"diff_id,omitempty"` // of its tar
	// Format is the format of the blob as published, as the decode-original
	// cells name it; empty when no decoder of the run read it (an xz blob,
	// or a run without decode-original).
	Format   string `json:"format,omitempty"`
	RawBytes int64  `json:"raw_bytes"`
	// PublishedBytes is the size of the blob as published, where a
	// decode-original cell recorded it; 0 when unknown.
	PublishedBytes int64 `json:"published_bytes,omitempty"`
}

// PublishedRatio is the layer's ratio as published, or 0 when unknown.
func (l Layer) PublishedRatio() float64 {
	if l.PublishedBytes <= 0 {
		return 0
	}
	return float64(l.RawBytes) / float64(l.PublishedBytes)
}

// A Cell is one measured cell of a run, summarized. Throughput is in MB/s of
// uncompressed bytes (MB = 10^6 bytes), CPU in seconds per 10^9
// uncompressed bytes.
type Cell struct {
	Op      string `json:"op"`
	Layer   string `json:"layer"`
	Codec   string `json:"codec"`
	From    string `json:"from,omitempty"`
	Level   string `json:"level,omitempty"`
	API     string `json:"api,omitempty"`   // results.APIBuffer for a whole-buffer API
	Write   int    `json:"write,omitempty"` // write size fed to the encoder, when not the default
	Threads int    `json:"threads"`

	MBps Stat `json:"mbps"`
	CPU  Stat `json:"cpu_sec_per_gb"` // N is 0 when CPU was not measured
	// AllocBytes is the median Go heap bytes allocated per pass.
	AllocBytes      float64 `json:"alloc_bytes"`
	RawBytes        int64   `json:"raw_bytes"`
	CompressedBytes int64   `json:"compressed_bytes,omitempty"`
	Verified        bool    `json:"verified"`
	Err             string  `json:"error,omitempty"`

	mbps []float64 // the samples, for comparisons between runs
}

// Key returns the identity of the cell.
func (c *Cell) Key() results.CellKey {
	return results.CellKey{Op: c.Op, Layer: c.Layer, Codec: c.Codec, From: c.From, Level: c.Level, API: c.API, Write: c.Write, Threads: c.Threads}
}

// Ratio is uncompressed over compressed size, or 0 when there is no
// compressed size (memcpy, failures).
func (c *Cell) Ratio() float64 {
	if c.CompressedBytes <= 0 || c.Op == results.OpMemcpy {
		return 0
	}
	return float64(c.RawBytes) / float64(c.CompressedBytes)
}

// Failed reports whether the cell failed.
func (c *Cell) Failed() bool { return c.Err != "" }

// A Setting identifies a codec setting across layers: an encoder at a
// level, or a decoder reading one source.
type Setting = results.Setting

func settingOf(c *Cell) Setting { return c.Key().Setting() }

// An Aggregate is one setting over every layer of a run it applies to,
// weighted by bytes: ratio is total uncompressed over total compressed
// bytes; throughput is total uncompressed bytes over the sum of each
// layer's median time (RawBytes/MB/s); CPU is the bytes-weighted mean of
// each layer's median CPU seconds per GB. Lo and Hi combine the layers'
// 95% intervals the same way, so the interval holds when every layer's
// does; it is missing (CI false) when any layer has none.
type Aggregate struct {
	Setting
	Layers          int     `json:"layers"`
	RawBytes        int64   `json:"raw_bytes"`
	CompressedBytes int64   `json:"compressed_bytes,omitempty"`
	MBps            Stat    `json:"mbps"`
	CPU             Stat    `json:"cpu_sec_per_gb"`
	AllocBytes      float64 `json:"alloc_bytes"` // bytes-weighted mean of medians, per pass
	Verified        bool    `json:"verified"`    // every cell verified
	// Pareto is set on encode settings that no other encode setting of
	// the run beats in both ratio and throughput.
	Pareto bool `json:"pareto,omitempty"`
}

// Ratio is total uncompressed over total compressed bytes, or 0.
func (a *Aggregate) Ratio() float64 {
	if a.CompressedBytes <= 0 {
		return 0
	}
	return float64(a.RawBytes) / float64(a.CompressedBytes)
}

// A Failure is a cell (or a layer load) that failed.
type Failure struct {
	Op      string `json:"op"`
	Layer   string `json:"layer"`
	Codec   string `json:"codec,omitempty"`
	From    string `json:"from,omitempty"`
	Level   string `json:"level,omitempty"`
	API     string `json:"api,omitempty"`
	Write   int    `json:"write,omitempty"`
	Threads int    `json:"threads,omitempty"`
	Err     string `json:"error"`
}

// Cell names the failed cell as results.txt does.
func (f Failure) Cell() string {
	return results.CellKey{Op: f.Op, Layer: f.Layer, Codec: f.Codec, From: f.From, Level: f.Level, API: f.API, Write: f.Write, Threads: f.Threads}.String()
}

// RunData is one run, summarized: what every chart and table is built from.
type RunData struct {
	Label    string      `json:"label"`
	Dir      string      `json:"-"`
	Env      results.Env `json:"-"`
	Layers   []Layer     `json:"layers"`
	Cells    []*Cell     `json:"cells"`
	Failures []Failure   `json:"failures,omitempty"`
	// Corpus holds one Aggregate per setting measured on every layer it
	// applies to: encode and decode on every layer, decode-original on
	// every layer of its format.
	Corpus []*Aggregate `json:"corpus"`
	// Partial lists settings left out of Corpus because some layer lacks
	// them (a failure, or a run cut short), with the reason.
	Partial []string `json:"partial,omitempty"`
	// Samples is the fewest and most samples of any measured cell.
	MinSamples int `json:"min_samples"`
	MaxSamples int `json:"max_samples"`

	cells map[results.CellKey]*Cell
	run   *results.Run // as read: compare reads it too
}

// Cell returns the cell with key k, or nil.
func (r *RunData) Cell(k results.CellKey) *Cell { return r.cells[k] }

// Layer returns the layer called name, or nil.
func (r *RunData) Layer(name string) *Layer {
	for i := range r.Layers {
		if r.Layers[i].Name == name {
			return &r.Layers[i]
		}
	}
	return nil
}

// Aggregate returns the corpus-wide aggregate of s, or nil.
func (r *RunData) Aggregate(s Setting) *Aggregate {
	for _, a := range r.Corpus {
		if a.Setting == s {
			return a
		}
	}
	return nil
}

// Memcpy is the corpus-wide memcpy aggregate, or nil.
func (r *RunData) Memcpy() *Aggregate {
	for _, a := range r.Corpus {
		if a.Op == results.OpMemcpy {
			return a
		}
	}
	return nil
}

// Published returns the total uncompressed and published bytes of the
// layers whose published size is known, and how many they are.
func (r *RunData) Published() (raw, published int64, layers int) {
	for _, l := range r.Layers {
		if l.PublishedBytes > 0 {
			raw += l.RawBytes
			published += l.PublishedBytes
			layers++
		}
	}
	return raw, published, layers
}

// Data is every run of a report, summarized.
type Data struct {
	Runs []*RunData `json:"runs"`
}

// Summarize computes the cells, layers and corpus-wide aggregates of runs.
func Summarize(runs []*Run) *Data {
	d := &Data{}
	for _, r := range runs {
		d.Runs = append(d.Runs, summarizeRun(r))
	}
	return d
}

func summarizeRun(r *Run) *RunData {
	rd := &RunData{Label: r.Label, Dir: r.Path, Env: *r.Env, cells: map[results.CellKey]*Cell{}, run: r.Run}
	layerIdx := map[string]int{}
	addLayer := func(rc *results.Cell) *Layer {
		i, ok := layerIdx[rc.Key.Layer]
		if !ok {
			i = len(rd.Layers)
			layerIdx[rc.Key.Layer] = i
			rd.Layers = append(rd.Layers, Layer{Name: rc.Key.Layer})
		}
		l := &rd.Layers[i]
		first := rc.Records[0]
		l.Digest = cmp.Or(l.Digest, first.LayerDigest)
		l.DiffID = cmp.Or(l.DiffID, first.DiffID)
		if first.RawBytes > 0 {
			l.RawBytes = first.RawBytes
		}
		return l
	}

	rd.MinSamples = math.MaxInt
	for _, rc := range r.Cells {
		k := rc.Key
		if k.Op == results.OpLoad {
			for _, rec := range rc.Records {
				if rec.Err != "" {
					rd.Failures = append(rd.Failures, Failure{Op: k.Op, Layer: k.Layer, Err: rec.Err})
				}
			}
			continue
		}
		l := addLayer(rc)
		c := summarizeCell(rc)
		rd.Cells = append(rd.Cells, c)
		rd.cells[k] = c
		if c.Failed() {
			rd.Failures = append(rd.Failures, Failure{Op: k.Op, Layer: k.Layer, Codec: k.Codec, From: k.From,
				Level: k.Level, API: k.API, Write: k.Write, Threads: k.Threads, Err: c.Err})
			continue
		}
		rd.MinSamples = min(rd.MinSamples, c.MBps.N)
		rd.MaxSamples = max(rd.MaxSamples, c.MBps.N)
		if k.Op == results.OpDecodeOriginal {
			l.Format = cmp.Or(l.Format, k.From)
			if c.CompressedBytes > 0 {
				l.PublishedBytes = c.CompressedBytes
			}
		}
	}
	if rd.MinSamples == math.MaxInt {
		rd.MinSamples = 0
	}
	rd.Corpus, rd.Partial = aggregate(rd)
	markPareto(rd.Corpus)
	return rd
}

// summarizeCell summarizes one cell's exact samples (results.Cell.Exact).
func summarizeCell(rc *results.Cell) *Cell {
	k := rc.Key
	c := &Cell{Op: k.Op, Layer: k.Layer, Codec: k.Codec, From: k.From, Level: k.Level, API: k.API, Write: k.Write, Threads: k.Threads,
		RawBytes: rc.RawBytes, CompressedBytes: rc.CompressedBytes, Verified: rc.Verified, Err: rc.Problem()}
	if c.Err != "" {
		c.Verified = false
		return c
	}
	c.mbps = rc.Exact(results.UnitMBPerSec)
	c.MBps = rc.Summary(results.UnitMBPerSec)
	c.CPU = rc.Summary(results.UnitCPUSecPerGB)
	c.AllocBytes = rc.Summary(results.UnitBytesPerOp).Median
	return c
}

// aggregate computes the corpus-wide aggregate of every setting that every
// layer it applies to has, successfully measured.
func aggregate(rd *RunData) ([]*Aggregate, []string) {
	var settings []Setting
	bySetting := map[Setting][]*Cell{}
	failed := map[Setting][]string{}
	notRun := map[Setting][]string{} // decode cells skipped because the encoder failed
	for _, c := range rd.Cells {
		s := settingOf(c)
		if _, ok := bySetting[s]; !ok {
			settings = append(settings, s)
			bySetting[s] = nil
		}
		if c.Failed() {
			if strings.HasPrefix(c.Err, "not run") {
				notRun[s] = append(notRun[s], c.Layer)
			} else {
				failed[s] = append(failed[s], c.Layer)
			}
			continue
		}
		bySetting[s] = append(bySetting[s], c)
	}
	// The layers each setting applies to.
	var all []string
	byFormat := map[string][]string{}
	for _, l := range rd.Layers {
		all = append(all, l.Name)
		if l.Format != "" {
			byFormat[l.Format] = append(byFormat[l.Format], l.Name)
		}
	}
	var out []*Aggregate
	var partial []string
	for _, s := range settings {
		// Decode settings need their encoder's output on every layer: a
		// layer where the encoder failed leaves them out, as it leaves
		// out the encoder, so that corpus-wide figures cover the same
		// bytes.
		want := all
		if s.Op == results.OpDecodeOriginal {
			want = byFormat[s.From]
		}
		cells := bySetting[s]
		have := map[string]bool{}
		for _, c := range cells {
			have[c.Layer] = true
		}
		var missing []string
		for _, l := range want {
			if !have[l] {
				missing = append(missing, l)
			}
		}
		if len(cells) == 0 || len(missing) > 0 {
			why := "not measured on " + strings.Join(quoteAll(missing), ", ")
			if f := notRun[s]; len(f) > 0 {
				why = "its encoder failed on " + strings.Join(quoteAll(f), ", ")
			}
			if f := failed[s]; len(f) > 0 {
				why = "failed on " + strings.Join(quoteAll(f), ", ")
			}
			partial = append(partial, s.String()+": "+why)
			continue
		}
		out = append(out, aggregateCells(s, cells))
	}
	return out, partial
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

// aggregateCells combines one setting's cells, one per layer, weighting
// each layer by its uncompressed bytes.
func aggregateCells(s Setting, cells []*Cell) *Aggregate {
	a := &Aggregate{Setting: s, Layers: len(cells), Verified: true}
	var tMed, tLo, tHi float64 // seconds per MB, summed over layers × MB
	var cMed, cLo, cHi, alloc float64
	speedCI, cpuCI, cpuN := true, true, 0
	minN := math.MaxInt
	for _, c := range cells {
		mb := float64(c.RawBytes) / 1e6
		a.RawBytes += c.RawBytes
		a.CompressedBytes += c.CompressedBytes
		a.Verified = a.Verified && c.Verified
		minN = min(minN, c.MBps.N)
		tMed += mb / c.MBps.Median
		if c.MBps.CI && c.MBps.Lo > 0 {
			tLo += mb / c.MBps.Hi // the fast end of the interval
			tHi += mb / c.MBps.Lo
		} else {
			speedCI = false
		}
		gb := float64(c.RawBytes) / 1e9
		if c.CPU.N > 0 {
			cpuN++
			cMed += c.CPU.Median * gb
			if c.CPU.CI {
				cLo += c.CPU.Lo * gb
				cHi += c.CPU.Hi * gb
			} else {
				cpuCI = false
			}
		}
		alloc += c.AllocBytes * float64(c.RawBytes)
	}
	totalMB := float64(a.RawBytes) / 1e6
	totalGB := float64(a.RawBytes) / 1e9
	a.MBps = Stat{Median: totalMB / tMed, N: minN}
	if speedCI {
		a.MBps.Lo, a.MBps.Hi, a.MBps.CI = totalMB/tHi, totalMB/tLo, true
	}
	if cpuN == len(cells) {
		a.CPU = Stat{Median: cMed / totalGB, N: minN}
		if cpuCI {
			a.CPU.Lo, a.CPU.Hi, a.CPU.CI = cLo/totalGB, cHi/totalGB, true
		}
	}
	if a.RawBytes > 0 {
		a.AllocBytes = alloc / float64(a.RawBytes)
	}
	if s.Op == results.OpMemcpy {
		a.CompressedBytes = 0
	}
	return a
}

// markPareto marks the encode aggregates on the Pareto front of ratio
// against throughput.
func markPareto(aggs []*Aggregate) {
	var enc []*Aggregate
	for _, a := range aggs {
		if a.Op == results.OpEncode {
			enc = append(enc, a)
		}
	}
	for _, a := range enc {
		a.Pareto = !dominated(a.Ratio(), a.MBps.Median, enc, func(b *Aggregate) (float64, float64) {
			return b.Ratio(), b.MBps.Median
		})
	}
}

// dominated reports whether some other point of ps is at least as good as
// (ratio, speed) in both and better in one.
func dominated[P comparable](ratio, speed float64, ps []P, at func(P) (float64, float64)) bool {
	for _, p := range ps {
		r, s := at(p)
		if r >= ratio && s >= speed && (r > ratio || s > speed) {
			return true
		}
	}
	return false
}
