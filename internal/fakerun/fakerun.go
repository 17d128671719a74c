// Package fakerun writes synthetic run directories for tests of compare,
// history and merge: a small matrix of cells whose samples have a chosen
// median and a chosen, seeded, spread.
package fakerun

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"zbench/results"
)

// RawBytes is the size of every synthetic layer's tar.
const RawBytes = 100_000_000

// A Cell is one synthetic cell.
type Cell struct {
	Key   results.CellKey
	MBps  float64 // median throughput
	Comp  int64   // compressed bytes (0 for memcpy)
	Alloc int64   // B/op
	Err   string  // set for a failed cell
}

// Digest returns a fake sha256 digest made of one repeated byte pair.
func Digest(pair string) string { return "sha256:" + strings.Repeat(pair, 32) }

// Env returns the environment of a synthetic run started at start.
func Env(start time.Time) results.Env {
	return results.Env{
		CPU: "Test CPU @ 3.00GHz", Cores: 2, GOMAXPROCS: 2, GOOS: "linux", GOARCH: "amd64",
		Kernel: "6.1.0-test", Go: "go1.26.0", Commit: "0123456789abcdef", Start: start,
		Modules: map[string]string{"github.com/klauspost/compress": "v1.20.4"},
		Extra:   map[string]string{results.ExtraCount: "10", results.ExtraLibzstd: "1.5.7"},
	}
}

// Matrix returns a small matrix on one layer: memcpy, a decode of the
// published gzip blob, and two encoders at two levels each, each decoded
// by two decoders.
func Matrix(layer string) []Cell {
	k := func(op, codec, from, level string) results.CellKey {
		return results.CellKey{Op: op, Layer: layer, Codec: codec, From: from, Level: level, Threads: 1}
	}
	cells := []Cell{
		{Key: k(results.OpMemcpy, "memcpy", "", ""), MBps: 9000, Alloc: 0},
		{Key: k(results.OpDecodeOriginal, "gzip-std", "gzip", ""), MBps: 300, Comp: 38_000_000, Alloc: 40_000},
	}
	for _, e := range []struct {
		codec  string
		levels []string
		mbps   float64
		decs   []string
	}{
		{"gzip-std", []string{"1", "6"}, 60, []string{"gzip-std", "gzip-klauspost"}},
		{"zstd-klauspost", []string{"fastest", "default"}, 300, []string{"zstd-klauspost", "zstd-cgo"}},
	} {
		for i, l := range e.levels {
			comp := int64(40_000_000 - 4_000_000*i)
			cells = append(cells, Cell{Key: k(results.OpEncode, e.codec, "", l), MBps: e.mbps / float64(i+1), Comp: comp, Alloc: 800_000})
			for j, d := range e.decs {
				cells = append(cells, Cell{Key: k(results.OpDecode, d, e.codec, l), MBps: 4 * e.mbps * float64(j+1), Comp: comp, Alloc: 60_000})
			}
		}
	}
	return cells
}

// Options shape the samples of a synthetic run.
type Options struct {
	Count int     // samples per cell (default 10)
	Noise float64 // relative half-width of the uniform noise on time (default 0.01)
	Seed  uint64  // seeds the noise
	// Digest and DiffID of every layer (default Digest("ab"), Digest("cd")).
	Digest, DiffID string
	// Rounds, when more than 1, spreads each cell's samples over that many
	// rounds as zbench run does (sample i of n in round i·Rounds/n) and
	// records each sample's round.
	Rounds int
	// Speed, when set, is the machine's speed when the cell at index cell
	// (of the cells given) was measured in round: its samples of that round
	// take 1/Speed(round, cell) times as long.
	Speed func(round, cell int) float64
	// NoRound leaves Record.Round unset, as runs written before rounds
	// were recorded.
	NoRound bool
}

// Records returns the samples of cells: sample i of a cell takes
// RawBytes/MBps × (1 + Noise·u) seconds, u uniform in [-1, 1], and 1.02
// times that in CPU.
func Records(cells []Cell, o Options) [][]results.Record {
	if o.Count == 0 {
		o.Count = 10
	}
	if o.Noise == 0 {
		o.Noise = 0.01
	}
	if o.Digest == "" {
		o.Digest = Digest("ab")
	}
	if o.DiffID == "" {
		o.DiffID = Digest("cd")
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x5eed))
	var out [][]results.Record
	for ci, c := range cells {
		proto := results.Record{Op: c.Key.Op, Layer: c.Key.Layer, Codec: c.Key.Codec, From: c.Key.From, Level: c.Key.Level,
			Threads: c.Key.Threads, LayerDigest: o.Digest, DiffID: o.DiffID,
			RawBytes: RawBytes, CompressedBytes: c.Comp, AllocBytes: c.Alloc, Allocs: c.Alloc / 1000, Verified: true}
		if c.Err != "" {
			proto.Err, proto.Verified = c.Err, false
			out = append(out, []results.Record{proto})
			continue
		}
		var recs []results.Record
		for i := range o.Count {
			r := proto
			r.Sample, r.Iters = i, 1
			round := 0
			if o.Rounds > 1 {
				round = i * o.Rounds / o.Count
			}
			if !o.NoRound {
				r.Round = round
			}
			sec := RawBytes / (c.MBps * 1e6) * (1 + o.Noise*(2*rng.Float64()-1))
			if o.Speed != nil {
				sec /= o.Speed(round, ci)
			}
			r.WallNS = int64(sec * 1e9)
			r.CPUNS = int64(sec * 1.02 * 1e9)
			recs = append(recs, r)
		}
		out = append(out, recs)
	}
	return out
}

// Write writes a run directory at dir holding cells measured in env, with
// results.WriteRun: the files results.Create and WriteCell would write,
// synced once per file rather than once per cell, which would make tests
// slow.
func Write(t testing.TB, dir string, env results.Env, cells []Cell, o Options) string {
	t.Helper()
	if err := results.WriteRun(dir, env, Records(cells, o)); err != nil {
		t.Fatal(err)
	}
	return dir
}

// With returns a copy of cells with f applied to the cell whose key's
// String is name; it panics when there is none.
func With(cells []Cell, name string, f func(*Cell)) []Cell {
	out := append([]Cell(nil), cells...)
	for i := range out {
		if out[i].Key.String() == name {
			f(&out[i])
			return out
		}
	}
	panic("fakerun: no cell " + name)
}

// WriteSynced writes the same run as Write, through results.Create and
// WriteCell, as a real run does (with a sync per cell).
func WriteSynced(t testing.TB, dir string, env results.Env, cells []Cell, o Options) string {
	t.Helper()
	rd, err := results.Create(dir, env, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, recs := range Records(cells, o) {
		if err := rd.WriteCell(recs); err != nil {
			t.Fatal(err)
		}
	}
	if err := rd.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}
