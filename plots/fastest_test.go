package plots

import (
	"testing"

	"zbench/results"
)

// The fastest decode of a streaming encode is a streaming reader's, of
// the same write size, however fast the whole-buffer decoder of the
// buffer encode is.
func TestFastestDecodeKeepsTheAPI(t *testing.T) {
	agg := func(codec, api string, write int, mbps float64) *Aggregate {
		return &Aggregate{Setting: Setting{Op: results.OpDecode, Codec: codec, From: "zstd-klauspost", Level: "default", API: api, Write: write},
			MBps: Stat{Median: mbps}}
	}
	rd := &RunData{Corpus: []*Aggregate{
		agg("zstd-klauspost", "", 0, 500),
		agg("zstd-cgo", "", 0, 700),
		agg("zstd-klauspost", results.APIBuffer, 0, 1500),
		agg("zstd-cgo", "", 4096, 900),
	}}
	stream := Setting{Op: results.OpEncode, Codec: "zstd-klauspost", Level: "default"}
	if got := fastestDecode(rd, stream); got == nil || got.Codec != "zstd-cgo" || got.MBps.Median != 700 {
		t.Errorf("streaming: %+v, want zstd-cgo at 700", got)
	}
	buf := stream
	buf.API = results.APIBuffer
	if got := fastestDecode(rd, buf); got == nil || got.MBps.Median != 1500 {
		t.Errorf("buffer: %+v, want 1500", got)
	}
	small := stream
	small.Write = 4096
	if got := fastestDecode(rd, small); got == nil || got.MBps.Median != 900 {
		t.Errorf("4 KiB writes: %+v, want 900", got)
	}
}
