package plots

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"zbench/results"
)

// This file writes synthetic run directories through results.Create and
// WriteCell, as zbench run does, with figures made up to look like a real
// run: the report is tested on them without measuring anything.

// xssLayer is a layer name that must show as text, never run.
const xssLayer = `<script>alert(1)</script>`

type synthLayer struct {
	name   string
	format string  // as published: "gzip", or "xz" (no decoder reads it)
	raw    int64   // bytes of tar
	pub    float64 // ratio as published
	ease   float64 // how compressible, scales every ratio
}

type synthEncoder struct {
	codec   string
	format  string
	threads int
	levels  []string
}

type synthRun struct {
	layers   []synthLayer
	encoders []synthEncoder
	decoders []synthEncoder // levels unused
	count    int
	speed    float64 // scales every throughput: a faster or slower machine
	// fail fails cells: key is op/layer/codec/from/level, value the error.
	fail map[string]string
	// loadFail adds a layer that failed to load.
	loadFail string
	// images are recorded in env.json.
	images []results.Image
}

func defaultSynth() synthRun {
	return synthRun{
		layers: []synthLayer{
			{name: "debian-bookworm", format: "gzip", raw: 128_204_800, pub: 2.57, ease: 1},
			{name: "alpine-3.20", format: "gzip", raw: 8_089_600, pub: 2.32, ease: 0.9},
			{name: xssLayer, format: "gzip", raw: 1_761_280, pub: 1.99, ease: 0.8},
			{name: "cirros-0.5.3", format: "xz", raw: 13_004_800, ease: 1.1},
		},
		encoders: []synthEncoder{
			{codec: "gzip-std", format: "gzip", threads: 1, levels: []string{"1", "6", "9"}},
			{codec: "gzip-klauspost", format: "gzip", threads: 1, levels: []string{"1", "6", "9", "huffman"}},
			{codec: "gzip-pgzip", format: "gzip", threads: 2, levels: []string{"6"}},
			{codec: "zstd-klauspost", format: "zstd", threads: 1, levels: []string{"fastest", "default", "better", "best"}},
			{codec: "zstd-cgo", format: "zstd", threads: 1, levels: []string{"1", "3", "9", "19"}},
		},
		decoders: []synthEncoder{
			{codec: "gzip-std", format: "gzip", threads: 1},
			{codec: "gzip-klauspost", format: "gzip", threads: 1},
			{codec: "gzip-pgzip", format: "gzip", threads: 2},
			{codec: "zstd-klauspost", format: "zstd", threads: 1},
			{codec: "zstd-cgo", format: "zstd", threads: 1},
		},
		count: 6,
		speed: 1,
		fail: map[string]string{
			"decode/alpine-3.20/zstd-klauspost/zstd-cgo/19": "sha256 mismatch: got sha256:00; want sha256:11",
			"encode/cirros-0.5.3/gzip-klauspost/9":          "close: <b>boom</b>",
		},
		loadFail: "broken-layer",
	}
}

// levelNumber is a level's strength on one scale: numbered levels as they
// are, klauspost's named ones at the libzstd level they approximate.
func levelNumber(l string) float64 {
	if n, err := strconv.Atoi(l); err == nil {
		return float64(n)
	}
	switch l {
	case "fastest":
		return 1
	case "default":
		return 3
	case "better":
		return 7
	case "best":
		return 11
	}
	return 0.3 // huffman
}

// synthRatio is a made-up but plausible ratio.
func synthRatio(e synthEncoder, level string, l synthLayer) float64 {
	n := levelNumber(level)
	r := 2.2 + 0.08*n
	if e.format == "zstd" {
		r = 2.5 + 0.09*n
	}
	if e.codec == "gzip-klauspost" {
		r -= 0.03
	}
	return r * l.ease
}

// synthEncodeMBps is a made-up but plausible encode throughput.
func synthEncodeMBps(e synthEncoder, level string) float64 {
	n := levelNumber(level)
	base := map[string]float64{"gzip-std": 110, "gzip-klauspost": 210, "gzip-pgzip": 150, "zstd-klauspost": 330, "zstd-cgo": 420}[e.codec]
	return base * float64(e.threads) / math.Pow(1.35, n-1)
}

func synthDecodeMBps(d synthEncoder) float64 {
	return map[string]float64{"gzip-std": 260, "gzip-klauspost": 330, "gzip-pgzip": 300, "zstd-klauspost": 900, "zstd-cgo": 1150}[d.codec]
}

// samples makes a cell's records: count samples around mbps, each a few
// passes long, with a small deterministic spread.
func (s synthRun) samples(base results.Record, mbps float64, threads int) []results.Record {
	mbps *= s.speed
	var recs []results.Record
	for i := range s.count {
		r := base
		r.Sample = i
		r.Iters = 3
		jitter := 1 + 0.012*float64((i*7)%5-2)
		wall := float64(r.RawBytes) * float64(r.Iters) / (mbps * jitter) * 1e3 // ns
		r.WallNS = int64(wall)
		r.CPUNS = int64(wall * float64(threads) * 1.03)
		r.AllocBytes = 1<<20 + int64(i)
		r.Allocs = 40
		r.Verified = true
		recs = append(recs, r)
	}
	return recs
}

func (s synthRun) failed(base results.Record, key string) ([]results.Record, bool) {
	msg, ok := s.fail[key]
	if !ok {
		return nil, false
	}
	base.Err = msg
	return []results.Record{base}, true
}

// write makes the run directory dir.
func (s synthRun) write(t testing.TB, dir string) {
	t.Helper()
	env := results.Env{CPU: "Synthetic CPU @ 3.00GHz", Cores: 2, GOMAXPROCS: 2, GOOS: "linux", GOARCH: "amd64",
		OS: "Debian GNU/Linux 13 (trixie)", Kernel: "6.1.0-test", Go: "go1.26.0", Commit: "0123456789ab",
		Start:   time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Modules: map[string]string{"github.com/klauspost/compress": "v1.20.4", "github.com/DataDog/zstd": "v1.5.7"},
		Extra:   map[string]string{"libzstd": "1.5.7", "count": strconv.Itoa(s.count), "min-time": "0s", "min-sample": "20ms", "profile": "quick", "sources": "synthetic <layers>"}}
	env.Images = s.images
	rd, err := results.Create(dir, env, false)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	put := func(recs []results.Record) {
		t.Helper()
		if err := rd.WriteCell(recs); err != nil {
			t.Fatal(err)
		}
	}
	for li, l := range s.layers {
		base := results.Record{Layer: l.name, LayerDigest: "sha256:" + strconv.Itoa(1000+li), DiffID: "sha256:" + strconv.Itoa(2000+li), RawBytes: l.raw}
		m := base
		m.Op, m.Codec, m.Threads = results.OpMemcpy, "memcpy", 1
		put(s.samples(m, 9000, 1))
		if l.format == "gzip" {
			for _, d := range s.decoders {
				if d.format != "gzip" {
					continue
				}
				r := base
				r.Op, r.Codec, r.From, r.Threads = results.OpDecodeOriginal, d.codec, "gzip", d.threads
				r.CompressedBytes = int64(float64(l.raw) / l.pub)
				put(s.samples(r, synthDecodeMBps(d)*0.97, d.threads))
			}
		}
		for _, e := range s.encoders {
			for _, lv := range e.levels {
				r := base
				r.Op, r.Codec, r.Level, r.Threads = results.OpEncode, e.codec, lv, e.threads
				r.CompressedBytes = int64(float64(l.raw) / synthRatio(e, lv, l))
				key := "encode/" + l.name + "/" + e.codec + "/" + lv
				if recs, ok := s.failed(r, key); ok {
					put(recs)
					for _, d := range s.decoders {
						if d.format == e.format {
							dr := base
							dr.Op, dr.Codec, dr.From, dr.Level, dr.Threads = results.OpDecode, d.codec, e.codec, lv, d.threads
							dr.Err = "not run: encoder " + e.codec + "/" + lv + " failed: " + recs[0].Err
							put([]results.Record{dr})
						}
					}
					continue
				}
				put(s.samples(r, synthEncodeMBps(e, lv), e.threads))
				for _, d := range s.decoders {
					if d.format != e.format {
						continue
					}
					dr := base
					dr.Op, dr.Codec, dr.From, dr.Level, dr.Threads = results.OpDecode, d.codec, e.codec, lv, d.threads
					dr.CompressedBytes = r.CompressedBytes
					if recs, ok := s.failed(dr, "decode/"+l.name+"/"+d.codec+"/"+e.codec+"/"+lv); ok {
						put(recs)
						continue
					}
					put(s.samples(dr, synthDecodeMBps(d)*(1+0.01*levelNumber(lv)), d.threads))
				}
			}
		}
	}
	if s.loadFail != "" {
		put([]results.Record{{Op: results.OpLoad, Layer: s.loadFail, Err: "layer \"" + s.loadFail + "\": unexpected EOF"}})
	}
}

// synthRoot holds the synthetic runs, written once for all tests (each
// WriteCell syncs to disk, so writing them is the slow part). Tests only
// read them.
var synthRoot string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "zbench-plots-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	synthRoot = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var synthOnce sync.Once

// synthDirs returns the default synthetic run and, when two is set, a
// second one from a machine 10% faster without failures.
func synthDirs(t testing.TB, two bool) []string {
	t.Helper()
	a, b := filepath.Join(synthRoot, "base"), filepath.Join(synthRoot, "new")
	synthOnce.Do(func() {
		defaultSynth().write(t, a)
		s := defaultSynth()
		s.speed = 1.1
		s.fail = nil
		s.loadFail = ""
		s.write(t, b)
	})
	if !two {
		return []string{a}
	}
	return []string{a, b}
}
