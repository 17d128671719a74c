package evidence

import (
	"fmt"
	"slices"
	"sort"

	"zbench/results"
)

// A Run is one run directory as results.Load reads it.
type Run struct {
	Dir     string
	Env     results.Env
	Records []results.Record
}

// LoadRun reads a run directory.
func LoadRun(dir string) (Run, error) {
	env, recs, err := results.Load(dir)
	if err != nil {
		return Run{}, fmt.Errorf("loading run %q: %w", dir, err)
	}
	return Run{Dir: dir, Env: env, Records: recs}, nil
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
	byLoose map[looseKey]*cell
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
	d := &data{runs: runs, cells: map[results.CellKey]*cell{}, byLoose: map[looseKey]*cell{}, byName: map[string]*layer{}}
	for _, r := range runs {
		groups := map[results.CellKey][]results.Record{}
		var order []results.CellKey
		for _, rec := range r.Records {
			k := rec.Key()
			if k.API != "" {
				continue // the answers are what streaming clients get; whole-buffer ceilings are the report's
			}
			if _, ok := groups[k]; !ok {
				order = append(order, k)
			}
			groups[k] = append(groups[k], rec)
		}
		for _, k := range order {
			recs := groups[k]
			if k.Op == results.OpLoad {
				for _, rec := range recs {
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
			c := summarize(k, recs)
			c.run = r.Dir
			d.cells[k] = c
			if _, ok := d.byLoose[loose(k)]; !ok {
				d.byLoose[loose(k)] = c
			}
			d.order = append(d.order, k)
			l := d.byName[k.Layer]
			if l == nil {
				l = &layer{name: k.Layer, run: r.Dir}
				d.byName[k.Layer] = l
				d.layers = append(d.layers, l)
			}
			for _, rec := range recs {
				if l.digest == "" {
					l.digest = rec.LayerDigest
				}
				if l.diffID == "" {
					l.diffID = rec.DiffID
				}
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

// summarize computes a cell's medians from its records, as results.txt
// computes each sample's MB/s and cpu-sec/GB.
func summarize(k results.CellKey, recs []results.Record) *cell {
	c := &cell{key: k, verified: true}
	var mbps, cpu []float64
	for _, r := range recs {
		if r.RawBytes > 0 {
			c.rawBytes = r.RawBytes
		}
		if r.CompressedBytes > 0 {
			c.compressedBytes = r.CompressedBytes
		}
		if r.Err != "" {
			if c.err == "" {
				c.err = r.Err
			}
			continue
		}
		c.verified = c.verified && r.Verified
		if r.Iters <= 0 || r.WallNS <= 0 {
			continue
		}
		raw := float64(r.RawBytes) * float64(r.Iters)
		mbps = append(mbps, raw/float64(r.WallNS)*1e3)
		if r.CPUNS > 0 && raw > 0 {
			cpu = append(cpu, float64(r.CPUNS)/raw)
		}
	}
	c.samples = len(mbps)
	if c.err == "" && len(mbps) == 0 {
		c.err = "no samples"
	}
	if c.err != "" {
		c.verified = false
		return c
	}
	c.mbps = median(mbps)
	c.cpu = median(cpu)
	return c
}

// median returns the median of vs (the mean of the middle two for an even
// count), 0 for none. vs is left unchanged.
func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// get returns the cell of k, or nil.
func (d *data) get(k results.CellKey) *cell { return d.cells[k] }

// An Encoder is an encode setting: a codec at a level, with its threads.
type Encoder struct {
	Codec   string `json:"codec"`
	Level   string `json:"level"`
	Threads int    `json:"threads"`
	Format  string `json:"format"`
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
	return d.get(results.CellKey{Op: results.OpEncode, Layer: l, Codec: e.Codec, Level: e.Level, Threads: e.Threads})
}

// looseKey is a cell key without the threads: a decoder's thread count
// follows GOMAXPROCS for some codecs, and a question names only the codec.
type looseKey struct{ op, layer, codec, from, level string }

func loose(k results.CellKey) looseKey { return looseKey{k.Op, k.Layer, k.Codec, k.From, k.Level} }

// decodeCell returns the cell of decoder dec reading e's output on layer l,
// whatever the decoder's threads.
func (d *data) decodeCell(e Encoder, dec, l string) *cell {
	return d.byLoose[looseKey{results.OpDecode, l, dec, e.Codec, e.Level}]
}

// originalCell returns the decode-original cell of decoder dec on layer l.
func (d *data) originalCell(dec, l string) *cell {
	for _, f := range []string{"gzip", "zstd"} {
		if c := d.byLoose[looseKey{results.OpDecodeOriginal, l, dec, f, ""}]; c != nil {
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
