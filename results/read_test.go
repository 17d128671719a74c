package results

import "testing"

func TestParseName(t *testing.T) {
	for _, k := range []CellKey{
		{Op: OpEncode, Layer: "debian", Codec: "zstd-cgo", Level: "3", Threads: 1},
		{Op: OpEncode, Layer: "my_layer", Codec: "gzip-std", Level: "-1", Threads: 1},
		{Op: OpDecode, Layer: "debian", Codec: "zstd-klauspost", From: "zstd-cgo", Level: "fastest", Threads: 4},
		{Op: OpDecodeOriginal, Layer: "debian", Codec: "gzip-std", From: "gzip", Threads: 1},
		{Op: OpMemcpy, Layer: "debian", Codec: "memcpy", Threads: 1},
	} {
		r := Record{Op: k.Op, Layer: k.Layer, Codec: k.Codec, From: k.From, Level: k.Level, Threads: k.Threads}
		got, err := ParseName("Benchmark" + r.Name(2))
		if err != nil || got != k {
			t.Errorf("ParseName(%q) = %+v, %v; want %+v", r.Name(2), got, err, k)
		}
	}
	for _, bad := range []string{"Encode/codec=x-2", "Encode/layer=a/colour=red-2", "Encode/layer=a/threads=x-2"} {
		if _, err := ParseName(bad); err == nil {
			t.Errorf("ParseName(%q): no error", bad)
		}
	}
}
