package lazydoc

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A Document written as zbench lazy writes it reads back the same, and a
// file that is not one is refused with its path.
func TestRead(t *testing.T) {
	d := Document{Report: &Report{
		Formats:   []Format{{Name: "estargz", Codec: "estargz", Level: "9"}, {Name: "zstd-chunked", Codec: "zstd-chunked", Level: "10"}},
		Overheads: []Overhead{{Layer: "a", Format: "estargz", Level: "9", Plain: "gzip-std/9", Raw: 100, PlainBytes: 40, Bytes: 42, TOC: 1}},
		Updates:   []Update{{From: "a", To: "b", Format: "estargz", Blob: 42, Meta: 2, ChunkBytes: 10}},
	}, Costs: []Cost{{Layer: "a", Format: "estargz/9", MBps: 1}}, Versions: map[string]string{"m": "v1"}}
	path := filepath.Join(t.TempDir(), File)
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, b, 0o644)
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Overheads[0] != d.Overheads[0] || got.Updates[0].Total() != 12 || got.Versions["m"] != "v1" || len(got.Costs) != 1 || len(got.Formats) != 2 {
		t.Errorf("read back %+v", got)
	}
	if o, ok := got.Overhead("a", "estargz"); !ok || o.Bytes != 42 {
		t.Errorf("Overhead(a, estargz) = %+v, %v", o, ok)
	}
	if _, ok := got.Overhead("a", "zstd-chunked"); ok {
		t.Error("Overhead of a format not analysed")
	}
	for _, bad := range []string{`{}`, `{"overheads": [{"layer": "a", "format": "estargz"}]}`, `{"overheads": [{"layer": "a", "format": "estargz", "plain_bytes": 1, "bytes": 1}], "updates": [{"from": "a"}]}`, `[`} {
		os.WriteFile(path, []byte(bad), 0o644)
		if _, err := Read(path); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %v", bad, err)
		}
	}
}
