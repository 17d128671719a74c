package lazy

import (
	"testing"

	"zbench/results"
)

func TestEncodeCosts(t *testing.T) {
	rec := func(layer, codec, level string, wallNS, cpuNS int64) results.Record {
		return results.Record{Op: results.OpEncode, Layer: layer, Codec: codec, Level: level, Iters: 2, RawBytes: 1e6, WallNS: wallNS, CPUNS: cpuNS}
	}
	recs := []results.Record{
		// estargz/9: 2 MB in 20, 40, 30 ms → 100, 50, 66.7 MB/s: median 66.7.
		rec("l", "estargz", "9", 20e6, 20e6), rec("l", "estargz", "9", 40e6, 40e6), rec("l", "estargz", "9", 30e6, 30e6),
		rec("l", "gzip-std", "9", 20e6, 10e6), rec("l", "gzip-std", "9", 20e6, 10e6),
		// A failed sample is left out; zstd-chunked has no plain cell here.
		{Op: results.OpEncode, Layer: "l", Codec: "gzip-std", Level: "9", Iters: 1, RawBytes: 1e6, WallNS: 1, Err: "boom"},
		rec("l", "zstd-chunked", "10", 10e6, 20e6),
		{Op: results.OpDecode, Layer: "l", Codec: "gzip-std", From: "estargz", Level: "9", Iters: 1, RawBytes: 1e6, WallNS: 1},
	}
	cs := EncodeCosts(recs, DefaultFormats())
	if len(cs) != 1 {
		t.Fatalf("%d costs, want 1: %+v", len(cs), cs)
	}
	c := cs[0]
	near := func(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
	if c.Format != "estargz/9" || c.Plain != "gzip-std/9" || !near(c.MBps, 2e6/30e-3/1e6) || !near(c.PlainMBps, 100) ||
		!near(c.CPUPerGB, 15) || !near(c.PlainCPUPerGB, 5) {
		t.Errorf("cost %+v; want 66.7 MB/s against 100, 15 CPU s/GB against 5", c)
	}
}
