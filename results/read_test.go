package results

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseName(t *testing.T) {
	for _, k := range []CellKey{
		{Op: OpEncode, Layer: "debian", Codec: "zstd-cgo", Level: "3", Threads: 1},
		{Op: OpEncode, Layer: "my_layer", Codec: "gzip-std", Level: "-1", Threads: 1},
		{Op: OpDecode, Layer: "debian", Codec: "zstd-klauspost", From: "zstd-cgo", Level: "fastest", Threads: 4},
		{Op: OpDecodeOriginal, Layer: "debian", Codec: "gzip-std", From: "gzip", Threads: 1},
		{Op: OpMemcpy, Layer: "debian", Codec: "memcpy", Threads: 1},
		{Op: OpEncode, Layer: "debian", Codec: "zstd-cgo", API: APIBuffer, Level: "3", Threads: 1},
		{Op: OpDecode, Layer: "debian", Codec: "zstd-cgo", API: APIBuffer, From: "zstd-klauspost", Level: "best", Threads: 1},
		{Op: OpEncode, Layer: "debian", Codec: "zstd-cgo", Level: "3", Write: 1 << 20, Threads: 1},
	} {
		r := Record{Op: k.Op, Layer: k.Layer, Codec: k.Codec, From: k.From, Level: k.Level, API: k.API, Write: k.Write, Threads: k.Threads}
		got, err := ParseName("Benchmark" + r.Name(2))
		if err != nil || got != k {
			t.Errorf("ParseName(%q) = %+v, %v; want %+v", r.Name(2), got, err, k)
		}
	}
	for _, bad := range []string{"Encode/codec=x-2", "Encode/layer=a/colour=red-2", "Encode/layer=a/threads=x-2", "Encode/layer=a/write=0-2"} {
		if _, err := ParseName(bad); err == nil {
			t.Errorf("ParseName(%q): no error", bad)
		}
	}
}

// TestReadRunDirAndText reads one run as a directory and as its
// results.txt: the same cells in the same order, the same values, the
// failures, and the differences a results file cannot avoid (no records,
// no digests, a raw size recovered from ratio × compressed-B).
func TestReadRunDirAndText(t *testing.T) {
	dir := writeRun(t, testEnv(), testCells())
	fromDir, err := ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	fromText, err := ReadRun(filepath.Join(dir, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	if fromDir.Env == nil || fromText.Env != nil {
		t.Fatalf("Env: dir %v, text %v; want only the directory's", fromDir.Env != nil, fromText.Env != nil)
	}
	if len(fromDir.Cells) != len(testCells()) || len(fromText.Cells) != len(fromDir.Cells) {
		t.Fatalf("%d cells from the directory, %d from results.txt; want %d", len(fromDir.Cells), len(fromText.Cells), len(testCells()))
	}
	for i, d := range fromDir.Cells {
		x := fromText.Cells[i]
		// results.txt names cells with '/' and white space replaced.
		if d.Key.String() != x.Key.String() || d.Err == "" != (x.Err == "") {
			t.Errorf("cell %d: dir %s (err %q), text %s (err %q)", i, d.Key, d.Err, x.Key, x.Err)
			continue
		}
		if !reflect.DeepEqual(d.Values, x.Values) {
			t.Errorf("%s: values differ:\ndir  %v\ntext %v", d.Key, d.Values, x.Values)
		}
		if fromText.Cell(x.Key) != x || fromDir.Cell(d.Key) != d {
			t.Errorf("%s: Cell does not find the cell", d.Key)
		}
		if d.Err == "" && d.Key.Op == OpEncode && (d.RawInexact || !x.RawInexact || math.Abs(float64(d.RawBytes-x.RawBytes)) > 1e-5*float64(d.RawBytes)) {
			t.Errorf("%s: raw bytes dir %d (inexact %v), text %d (inexact %v)", d.Key, d.RawBytes, d.RawInexact, x.RawBytes, x.RawInexact)
		}
	}
	if n := len(fromDir.Failures()); n != 2 {
		t.Errorf("%d failures, want 2 (a decode and a load)", n)
	}
	enc := fromDir.Cell(CellKey{Op: OpEncode, Layer: "debian", Codec: "zstd-cgo", Level: "3", Threads: 1})
	if enc == nil || len(enc.Records) != 2 || enc.LayerDigest == "" || !enc.Verified || enc.Problem() != "" {
		t.Fatalf("encode cell from the directory: %+v", enc)
	}
	// Exact values are the records' own; Values are rounded to 6 digits.
	for i, v := range enc.Exact(UnitMBPerSec) {
		r := enc.Records[i]
		if want := float64(r.RawBytes) * float64(r.Iters) / float64(r.WallNS) * 1e3; v != want {
			t.Errorf("Exact MB/s %d = %v, want %v", i, v, want)
		}
		if got := enc.Values[UnitMBPerSec][i]; got != round6(v) {
			t.Errorf("Values MB/s %d = %v, want %v rounded", i, got, v)
		}
	}
	if s := enc.Summary(UnitMBPerSec); s.N != 2 || s.CI || s.Median != Median(enc.Exact(UnitMBPerSec)) {
		t.Errorf("Summary = %+v", s)
	}
	if fromDir.Machine() != "linux/amd64, Test CPU @ 3.00GHz, 8 cores, gomaxprocs 2" {
		t.Errorf("Machine() = %q", fromDir.Machine())
	}

	if _, err := ReadRun(t.TempDir()); !errors.Is(err, ErrNotRun) {
		t.Errorf("ReadRun of an empty directory: %v, want ErrNotRun", err)
	}
}

func TestReadRunMixedMachines(t *testing.T) {
	a := writeRun(t, testEnv(), testCells()[:2])
	other := testEnv()
	other.GOARCH = "arm64"
	b := writeRun(t, other, testCells()[:2])
	ta, _ := os.ReadFile(filepath.Join(a, ResultsFile))
	tb, _ := os.ReadFile(filepath.Join(b, ResultsFile))
	both := filepath.Join(t.TempDir(), "both.txt")
	if err := os.WriteFile(both, append(ta, tb...), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadRun(both); !errors.Is(err, ErrIncompatible) || !strings.Contains(err.Error(), "goarch") {
		t.Errorf("results of two machines in one file: %v, want ErrIncompatible naming goarch", err)
	}
}

func TestSummaries(t *testing.T) {
	if m := Median([]float64{3, 1, 2}); m != 2 {
		t.Errorf("Median odd = %v", m)
	}
	if m := Median([]float64{4, 1, 3, 2}); m != 2.5 {
		t.Errorf("Median even = %v", m)
	}
	if !math.IsNaN(Median(nil)) {
		t.Error("Median of nothing is not NaN")
	}
	if s := Summarize([]float64{1, 2, 3, 4, 5}); s.CI || s.Median != 3 || s.N != 5 {
		t.Errorf("5 values: %+v; want median 3 and no 95%% interval", s)
	}
	if s := Summarize([]float64{6, 1, 2, 3, 4, 5}); !s.CI || s.Lo != 1 || s.Hi != 6 || s.Median != 3.5 {
		t.Errorf("6 values: %+v; want median 3.5 in [1, 6]", s)
	}
	if s := Summarize(nil); s != (Summary{}) {
		t.Errorf("no values: %+v", s)
	}
}

func TestKindOf(t *testing.T) {
	for key, want := range map[string]Kind{
		KeyGOOS: KindMachine, KeyCPU: KindMachine, KeyGOMAXPROCS: KindMachine,
		KeyKernel: KindSystem, KeyGovernor: KindSystem, KeyOS: KindSystem,
		KeyGo: KindBuild, KeyCommit: KindBuild, ExtraLibzstd: KindBuild, "mod-github.com/klauspost/compress": KindBuild,
		ExtraCount: KindOther, ExtraProfile: KindOther, ExtraShard: KindOther,
	} {
		if got := KindOf(key); got != want {
			t.Errorf("KindOf(%q) = %v, want %v", key, got, want)
		}
	}
	// Every key Env.Config writes from the machine and build has a kind.
	for _, c := range testEnv().Config() {
		if strings.HasPrefix(c.Key, KeyModulePrefix) && KindOf(c.Key) != KindBuild {
			t.Errorf("module key %s is not a build key", c.Key)
		}
	}
}
