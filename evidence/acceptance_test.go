package evidence_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"zbench/bench"
	"zbench/bench/codecs"
	"zbench/bench/codectest"
	"zbench/evidence"
	"zbench/results"
)

// TestAgreesWithResultsTables is the acceptance check: a real run of the
// runner writes a run directory; the figures evidence computes from it must
// agree with the medians of the run's own results.txt, read back with
// benchfmt as benchstat reads it.
func TestAgreesWithResultsTables(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	rd, err := results.Create(dir, results.CollectEnv(), false)
	if err != nil {
		t.Fatal(err)
	}
	var cs []bench.Codec
	for _, name := range []string{"gzip-std", "gzip-klauspost", "zstd-klauspost"} {
		c, err := codecs.ByName(name)
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	plan, err := bench.NewPlan(cs, bench.Selection{Levels: "gzip-klauspost=1 zstd-klauspost=fastest,default", Codecs: "gzip-klauspost,zstd-klauspost,gzip-std",
		Quick: map[string][]string{"gzip-std": {"9"}}})
	if err != nil {
		t.Fatal(err)
	}
	r := &bench.Runner{Opts: bench.Options{Count: 5, MinSample: 2 * time.Millisecond}, Plan: plan, Emit: rd.WriteCell}
	for i, size := range []int{300 << 10, 500 << 10} {
		raw := codectest.TarLike(size)
		var blob bytes.Buffer
		zw := gzip.NewWriter(&blob)
		zw.Write(raw)
		zw.Close()
		sum := sha256.Sum256(raw)
		in := bench.Input{Name: []string{"small", "large"}[i], Format: bench.Gzip, Blob: blob.Bytes(), Raw: raw,
			DiffID: "sha256:" + hex.EncodeToString(sum[:])}
		if err := r.Run(context.Background(), in); err != nil {
			t.Fatal(err)
		}
	}
	if err := rd.Close(); err != nil {
		t.Fatal(err)
	}

	e, err := evidence.Load([]string{dir}, evidence.Sources{}, evidence.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}

	// The run's own tables: the median MB/s and cpu-sec/GB of each
	// benchmark name, over its samples, as benchstat computes its center.
	res, _, err := results.ReadResults(filepath.Join(dir, results.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	vals := map[string]map[string][]float64{} // name (without "Benchmark") → unit → values
	for _, r := range res {
		name := string(r.Name)
		if vals[name] == nil {
			vals[name] = map[string][]float64{}
		}
		for _, v := range r.Values {
			// benchfmt tidies MB/s into B/s; compare with the value
			// as written.
			unit, val := v.Unit, v.Value
			if v.OrigUnit != "" {
				unit, val = v.OrigUnit, v.OrigValue
			}
			vals[name][unit] = append(vals[name][unit], val)
		}
	}
	med := func(name, unit string) float64 {
		t.Helper()
		var found []float64
		for n, u := range vals {
			if strings.HasPrefix(n, name+"-") {
				found = u[unit]
			}
		}
		if len(found) == 0 {
			t.Fatalf("results.txt has no %s for %s", unit, name)
		}
		sort.Float64s(found)
		n := len(found)
		if n%2 == 1 {
			return found[n/2]
		}
		return (found[n/2-1] + found[n/2]) / 2
	}
	// results.txt rounds each value to 6 significant digits: half a unit
	// of the 6th digit is at most 5e-6 of the value.
	agree := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 5.001e-6*math.Abs(want) {
			t.Errorf("%s: evidence uses %.9g, results.txt's median is %.9g", what, got, want)
		}
	}

	checked := 0
	for _, row := range e.Pull.PerLayer {
		var name string
		if row.Encoder == nil {
			name = "DecodeOriginal/layer=" + row.Layer + "/codec=" + row.Decoder + "/from=gzip/threads=1"
		} else {
			name = "Decode/layer=" + row.Layer + "/codec=" + row.Decoder + "/from=" + row.Encoder.Codec +
				"/level=" + row.Encoder.Level + "/threads=1"
		}
		mbps := med(name, "MB/s")
		agree(name+" MB/s", row.DecodeMBps, mbps)
		// decode time is raw bytes at that median
		agree(name+" decode seconds", row.DecodeS, float64(row.RawBytes)/(mbps*1e6))
		checked++
	}
	for _, row := range e.Economics.Rows {
		var enc, dec float64
		var raw float64
		for _, l := range e.Economics.Layers {
			var rawL float64
			for _, li := range e.Layers {
				if li.Name == l {
					rawL = float64(li.RawBytes)
				}
			}
			raw += rawL
			enc += rawL * med("Encode/layer="+l+"/codec="+row.Encoder.Codec+"/level="+row.Encoder.Level+"/threads=1", "cpu-sec/GB")
			dec += rawL * med("DecodeOriginal/layer="+l+"/codec=gzip-std/from=gzip/threads=1", "cpu-sec/GB")
		}
		agree(row.Encoder.String()+" encode cpu-sec/GB", row.EncodeCPUSecPerGB, enc/raw)
		agree(row.Encoder.String()+" decode cpu-sec/GB", row.DecodeCPUSecPerGB, dec/raw)
		// sizes: results.txt's compressed-B is exact
		var comp float64
		for _, l := range e.Economics.Layers {
			comp += med("Encode/layer="+l+"/codec="+row.Encoder.Codec+"/level="+row.Encoder.Level+"/threads=1", "compressed-B")
		}
		if int64(comp) != row.CompressedBytes {
			t.Errorf("%s: %d compressed bytes, results.txt says %.0f", row.Encoder, row.CompressedBytes, comp)
		}
		checked++
	}
	for _, m := range e.Levels.Matches {
		_ = m // libzstd is absent from this run: no matches expected
		t.Errorf("unexpected level match without libzstd: %+v", m)
	}
	// 2 layers × (published + 4 encoders) pull rows at 3 bandwidths, and
	// 4 economics rows.
	if want := 2*5*3 + 4; checked != want {
		t.Errorf("checked %d figures, want %d", checked, want)
	}
	if e.Interop.Failed != 0 || e.Interop.NotRun != 0 {
		t.Errorf("interop: %d failed, %d not run, want none", e.Interop.Failed, e.Interop.NotRun)
	}
}
