package plots

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"zbench/results"
)

// This file builds what each chart is drawn from. The data are plain
// values, tested against golden files; charts.go draws them.

// A RefLine is a reference value drawn across a chart: the ratio of the
// blobs as published, the memcpy ceiling.
type RefLine struct {
	Run   string  `json:"run"`
	Label string  `json:"label"`
	Value float64 `json:"value"`
}

// A TradeoffPoint is one encoder setting on the trade-off chart.
type TradeoffPoint struct {
	Run    string  `json:"run"`
	Series string  `json:"series"` // codec, with its threads when more than one
	Level  string  `json:"level"`
	Ratio  float64 `json:"ratio"`
	MBps   Stat    `json:"mbps"` // encode throughput, MB/s of uncompressed bytes
	Pareto bool    `json:"pareto,omitempty"`
}

// TradeoffData is what a trade-off chart is drawn from: ratio against
// encode throughput, for the whole corpus or one layer.
type TradeoffData struct {
	Layer     string          `json:"layer,omitempty"` // empty: the whole corpus, weighted by bytes
	Points    []TradeoffPoint `json:"points"`
	Published []RefLine       `json:"published,omitempty"` // ratio as published, per run
}

// Tradeoff returns the trade-off data of every run, corpus-wide when layer
// is empty, else for that layer.
func (d *Data) Tradeoff(layer string) TradeoffData {
	td := TradeoffData{Layer: layer}
	for _, r := range d.Runs {
		var pts []TradeoffPoint
		if layer == "" {
			for _, a := range r.Corpus {
				if a.Op == results.OpEncode {
					pts = append(pts, TradeoffPoint{Run: r.Label, Series: results.CodecLabel(a.Codec, a.API, a.Threads),
						Level: a.Level, Ratio: a.Ratio(), MBps: a.MBps, Pareto: a.Pareto})
				}
			}
			if raw, pub, n := r.Published(); n > 0 {
				td.Published = append(td.Published, RefLine{Run: r.Label,
					Label: "as published (" + strconv.Itoa(n) + " of " + strconv.Itoa(len(r.Layers)) + " layers)",
					Value: float64(raw) / float64(pub)})
			}
		} else {
			for _, c := range r.Cells {
				if c.Op == results.OpEncode && c.Layer == layer && !c.Failed() {
					pts = append(pts, TradeoffPoint{Run: r.Label, Series: results.CodecLabel(c.Codec, c.API, c.Threads),
						Level: c.Level, Ratio: c.Ratio(), MBps: c.MBps})
				}
			}
			for i := range pts {
				pts[i].Pareto = !dominated(pts[i].Ratio, pts[i].MBps.Median, pts, func(p TradeoffPoint) (float64, float64) {
					return p.Ratio, p.MBps.Median
				})
			}
			if l := r.Layer(layer); l != nil && l.PublishedBytes > 0 {
				td.Published = append(td.Published, RefLine{Run: r.Label, Label: "as published (" + l.Format + ")",
					Value: l.PublishedRatio()})
			}
		}
		sortPoints(pts)
		td.Points = append(td.Points, pts...)
	}
	return td
}

func sortPoints(pts []TradeoffPoint) {
	slices.SortStableFunc(pts, func(a, b TradeoffPoint) int {
		return cmp.Or(compareSeries(a.Series, b.Series), compareLevels(a.Level, b.Level))
	})
}

// A DecodeRow is one decoder reading one source, on the decode chart.
type DecodeRow struct {
	Run     string `json:"run"`
	Decoder string `json:"decoder"` // codec, with its threads when more than one
	// Source is "published" for the blobs as published, else the encoder
	// and level whose output was read: "zstd-cgo 3".
	Source string `json:"source"`
	MBps   Stat   `json:"mbps"`
	CPU    Stat   `json:"cpu_sec_per_gb"`
}

// Label names the row on the chart: "gzip-std ← published".
func (r DecodeRow) Label() string { return r.Decoder + " ← " + r.Source }

// DecodeData is what a decode chart of one format is drawn from,
// corpus-wide (weighted by bytes).
type DecodeData struct {
	Format string      `json:"format"`
	Rows   []DecodeRow `json:"rows"`
	Memcpy []RefLine   `json:"memcpy,omitempty"` // the ceiling, per run
}

// Decode returns the decode throughput of every decoder of format, on the
// blobs as published and on each encoder's output, corpus-wide.
func (d *Data) Decode(format string) DecodeData {
	dd := DecodeData{Format: format}
	formats := d.formats()
	for _, r := range d.Runs {
		for _, a := range r.Corpus {
			if a.Op != results.OpDecode && a.Op != results.OpDecodeOriginal {
				continue
			}
			if formats[a.Codec] != format {
				continue
			}
			src := "published"
			if a.Op == results.OpDecode {
				src = a.From + " " + a.Level
			}
			dd.Rows = append(dd.Rows, DecodeRow{Run: r.Label, Decoder: results.CodecLabel(a.Codec, a.API, a.Threads), Source: src,
				MBps: a.MBps, CPU: a.CPU})
		}
		if m := r.Memcpy(); m != nil && len(dd.Rows) > 0 {
			dd.Memcpy = append(dd.Memcpy, RefLine{Run: r.Label, Label: "memcpy", Value: m.MBps.Median})
		}
	}
	sortDecodeRows(dd.Rows)
	return dd
}

func sortDecodeRows(rows []DecodeRow) {
	slices.SortStableFunc(rows, func(a, b DecodeRow) int {
		return cmp.Or(compareSeries(a.Decoder, b.Decoder), compareSources(a.Source, b.Source))
	})
}

// compareSources puts "published" first, then encoders in series order and
// levels in level order.
func compareSources(a, b string) int {
	if a == b {
		return 0
	}
	if a == "published" {
		return -1
	}
	if b == "published" {
		return 1
	}
	ac, al, _ := strings.Cut(a, " ")
	bc, bl, _ := strings.Cut(b, " ")
	return cmp.Or(compareSeries(ac, bc), compareLevels(al, bl))
}

// DecodeFormats returns the formats that have decode rows, in order.
func (d *Data) DecodeFormats() []string {
	formats := d.formats()
	seen := map[string]bool{}
	for _, r := range d.Runs {
		for _, a := range r.Corpus {
			if a.Op == results.OpDecode || a.Op == results.OpDecodeOriginal {
				seen[formats[a.Codec]] = true
			}
		}
	}
	var out []string
	for f := range seen {
		out = append(out, f)
	}
	slices.SortFunc(out, compareFormats)
	return out
}

// formats maps each codec of the runs to the format it reads and writes.
// A decoder's format is what decode-original says it read; a codec that
// decoded or was decoded by another shares its format; failing both, the
// name's prefix ("zstd-cgo" is zstd).
func (d *Data) formats() map[string]string {
	f := map[string]string{}
	type link struct{ a, b string }
	var links []link
	for _, r := range d.Runs {
		for _, c := range r.Cells {
			switch c.Op {
			case results.OpDecodeOriginal:
				f[c.Codec] = c.From
			case results.OpDecode:
				links = append(links, link{c.Codec, c.From})
			}
		}
	}
	for _, r := range d.Runs {
		for _, c := range r.Cells {
			if _, ok := f[c.Codec]; !ok && c.Op != results.OpMemcpy {
				if p, _, ok := strings.Cut(c.Codec, "-"); ok && (p == "gzip" || p == "zstd") {
					f[c.Codec] = p
				}
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for _, l := range links {
			fa, oka := f[l.a]
			fb, okb := f[l.b]
			switch {
			case oka && !okb:
				f[l.b], changed = fa, true
			case okb && !oka:
				f[l.a], changed = fb, true
			}
		}
	}
	return f
}

// A CPURow is one setting on a CPU chart.
type CPURow struct {
	Run    string `json:"run"`
	Series string `json:"series"` // the codec timed, with its threads when more than one
	Label  string `json:"label"`
	CPU    Stat   `json:"cpu_sec_per_gb"`
}

// CPUData is what a CPU chart is drawn from: CPU seconds (user+system) per
// 10^9 uncompressed bytes, corpus-wide.
type CPUData struct {
	Op   string   `json:"op"` // encode or decode (which includes decode-original)
	Rows []CPURow `json:"rows"`
}

// CPU returns the CPU cost of every encode setting (op "encode") or every
// decode setting (op "decode": recompressed output and blobs as published).
func (d *Data) CPU(op string) CPUData {
	cd := CPUData{Op: op}
	var keys []Setting
	rows := map[Setting][]CPURow{}
	for _, r := range d.Runs {
		for _, a := range r.Corpus {
			want := a.Op == op || (op == results.OpDecode && a.Op == results.OpDecodeOriginal)
			if !want || a.CPU.N == 0 {
				continue
			}
			if _, ok := rows[a.Setting]; !ok {
				keys = append(keys, a.Setting)
			}
			rows[a.Setting] = append(rows[a.Setting], CPURow{Run: r.Label, Series: results.CodecLabel(a.Codec, a.API, a.Threads),
				Label: a.Setting.String(), CPU: a.CPU})
		}
	}
	slices.SortStableFunc(keys, compareSettings)
	for _, k := range keys {
		cd.Rows = append(cd.Rows, rows[k]...)
	}
	return cd
}

func compareSettings(a, b Setting) int {
	src := func(s Setting) string {
		if s.Op == results.OpDecodeOriginal {
			return "published"
		}
		return s.From + " " + s.Level
	}
	if a.Op == results.OpEncode && b.Op == results.OpEncode {
		return cmp.Or(compareSeries(results.CodecLabel(a.Codec, a.API, a.Threads), results.CodecLabel(b.Codec, b.API, b.Threads)), compareLevels(a.Level, b.Level))
	}
	return cmp.Or(compareSeries(results.CodecLabel(a.Codec, a.API, a.Threads), results.CodecLabel(b.Codec, b.API, b.Threads)), compareSources(src(a), src(b)))
}

// A LevelPoint is one encoder setting on the charts against level.
type LevelPoint struct {
	Run    string  `json:"run"`
	Series string  `json:"series"`
	Level  string  `json:"level"`
	X      float64 `json:"x"` // where the level is drawn: its number, or the libzstd level a named level approximates
	Ratio  float64 `json:"ratio"`
	MBps   Stat    `json:"mbps"` // encode throughput
}

// LevelData is what the ratio-against-level and speed-against-level charts
// are drawn from, corpus-wide.
type LevelData struct {
	Points []LevelPoint `json:"points"`
	// Unplaced lists settings whose level has no place on a level axis
	// (gzip-klauspost's huffman and stateless modes).
	Unplaced []string `json:"unplaced,omitempty"`
}

// namedLevels places named levels on the level axis: zstd-klauspost's
// levels at the libzstd level its README says each approximates.
var namedLevels = map[string]float64{"fastest": 1, "default": 3, "better": 7, "best": 11}

// levelX returns where a level goes on a level axis.
func levelX(level string) (float64, bool) {
	if n, err := strconv.Atoi(level); err == nil {
		return float64(n), true
	}
	x, ok := namedLevels[level]
	return x, ok
}

// Levels returns every corpus-wide encode setting placed on a level axis.
func (d *Data) Levels() LevelData {
	var ld LevelData
	for _, r := range d.Runs {
		var pts []LevelPoint
		for _, a := range r.Corpus {
			if a.Op != results.OpEncode {
				continue
			}
			x, ok := levelX(a.Level)
			if !ok {
				ld.Unplaced = append(ld.Unplaced, r.Label+": "+a.Setting.String())
				continue
			}
			pts = append(pts, LevelPoint{Run: r.Label, Series: results.CodecLabel(a.Codec, a.API, a.Threads), Level: a.Level, X: x,
				Ratio: a.Ratio(), MBps: a.MBps})
		}
		slices.SortStableFunc(pts, func(a, b LevelPoint) int {
			return cmp.Or(compareSeries(a.Series, b.Series), cmp.Compare(a.X, b.X))
		})
		ld.Points = append(ld.Points, pts...)
	}
	return ld
}

// Interop statuses.
const (
	InteropVerified = "verified" // every cell decoded to the layer's diffID
	InteropFailed   = "failed"   // some cell failed or was not verified
	InteropNotRun   = "not run"  // same format, but no cell was measured
	InteropNA       = "n/a"      // the decoder does not read the encoder's format
)

// An InteropCell is one encoder and decoder pair of the interop matrix,
// over every layer and level.
type InteropCell struct {
	Encoder  string `json:"encoder"`
	Decoder  string `json:"decoder"`
	Status   string `json:"status"`
	Verified int    `json:"verified,omitempty"` // cells verified
	Failed   int    `json:"failed,omitempty"`   // cells failed or not verified
	NotRun   int    `json:"not_run,omitempty"`  // cells skipped because the encoder failed
}

// InteropData is the interop matrix of one run: rows are encoders (and the
// blobs as published, per format), columns decoders.
type InteropData struct {
	Run      string        `json:"run"`
	Encoders []string      `json:"encoders"`
	Decoders []string      `json:"decoders"`
	Cells    []InteropCell `json:"cells"` // row by row
}

// Cell returns the cell of encoder row i and decoder column j.
func (m InteropData) Cell(i, j int) InteropCell { return m.Cells[i*len(m.Decoders)+j] }

// Interop returns the interop matrix of each run.
func (d *Data) Interop() []InteropData {
	formats := d.formats()
	var out []InteropData
	for _, r := range d.Runs {
		m := InteropData{Run: r.Label}
		encFormat := map[string]string{} // by encoder codec name, or "published FORMAT"
		encLabel := map[string]string{}
		decFormat := map[string]string{} // by decoder label
		type pair struct{ enc, dec string }
		counts := map[pair]*InteropCell{}
		for _, c := range r.Cells {
			var enc string
			switch c.Op {
			case results.OpEncode:
				// Decode cells name their encoder without its threads;
				// label the row with them.
				// A whole-buffer encoder is a row of its own.
				enc = results.CodecLabel(c.Codec, c.API, 1)
				encFormat[enc] = formats[c.Codec]
				encLabel[enc] = results.CodecLabel(c.Codec, c.API, c.Threads)
				continue
			case results.OpDecodeOriginal:
				enc = "published " + c.From
				encFormat[enc] = c.From
			case results.OpDecode:
				enc = results.CodecLabel(c.From, c.API, 1) // a buffer decoder reads a buffer encoder's output
				if _, ok := encFormat[enc]; !ok {
					encFormat[enc] = formats[c.From]
				}
			default:
				continue
			}
			dec := results.CodecLabel(c.Codec, c.API, c.Threads)
			decFormat[dec] = formats[c.Codec]
			p := pair{enc, dec}
			ic := counts[p]
			if ic == nil {
				ic = &InteropCell{Decoder: dec}
				counts[p] = ic
			}
			switch {
			case strings.HasPrefix(c.Err, "not run"):
				ic.NotRun++
			case c.Failed() || !c.Verified:
				ic.Failed++
			default:
				ic.Verified++
			}
		}
		label := func(enc string) string { return cmp.Or(encLabel[enc], enc) }
		var encs []string
		for e := range encFormat {
			encs = append(encs, e)
		}
		for dname := range decFormat {
			m.Decoders = append(m.Decoders, dname)
		}
		if len(m.Decoders) == 0 {
			continue
		}
		slices.SortFunc(encs, func(a, b string) int {
			ap, bp := strings.HasPrefix(a, "published "), strings.HasPrefix(b, "published ")
			return cmp.Or(compareFormats(encFormat[a], encFormat[b]), -cmpBool(ap, bp), compareSeries(label(a), label(b)))
		})
		slices.SortFunc(m.Decoders, func(a, b string) int {
			return cmp.Or(compareFormats(decFormat[a], decFormat[b]), compareSeries(a, b))
		})
		for _, e := range encs {
			m.Encoders = append(m.Encoders, label(e))
			for _, dn := range m.Decoders {
				if ic := counts[pair{e, dn}]; ic != nil {
					switch {
					case ic.Failed > 0:
						ic.Status = InteropFailed
					case ic.Verified > 0:
						ic.Status = InteropVerified
					default:
						ic.Status = InteropNotRun
					}
					ic.Encoder = label(e)
					m.Cells = append(m.Cells, *ic)
					continue
				}
				st := InteropNotRun
				if encFormat[e] != decFormat[dn] {
					st = InteropNA
				}
				m.Cells = append(m.Cells, InteropCell{Encoder: label(e), Decoder: dn, Status: st})
			}
		}
		out = append(out, m)
	}
	return out
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// compareFormats orders gzip before zstd before anything else.
func compareFormats(a, b string) int {
	rank := func(f string) int {
		switch f {
		case "gzip":
			return 0
		case "zstd":
			return 1
		}
		return 2
	}
	return cmp.Or(cmp.Compare(rank(a), rank(b)), strings.Compare(a, b))
}

// compareSeries orders codec labels: gzip codecs, then zstd, then others;
// by name; fewer threads first.
func compareSeries(a, b string) int {
	fa, _, _ := strings.Cut(a, "-")
	fb, _, _ := strings.Cut(b, "-")
	na, ta := splitThreads(a)
	nb, tb := splitThreads(b)
	return cmp.Or(compareFormats(fa, fb), strings.Compare(na, nb), cmp.Compare(ta, tb))
}

func splitThreads(label string) (string, int) {
	name, t, ok := strings.Cut(label, " ×")
	if !ok {
		return label, 1
	}
	n, err := strconv.Atoi(t)
	if err != nil {
		return label, 1
	}
	return name, n
}

// compareLevels orders numeric levels by number, named levels by where
// they sit on a level axis, and the rest after them by name.
func compareLevels(a, b string) int {
	xa, oka := levelX(a)
	xb, okb := levelX(b)
	switch {
	case oka && okb:
		return cmp.Or(cmp.Compare(xa, xb), strings.Compare(a, b))
	case oka:
		return -1
	case okb:
		return 1
	}
	return strings.Compare(a, b)
}
