package evidence

import (
	"fmt"
	"slices"

	"zbench/results"
)

// A Run is one run as results.ReadRun reads it.
type Run = *results.Run

// LoadRun reads a run directory (the evidence needs samples.jsonl and
// env.json, so not a bare results.txt).
func LoadRun(dir string) (Run, error) {
	r, err := results.ReadRun(dir)
	if err == nil && r.Env == nil {
		err = fmt.Errorf("%s is a results file: the evidence needs the run directory's %s and %s", r.Path, results.EnvFile, results.SamplesFile)
	}
	if err != nil {
		return nil, fmt.Errorf("loading run %q: %w", dir, err)
	}
	return r, nil
}

// A cell is one measured cell, summarised: the medians of its samples.
type cell struct {
	key             results.CellKey
	rawBytes        int64
	compressedBytes int64
	// mbps is the median of the samples' throughput, MB (10^6 bytes) of
	// uncompressed data per wall second; cpu the median CPU seconds per
	// 10^9 uncompressed bytes (0 when not measured). Both as results.txt
	// computes each sample's value.
	mbps     float64
	cpu      float64
	samples  int
	verified bool
	err      string
	run      string // the run directory it came from
}

func (c *cell) ok() bool { return c != nil && c.err == "" && c.mbps > 0 }

// seconds is how long the cell's operation takes on its raw bytes, at the
// median throughput.
func (c *cell) seconds() float64 { return float64(c.rawBytes) / (c.mbps * 1e6) }

// cpuSeconds is the CPU time of one operation on its raw bytes, at the
// median CPU per GB.
func (c *cell) cpuSeconds() float64 { return c.cpu * float64(c.rawBytes) / 1e9 }

// layer is what the records say of one layer.
type layer struct {
	name      string
	digest    string
	diffID    string
	rawBytes  int64
	published int64  // size of the blob as published (from decode-original), 0 if unknown
	format    string // format of the blob as published, from decode-original cells
	run       string
}

// data is every cell of the runs given, indexed.
type data struct {
	runs    []Run
	cells   map[results.CellKey]*cell
	byLoose map[results.CellKey]*cell // by CellKey.AnyThreads
	order   []results.CellKey
	layers  []*layer
	byName  map[string]*layer
	// duplicates counts cells measured in more than one run: the first
	// run's are used.
	duplicates int
	loadFails  []loadFail
	formats    map[string]string // codec → format, made by formatOf
}

// A loadFail is a layer that failed to load, and why.
type loadFail struct{ name, err string }

// index summarises the runs' records into cells. A cell measured in more
// than one run is taken from the first.
func index(runs []Run) *data {
	d := &data{runs: runs, cells: map[results.CellKey]*cell{}, byLoose: map[results.CellKey]*cell{}, byName: map[string]*layer{}}
	for _, r := range runs {
		for _, rc := range r.Cells {
			k := rc.Key
			if k.API != "" {
				continue // the answers are what streaming clients get; whole-buffer ceilings are the report's
			}
			if k.Op == results.OpLoad {
				for _, rec := range rc.Records {
					if rec.Err != "" {
						d.loadFails = append(d.loadFails, loadFail{k.Layer, rec.Err})
					}
				}
				continue
			}
			if _, dup := d.cells[k]; dup {
				if k.Op != results.OpMemcpy {
					d.duplicates++
				}
				continue
			}
			c := summarize(rc)
			c.run = r.Path
			d.cells[k] = c
			if _, ok := d.byLoose[k.AnyThreads()]; !ok {
				d.byLoose[k.AnyThreads()] = c
			}
			d.order = append(d.order, k)
			l := d.byName[k.Layer]
			if l == nil {
				l = &layer{name: k.Layer, run: r.Path}
				d.byName[k.Layer] = l
				d.layers = append(d.layers, l)
			}
			if l.digest == "" {
				l.digest = rc.LayerDigest
			}
			if l.diffID == "" {
				l.diffID = rc.DiffID
			}
			if c.rawBytes > 0 {
				l.rawBytes = c.rawBytes
			}
			if k.Op == results.OpDecodeOriginal && c.compressedBytes > 0 {
				l.published = c.compressedBytes
				l.format = k.From
			}
		}
	}
	return d
}

// summarize takes a cell's medians: throughput and CPU per GB, as
// samples.jsonl gives each sample's (results.Cell.Exact).
func summarize(rc *results.Cell) *cell {
	c := &cell{key: rc.Key, rawBytes: rc.RawBytes, compressedBytes: rc.CompressedBytes, verified: rc.Verified, err: rc.Problem()}
	c.samples = rc.Samples()
	if c.err != "" {
		c.verified = false
		return c
	}
	c.mbps = rc.Summary(results.UnitMBPerSec).Median
	c.cpu = rc.Summary(results.UnitCPUSecPerGB).Median
	return c
}

// get returns the cell of k, or nil.
func (d *data) get(k results.CellKey) *cell { return d.cells[k] }

// An Encoder is an encode setting (a results.Setting of OpEncode) with the
// format it writes, as the evidence's JSON shows it.
type Encoder struct {
	Codec   string `json:"codec"`
	Level   string `json:"level"`
	Threads int    `json:"threads"`
	Format  string `json:"format"`
}

// Setting is e as a results.Setting.
func (e Encoder) Setting() results.Setting {
	return results.Setting{Op: results.OpEncode, Codec: e.Codec, Level: e.Level, Threads: e.Threads}
}

func (e Encoder) String() string {
	s := e.Codec + " " + e.Level
	if e.Threads > 1 {
		s += fmt.Sprintf(" (%d threads)", e.Threads)
	}
	return s
}

// encoders returns the encode settings of the runs, in the order first
// measured.
func (d *data) encoders() []Encoder {
	var out []Encoder
	seen := map[Encoder]bool{}
	for _, k := range d.order {
		if k.Op != results.OpEncode {
			continue
		}
		e := Encoder{Codec: k.Codec, Level: k.Level, Threads: k.Threads, Format: d.formatOf(k.Codec)}
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out
}

// formatOf returns a codec's format: the format of the published blobs it
// decoded, or of the decoders that read its output, or else what its name
// says.
func (d *data) formatOf(codec string) string {
	if d.formats == nil {
		d.formats = map[string]string{}
		for _, k := range d.order {
			if k.Op == results.OpDecodeOriginal {
				d.formats[k.Codec] = k.From
			}
		}
		for _, k := range d.order {
			if f, ok := d.formats[k.Codec]; ok && k.Op == results.OpDecode {
				if _, known := d.formats[k.From]; !known {
					d.formats[k.From] = f
				}
			}
		}
	}
	if f, ok := d.formats[codec]; ok {
		return f
	}
	return guessFormat(codec)
}

// guessFormat tells a codec's format from its name (gzip-…, zstd-…, and
// the reference programs), for runs without the decode cells that say it.
func guessFormat(codec string) string {
	switch {
	case len(codec) >= 4 && codec[:4] == "zstd":
		return "zstd"
	case codec == "":
		return ""
	}
	return "gzip"
}

// encodeCell returns the encode cell of e on layer l.
func (d *data) encodeCell(e Encoder, l string) *cell {
	return d.get(e.Setting().On(l))
}

// decodeCell returns the cell of decoder dec reading e's output on layer l,
// whatever the decoder's threads.
func (d *data) decodeCell(e Encoder, dec, l string) *cell {
	return d.byLoose[results.CellKey{Op: results.OpDecode, Layer: l, Codec: dec, From: e.Codec, Level: e.Level}]
}

// originalCell returns the decode-original cell of decoder dec on layer l.
func (d *data) originalCell(dec, l string) *cell {
	for _, f := range []string{"gzip", "zstd"} {
		if c := d.byLoose[results.CellKey{Op: results.OpDecodeOriginal, Layer: l, Codec: dec, From: f}]; c != nil {
			return c
		}
	}
	return nil
}

// decoders returns the decoders of format seen in the runs, in order.
func (d *data) decoders(format string) []string {
	var out []string
	for _, k := range d.order {
		if (k.Op == results.OpDecodeOriginal || k.Op == results.OpDecode) && d.formatOf(k.Codec) == format &&
			!slices.Contains(out, k.Codec) {
			out = append(out, k.Codec)
		}
	}
	return out
}
