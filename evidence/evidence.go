package evidence

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"zbench/lazy/lazydoc"
	"zbench/results"
)

// Params are the assumptions the figures depend on; every one is a flag of
// zbench evidence and zbench report.
type Params struct {
	// Bandwidths are the link speeds pull time is computed at.
	Bandwidths []Bandwidth `json:"bandwidths"`
	// VCPUHourUSD is the price of one vCPU for an hour, in US dollars.
	VCPUHourUSD float64 `json:"vcpu_hour_usd"`
	// EgressGBUSD is the price of sending 10^9 bytes to the internet.
	EgressGBUSD float64 `json:"egress_gb_usd"`
	// PriceSource says where the prices come from.
	PriceSource string `json:"price_source"`
	// Decoders names, per format, the decoder a client (and a converting
	// registry) uses: its decode throughput and CPU are what pull time
	// and conversion cost are computed from.
	Decoders map[string]string `json:"decoders"`
	// MoreLevels says how to measure more zstd levels, for the levels
	// answer's method ("(-levels zstd-cgo=1-19)" from the command); when
	// empty the method says "(more zstd-cgo levels)". It is not part of the
	// JSON.
	MoreLevels string `json:"-"`
	// Clients are the client profiles (see clients.go) whose pull times
	// are computed side by side; none for no per-client answer.
	Clients []Profile `json:"clients,omitempty"`
}

// A Bandwidth is a link speed.
type Bandwidth struct {
	Name          string  `json:"name"` // as given: "1Gbit"
	BitsPerSecond float64 `json:"bits_per_second"`
}

// The default prices: list prices of one public cloud, to be overridden
// with the reader's own.
const (
	// DefaultVCPUHourUSD is AWS EC2 on-demand c5.2xlarge in us-east-1
	// (Linux): $0.34 an hour for 8 vCPUs.
	DefaultVCPUHourUSD = 0.34 / 8
	// DefaultEgressGBUSD is AWS data transfer out to the internet, first
	// 10 TB a month, us-east-1.
	DefaultEgressGBUSD = 0.09
	// DefaultVCPUHourSource and DefaultEgressGBSource say where each
	// default price comes from.
	DefaultVCPUHourSource = "AWS EC2 on-demand c5.2xlarge, us-east-1, Linux, $0.34/hour for 8 vCPUs = $0.0425 per vCPU-hour"
	DefaultEgressGBSource = "AWS data transfer out to the internet, first 10 TB/month, us-east-1, $0.09 per GB"
	// DefaultPriceSource says so.
	DefaultPriceSource = "assumed list prices of one public cloud, to override with -vcpu-hour and -egress-gb: " +
		DefaultVCPUHourSource + "; " + DefaultEgressGBSource + ". Not fetched by zbench; " +
		"prices change, and committed-use, spot and CDN prices are much lower."
)

// PriceSource says where the prices come from: DefaultPriceSource for the
// defaults; else which were given (on the command line) and, for a default
// kept, its source.
func PriceSource(vcpuHourUSD, egressGBUSD float64) string {
	if vcpuHourUSD == DefaultVCPUHourUSD && egressGBUSD == DefaultEgressGBUSD {
		return DefaultPriceSource
	}
	var given []string
	dflt := ""
	if vcpuHourUSD != DefaultVCPUHourUSD {
		given = append(given, "$"+strconv.FormatFloat(vcpuHourUSD, 'g', -1, 64)+" per vCPU-hour")
	} else {
		dflt = DefaultVCPUHourSource
	}
	if egressGBUSD != DefaultEgressGBUSD {
		given = append(given, "$"+strconv.FormatFloat(egressGBUSD, 'g', -1, 64)+" per GB of egress")
	} else {
		dflt = DefaultEgressGBSource
	}
	s := "given on the command line: " + strings.Join(given, ", ")
	if dflt != "" {
		s += "; the other is the default, an assumed list price not fetched by zbench: " + dflt
	}
	return s + "."
}

// DefaultBandwidths are 100 Mbit/s, 1 Gbit/s and 10 Gbit/s.
func DefaultBandwidths() []Bandwidth {
	bs, _ := ParseBandwidths("100Mbit,1Gbit,10Gbit")
	return bs
}

// DefaultDecoders are Go's compress/gzip (gzip-std) and klauspost's zstd
// (zstd-klauspost): the decoders of containerd before v2.4 and of Docker
// when neither igzip nor unpigz is on PATH. The client profiles
// ([Clients], Params.Clients) say what each client runs today.
func DefaultDecoders() map[string]string {
	return map[string]string{"gzip": "gzip-std", "zstd": "zstd-klauspost"}
}

// DefaultParams are the defaults of zbench evidence.
func DefaultParams() Params {
	return Params{
		Bandwidths:  DefaultBandwidths(),
		VCPUHourUSD: DefaultVCPUHourUSD,
		EgressGBUSD: DefaultEgressGBUSD,
		PriceSource: DefaultPriceSource,
		Decoders:    DefaultDecoders(),
	}
}

// Prices states the prices as used and their source, for people.
func (p Params) Prices() string {
	s := fmt.Sprintf("$%s per vCPU-hour and $%s per GB (10^9 bytes) of egress. Source: %s",
		strconv.FormatFloat(p.VCPUHourUSD, 'g', -1, 64), strconv.FormatFloat(p.EgressGBUSD, 'g', -1, 64), p.PriceSource)
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// ParseBandwidths parses a comma-separated list of link speeds: a number
// and a unit, bit, kbit, Mbit, Gbit or Tbit (per second, powers of 10; "bps"
// forms such as Mbps are accepted too).
func ParseBandwidths(s string) ([]Bandwidth, error) {
	var out []Bandwidth
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		i := strings.IndexFunc(f, func(r rune) bool { return !(r >= '0' && r <= '9' || r == '.') })
		if i <= 0 {
			return nil, fmt.Errorf("bandwidth %q: want a number and a unit, such as 100Mbit or 1Gbit", f)
		}
		n, err := strconv.ParseFloat(f[:i], 64)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("bandwidth %q: want a positive number", f)
		}
		unit := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(f[i:]), "/s"), "ps")
		unit = strings.TrimSuffix(unit, "it") // Mbit → Mb
		mult, ok := map[string]float64{"b": 1, "kb": 1e3, "Kb": 1e3, "Mb": 1e6, "Gb": 1e9, "Tb": 1e12}[unit]
		if !ok {
			return nil, fmt.Errorf("bandwidth %q: unknown unit; want bit, kbit, Mbit, Gbit or Tbit (per second)", f)
		}
		out = append(out, Bandwidth{Name: f, BitsPerSecond: n * mult})
	}
	if len(out) == 0 {
		return nil, errors.New("no bandwidth given")
	}
	return out, nil
}

// String is the bandwidth for people: "1 Gbit/s".
func (b Bandwidth) String() string {
	v := b.BitsPerSecond
	for _, u := range []struct {
		mult float64
		name string
	}{{1e12, "Tbit/s"}, {1e9, "Gbit/s"}, {1e6, "Mbit/s"}, {1e3, "kbit/s"}} {
		if v >= u.mult {
			return strconv.FormatFloat(v/u.mult, 'g', 4, 64) + " " + u.name
		}
	}
	return strconv.FormatFloat(v, 'g', 4, 64) + " bit/s"
}

// Evidence is every answer computed from one or more runs.
type Evidence struct {
	Params Params      `json:"params"`
	Runs   []RunInfo   `json:"runs"`
	Layers []LayerInfo `json:"layers"`
	// Images are the images the runs recorded (env.json), with the layers
	// they are made of; none when every layer was given as a file.
	Images []ImageInfo `json:"images,omitempty"`

	Sizes *Sizes    `json:"sizes"`
	Pull  *PullTime `json:"pull_time"`
	// Clients are the pull times per client profile (Params.Clients).
	Clients     []ClientPull        `json:"clients,omitempty"`
	Economics   *Economics          `json:"economics"`
	Storage     *Storage            `json:"storage"`
	Determinism *DeterminismSummary `json:"determinism"`
	Interop     *Interop            `json:"interop"`
	Levels      *Levels             `json:"levels"`
	// Lazy is the lazy-pull analysis (zbench lazy) and MeasuredPulls the
	// pulls measured through real clients (scripts/pull.sh), when given
	// or found in a run directory (see [Sources]); LazySource and
	// PullsSource are their files.
	Lazy          *lazydoc.Document `json:"lazy,omitempty"`
	LazySource    string            `json:"lazy_source,omitempty"`
	MeasuredPulls *results.Pulls    `json:"measured_pulls,omitempty"`
	PullsSource   string            `json:"measured_pulls_source,omitempty"`
	// Pipelines model each tool's pull step by step, when client work
	// (zbench clientwork) was given or found and client profiles were
	// asked for.
	Pipelines *ClientPipelines `json:"client_pipelines,omitempty"`

	// Notes are caveats that apply to the whole: layers left out, cells
	// measured twice, failures.
	Notes []string `json:"notes,omitempty"`

	d *data // the runs' cells, for what is added after Compute
}

// RunInfo describes a run the evidence comes from.
type RunInfo struct {
	Dir        string    `json:"dir"`
	Start      time.Time `json:"start"`
	CPU        string    `json:"cpu"`
	Cores      int       `json:"cores"`
	GOMAXPROCS int       `json:"gomaxprocs"`
	Go         string    `json:"go"`
	Commit     string    `json:"zbench_commit,omitempty"`
	Libzstd    string    `json:"libzstd,omitempty"`
	Count      string    `json:"count,omitempty"`
	Profile    string    `json:"profile,omitempty"`
}

// LayerInfo describes a layer of the runs.
type LayerInfo struct {
	Name           string `json:"name"`
	Digest         string `json:"digest,omitempty"`
	Format         string `json:"format,omitempty"` // as published, where a decoder read it
	RawBytes       int64  `json:"raw_bytes"`
	PublishedBytes int64  `json:"published_bytes,omitempty"`
}

// Compute computes the evidence from runs and, when not nil, a determinism
// matrix (see package determinism).
func Compute(runs []Run, m *results.DeterminismMatrix, p Params) (*Evidence, error) {
	if len(runs) == 0 {
		return nil, errors.New("no run given")
	}
	if len(p.Bandwidths) == 0 {
		p.Bandwidths = DefaultBandwidths()
	}
	if p.Decoders == nil {
		p.Decoders = DefaultDecoders()
	}
	if p.PriceSource == "" {
		p.PriceSource = PriceSource(p.VCPUHourUSD, p.EgressGBUSD)
	}
	if p.VCPUHourUSD < 0 || p.EgressGBUSD < 0 || math.IsNaN(p.VCPUHourUSD) || math.IsNaN(p.EgressGBUSD) {
		return nil, errors.New("prices must not be negative")
	}
	for _, r := range runs {
		if r.Env == nil {
			return nil, fmt.Errorf("%s is a results file: the evidence needs a run directory", r.Path)
		}
	}
	d := index(runs)
	e := &Evidence{Params: p, d: d}
	for _, r := range runs {
		e.Runs = append(e.Runs, RunInfo{Dir: r.Path, Start: r.Env.Start, CPU: r.Env.CPU, Cores: r.Env.Cores,
			GOMAXPROCS: r.Env.GOMAXPROCS, Go: r.Env.Go, Commit: r.Env.Commit, Libzstd: r.Env.Extra[results.ExtraLibzstd],
			Count: r.Env.Extra[results.ExtraCount], Profile: r.Env.Extra[results.ExtraProfile]})
	}
	for _, l := range d.layers {
		e.Layers = append(e.Layers, LayerInfo{Name: l.name, Digest: l.digest, Format: l.format, RawBytes: l.rawBytes, PublishedBytes: l.published})
	}
	if d.duplicates > 0 {
		e.Notes = append(e.Notes, fmt.Sprintf("%d cell(s) were measured in more than one run; the first run's are used", d.duplicates))
	}
	for _, f := range d.loadFails {
		e.Notes = append(e.Notes, "layer failed to load: "+f.name+": "+f.err)
	}
	gz := p.Decoders["gzip"]
	var gzLayers []string
	left := map[string]string{} // layer → why it is left out
	for _, l := range d.layers {
		switch {
		case l.format == "gzip" && d.originalCell(gz, l.name).ok():
			gzLayers = append(gzLayers, l.name)
			continue
		case l.format == "gzip":
			left[l.name] = fmt.Sprintf("has no decode-original cell of %s that succeeded", gz)
			e.Notes = append(e.Notes, fmt.Sprintf("layer %s: no decode-original cell of %s that succeeded; left out of pull time, economics and storage", l.name, gz))
		case l.format == "":
			left[l.name] = "was published in a format no decoder of the run read (or decode-original did not run)"
			e.Notes = append(e.Notes, fmt.Sprintf("layer %s: published in a format no decoder of the run read (or decode-original did not run); left out of pull time, economics and storage", l.name))
		default:
			left[l.name] = fmt.Sprintf("was published as %s, not gzip", l.format)
			e.Notes = append(e.Notes, fmt.Sprintf("layer %s: published as %s, not gzip; left out of pull time, economics and storage, which start from gzip as published", l.name, l.format))
		}
	}
	why := func(layer string) string {
		if w, ok := left[layer]; ok {
			return w
		}
		for _, f := range d.loadFails {
			if f.name == layer {
				return "failed to load: " + f.err
			}
		}
		return "was not measured in these runs"
	}
	e.Images = images(runs)
	e.Sizes = sizes(d, gzLayers)
	e.Pull = pullTime(d, gzLayers, p)
	if len(p.Clients) > 0 {
		e.Clients = clientPulls(d, p.Clients, p)
	}
	e.Economics = economics(d, gzLayers, p)
	e.Storage = storage(d, gzLayers)
	if len(e.Images) > 0 {
		in, excluded := imagesOver(e.Images, gzLayers, why)
		e.Pull.perImage(in, excluded)
		e.Storage.perImage(in, excluded)
	}
	e.Interop = interop(d)
	e.Levels = levels(d, cmp.Or(p.MoreLevels, "(more zstd-cgo levels)"))
	e.Determinism = summarizeDeterminism(m)
	return e, nil
}

// Load reads run directories and computes the evidence with the files of
// src, each found in the run directories when empty (see [Sources.Find]).
func Load(dirs []string, src Sources, p Params) (*Evidence, error) {
	var runs []Run
	for _, dir := range dirs {
		r, err := LoadRun(dir)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	return FromRunsWith(runs, src, p)
}

// FromRuns computes the evidence from runs already read, with the
// determinism matrix of detFile (or of the first run directory that has
// one when empty) and the other files of [Sources] found in the run
// directories.
func FromRuns(runs []Run, detFile string, p Params) (*Evidence, error) {
	return FromRunsWith(runs, Sources{Determinism: detFile}, p)
}

// WriteJSON writes e, indented, to w.
func (e *Evidence) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(e)
}

// weighted sums over layers: total raw and compressed bytes, and the
// seconds and CPU seconds of an operation at the layers' medians.
type totals struct {
	raw, compressed int64
	seconds, cpu    float64
	cpuKnown        bool
}

func (t *totals) add(c *cell) {
	t.raw += c.rawBytes
	t.compressed += c.compressedBytes
	t.seconds += c.seconds()
	t.cpu += c.cpuSeconds()
	t.cpuKnown = t.cpuKnown || c.cpu > 0
}

// mbps is the corpus throughput: total raw bytes over the sum of the
// layers' median times.
func (t totals) mbps() float64 {
	if t.seconds <= 0 {
		return 0
	}
	return float64(t.raw) / t.seconds / 1e6
}

// cpuPerGB is the corpus CPU seconds per 10^9 raw bytes: the bytes-weighted
// mean of the layers' medians.
func (t totals) cpuPerGB() float64 {
	if t.raw <= 0 {
		return 0
	}
	return t.cpu / float64(t.raw) * 1e9
}

func (t totals) ratio() float64 {
	if t.compressed <= 0 {
		return 0
	}
	return float64(t.raw) / float64(t.compressed)
}

func sortedCopy(ss []string) []string {
	out := append([]string(nil), ss...)
	sort.Strings(out)
	return out
}
