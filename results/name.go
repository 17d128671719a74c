package results

import (
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/perf/benchfmt"
)

// Units of the metrics on each result line besides the testing package's
// ns/op, MB/s, B/op and allocs/op.
const (
	UnitRatio       = "ratio"        // uncompressed size over compressed size
	UnitCompressedB = "compressed-B" // compressed bytes of the cell's stream
	UnitCPUSecPerGB = "cpu-sec/GB"   // user+system CPU seconds per 10^9 uncompressed bytes
)

// Units of the testing package's metrics, as Record.Values names them.
const (
	UnitNSPerOp     = "ns/op"     // wall nanoseconds per pass
	UnitMBPerSec    = "MB/s"      // uncompressed MB (10^6 bytes) per wall second
	UnitBytesPerOp  = "B/op"      // Go heap bytes allocated per pass
	UnitAllocsPerOp = "allocs/op" // Go heap allocations per pass
)

const (
	unitNSPerOp      = UnitNSPerOp
	unitMBPerSec     = UnitMBPerSec
	unitBytesPerOp   = UnitBytesPerOp
	unitAllocsPerOp  = UnitAllocsPerOp
	failPrefix       = "--- FAIL: "
	benchmarkPrefix  = "Benchmark"
	defaultMemcpyKey = "memcpy"
)

// unitLines follow the configuration at the top of results.txt. benchstat
// reads them to treat ratio and compressed-B as exact (a plain delta, no
// p-value) and to know which direction is better.
//
// Note: they are written as text because benchfmt.Writer writes one
// key=value per Unit line; the format allows several, and one line per unit
// reads better.
const unitLines = "Unit " + UnitRatio + " assume=exact better=higher\n" +
	"Unit " + UnitCompressedB + " assume=exact better=lower\n" +
	"Unit " + UnitCPUSecPerGB + " better=lower\n"

// Name returns the benchmark name of r's cell without the "Benchmark"
// prefix, as benchfmt.Result.Name holds it:
//
//	Encode/layer=L/codec=C[/api=buffer]/level=V[/write=N]/threads=T-G
//	Decode/layer=L/codec=DECODER[/api=buffer]/from=ENCODER/level=V[/write=N]/threads=T-G
//	DecodeOriginal/layer=L/codec=DECODER/from=FORMAT/threads=T-G
//	Memcpy/layer=L/codec=memcpy/threads=1-G
//
// G is gomaxprocs, always present. Note: without the suffix benchfmt would
// read a value such as "level=-1" as "level=" run with GOMAXPROCS -1.
// api= names the library API when it is not the streaming one (APIBuffer),
// write= the bytes per Write fed to a streaming encoder when not
// DefaultWrite. Empty api=, from=, level= and write= parts are left out; values have '/' and white space
// replaced by '_'; a threads count below 1 is written as 1.
func (r Record) Name(gomaxprocs int) string {
	return r.Key().name() + "-" + strconv.Itoa(gomaxprocs)
}

// name is k's benchmark name without "Benchmark" and without the
// -GOMAXPROCS suffix.
func (k CellKey) name() string {
	var b strings.Builder
	b.WriteString(opName(k.Op))
	part := func(key, val string) {
		b.WriteString("/" + key + "=" + sanitize(val))
	}
	part("layer", k.Layer)
	codec := k.Codec
	if codec == "" && k.Op == OpMemcpy {
		codec = defaultMemcpyKey
	}
	if codec != "" || k.Op != OpLoad {
		part("codec", codec)
	}
	if k.API != "" {
		part("api", k.API)
	}
	if k.From != "" {
		part("from", k.From)
	}
	if k.Level != "" {
		part("level", k.Level)
	}
	if k.Write > 0 {
		part("write", strconv.Itoa(k.Write))
	}
	if k.Op != OpLoad {
		part("threads", strconv.Itoa(max(k.Threads, 1)))
	}
	return b.String()
}

// opName turns an Op into the base of a benchmark name: "decode-original"
// becomes "DecodeOriginal".
func opName(op string) string {
	if op == "" {
		return "Unknown"
	}
	var b strings.Builder
	for _, w := range strings.FieldsFunc(op, func(r rune) bool { return r == '-' || r == '_' || unicode.IsSpace(r) || r == '/' }) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

// sanitize keeps a name value to one name part: '/' would start a new part
// and white space would end the name, so both become '_'.
func sanitize(v string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || unicode.IsSpace(r) {
			return '_'
		}
		return r
	}, v)
}

// Values returns the metrics of one sample, in the order results.txt
// writes them:
//
//	ns/op        WallNS/Iters
//	MB/s         RawBytes*Iters/WallNS*1e3 (MB = 10^6 bytes)
//	ratio        RawBytes/CompressedBytes (left out when CompressedBytes is 0, as for memcpy)
//	compressed-B CompressedBytes (left out when 0)
//	cpu-sec/GB   CPU seconds per 10^9 uncompressed bytes (left out when CPUNS is 0: not measured)
//	B/op         AllocBytes
//	allocs/op    Allocs
//
// Derived values (ns/op, MB/s, ratio, cpu-sec/GB) are rounded to 6
// significant digits, far below the noise of any measurement, to keep the
// lines short; samples.jsonl keeps the raw numbers. A failure record (Err
// set) or one with no iterations or no time has no values.
func (r Record) Values() []benchfmt.Value {
	vals := r.metrics()
	for i, v := range vals {
		switch v.Unit {
		case unitNSPerOp, unitMBPerSec, UnitRatio, UnitCPUSecPerGB:
			vals[i].Value = round6(v.Value)
		}
	}
	return vals
}

// metrics returns the metrics of one sample as Values does, exact: derived
// values are not rounded. It is the one definition of each metric; a new
// metric is added here (and shown where it is wanted).
func (r Record) metrics() []benchfmt.Value {
	if r.Err != "" || r.Iters <= 0 || r.WallNS <= 0 {
		return nil
	}
	iters := float64(r.Iters)
	raw := float64(r.RawBytes) * iters // uncompressed bytes over the sample
	vals := []benchfmt.Value{
		{Value: float64(r.WallNS) / iters, Unit: unitNSPerOp},
		{Value: raw / float64(r.WallNS) * 1e3, Unit: unitMBPerSec},
	}
	if r.CompressedBytes > 0 && r.Op != OpMemcpy {
		vals = append(vals,
			benchfmt.Value{Value: float64(r.RawBytes) / float64(r.CompressedBytes), Unit: UnitRatio},
			benchfmt.Value{Value: float64(r.CompressedBytes), Unit: UnitCompressedB})
	}
	if r.CPUNS > 0 && raw > 0 {
		// ns per byte is seconds per 10^9 bytes.
		vals = append(vals, benchfmt.Value{Value: float64(r.CPUNS) / raw, Unit: UnitCPUSecPerGB})
	}
	vals = append(vals,
		benchfmt.Value{Value: float64(r.AllocBytes), Unit: unitBytesPerOp},
		benchfmt.Value{Value: float64(r.Allocs), Unit: unitAllocsPerOp})
	return vals
}

// round6 rounds v to 6 significant digits.
func round6(v float64) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 6, 64), 64)
	if err != nil {
		return v
	}
	return r
}

// failLine is how results.txt shows a failed cell: a line in go test's
// "--- FAIL: " form, which the benchmark format (and so benchfmt and
// benchstat) ignores but a reader sees.
func failLine(r Record, gomaxprocs int) string {
	return failPrefix + benchmarkPrefix + r.Name(gomaxprocs) + ": " + oneLine(r.Err) + "\n"
}

// oneLine joins the non-blank lines of s, trimmed, with "; " (or a space
// after a line ending in ':').
func oneLine(s string) string {
	var b strings.Builder
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		if b.Len() > 0 {
			if strings.HasSuffix(b.String(), ":") {
				b.WriteString(" ")
			} else {
				b.WriteString("; ")
			}
		}
		b.WriteString(l)
	}
	return b.String()
}
