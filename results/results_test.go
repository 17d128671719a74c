package results

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// cell builds the records of one cell: c(OpEncode, "debian", "zstd-cgo").level("3").samples(2).
type cellB struct{ recs []Record }

func c(op, layer, codec string) *cellB {
	return &cellB{recs: []Record{{Op: op, Layer: layer, Codec: codec, Threads: 1,
		LayerDigest: "sha256:" + strings.Repeat("ab", 32), DiffID: "sha256:" + strings.Repeat("cd", 32),
		RawBytes: 100_000_000, CompressedBytes: 32_000_000, AllocBytes: 4096, Allocs: 12, Verified: true}}}
}

func (b *cellB) each(f func(r *Record)) *cellB {
	for i := range b.recs {
		f(&b.recs[i])
	}
	return b
}

func (b *cellB) from(s string) *cellB  { return b.each(func(r *Record) { r.From = s }) }
func (b *cellB) level(s string) *cellB { return b.each(func(r *Record) { r.Level = s }) }
func (b *cellB) threads(n int) *cellB  { return b.each(func(r *Record) { r.Threads = n }) }
func (b *cellB) comp(n int64) *cellB   { return b.each(func(r *Record) { r.CompressedBytes = n }) }

// samples makes n samples: sample i has 2 iterations taking (400+10i) ms of
// wall time and (420+10i) ms of CPU.
func (b *cellB) samples(n int) []Record {
	var out []Record
	for i := range n {
		r := b.recs[0]
		r.Sample, r.Iters = i, 2
		r.WallNS = int64(400+10*i) * int64(time.Millisecond)
		r.CPUNS = int64(420+10*i) * int64(time.Millisecond)
		out = append(out, r)
	}
	return out
}

func (b *cellB) fail(err string) []Record {
	r := b.recs[0]
	r.Err, r.Verified, r.AllocBytes, r.Allocs = err, false, 0, 0
	return []Record{r}
}

func testEnv() Env {
	return Env{
		CPU: "Test CPU @ 3.00GHz", Cores: 8, GOMAXPROCS: 2, GOOS: "linux", GOARCH: "amd64",
		OS: "Debian GNU/Linux 12 (bookworm)", Kernel: "6.1.0-test", Go: "go1.26.0",
		Governor: "performance", Commit: "0123456789abcdef",
		Start: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Modules: map[string]string{
			"github.com/klauspost/compress": "v1.20.4",
			"github.com/DataDog/zstd":       "v1.5.7",
		},
		Extra: map[string]string{
			"libzstd": "1.5.7", "count": "2", "min-time": "200ms", "profile": "quick",
			"sources": "builtin ./layers\n(two lines)",
		},
	}
}

// testCells are the cells of the golden file, one of each kind.
func testCells() [][]Record {
	return [][]Record{
		c(OpMemcpy, "debian", "memcpy").comp(0).samples(2),
		c(OpEncode, "debian", "zstd-cgo").level("3").samples(2),
		c(OpEncode, "debian", "gzip-pgzip").level("6").threads(4).samples(2),
		c(OpDecode, "debian", "zstd-klauspost").from("zstd-cgo").level("3").samples(2),
		c(OpDecodeOriginal, "debian", "gzip-std").from("gzip").comp(31_000_000).samples(2),
		c(OpEncode, "my layer/v2", "gzip-std").level("-1").samples(1),
		c(OpDecode, "debian", "gzip-std").from("gzip-pgzip").level("6").fail("sha256 mismatch:\n got sha256:00\n want sha256:cd"),
		c(OpLoad, "broken", "").fail(`layer "broken": unexpected EOF`),
	}
}

// writeRun writes cells to a new run directory and returns its path.
func writeRun(t *testing.T, env Env, cells [][]Record) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	rd, err := Create(dir, env, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, cell := range cells {
		if err := rd.WriteCell(cell); err != nil {
			t.Fatal(err)
		}
	}
	if err := rd.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestGolden(t *testing.T) {
	dir := writeRun(t, testEnv(), testCells())
	got, err := os.ReadFile(filepath.Join(dir, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "results.txt")
	gotPath := filepath.Join("testdata", "results.got-txt")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		if err := os.WriteFile(gotPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Fatalf("results.txt differs from %s; got is in %s (go test -update rewrites the golden file)", golden, gotPath)
	}
	os.Remove(gotPath)

	// WriteText from what Load reads back gives the same file.
	env, recs, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteText(&buf, env, recs); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("WriteText(Load(dir)) differs from results.txt:\n%s", buf.Bytes())
	}
}

func TestRoundTrip(t *testing.T) {
	env := testEnv()
	cells := testCells()
	dir := writeRun(t, env, cells)
	path := filepath.Join(dir, ResultsFile)

	// The raw reader: failure lines must not be syntax errors.
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := benchfmt.NewReader(f, path)
	for r.Scan() {
		if se, ok := r.Result().(*benchfmt.SyntaxError); ok {
			t.Errorf("syntax error: %v", se)
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	text, _ := os.ReadFile(path)
	if n := strings.Count(string(text), "\n--- FAIL: "); n != 2 {
		t.Errorf("results.txt has %d failure lines, want 2:\n%s", n, text)
	}

	res, units, err := ReadResults(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []Record
	for _, cell := range cells {
		if cell[0].Err == "" {
			want = append(want, cell...)
		}
	}
	if len(res) != len(want) {
		t.Fatalf("read %d results, want %d", len(res), len(want))
	}
	for i, got := range res {
		w := want[i]
		base, parts := got.Name.Parts()
		if wantBase := opName(w.Op); string(base) != wantBase {
			t.Errorf("result %d: base name %q, want %q", i, base, wantBase)
		}
		var keys []string
		for _, p := range parts {
			keys = append(keys, string(p))
		}
		if last := keys[len(keys)-1]; last != "-2" {
			t.Errorf("%s: last name part %q, want the GOMAXPROCS suffix -2", got.Name, last)
		}
		if want := "/codec=" + sanitize(w.Codec); keys[1] != want {
			t.Errorf("%s: second name part %q, want %q", got.Name, keys[1], want)
		}
		if w.Level != "" && !strings.Contains(strings.Join(keys, ""), "/level="+w.Level+"/") {
			t.Errorf("%s: no part /level=%s in %q", got.Name, w.Level, keys)
		}
		if got.Iters != w.Iters {
			t.Errorf("%s: %d iterations, want %d", got.Name, got.Iters, w.Iters)
		}
		check := func(unit string, want float64, present bool) {
			t.Helper()
			v, ok := got.Value(unit)
			if ok != present {
				t.Errorf("%s: has %s = %v, want present %v", got.Name, unit, ok, present)
				return
			}
			if ok && !near(v, want) {
				t.Errorf("%s: %s = %v, want %v", got.Name, unit, v, want)
			}
		}
		// Tidied units: ns/op becomes sec/op and MB/s becomes B/s.
		check("sec/op", float64(w.WallNS)/float64(w.Iters)/1e9, true)
		check("B/s", float64(w.RawBytes)*float64(w.Iters)/(float64(w.WallNS)/1e9), true)
		hasRatio := w.Op != OpMemcpy
		check(UnitRatio, float64(w.RawBytes)/float64(w.CompressedBytes), hasRatio)
		check(UnitCompressedB, float64(w.CompressedBytes), hasRatio)
		check(UnitCPUSecPerGB, float64(w.CPUNS)/1e9/(float64(w.RawBytes)*float64(w.Iters)/1e9), true)
		check("B/op", float64(w.AllocBytes), true)
		check("allocs/op", float64(w.Allocs), true)

		for key, want := range map[string]string{
			"goos": "linux", "cpu": env.CPU, "cores": "8", "gomaxprocs": "2", "go": "go1.26.0",
			"zbench-commit": env.Commit, "libzstd": "1.5.7", "sources": "builtin ./layers; (two lines)",
			"mod-github.com/datadog/zstd": "v1.5.7", "mod-github.com/klauspost/compress": "v1.20.4",
			".file": path,
		} {
			if got := got.GetConfig(key); got != want {
				t.Errorf("%s: config %s = %q, want %q", got, key, got, want)
			}
		}
		if v := got.GetConfig("start"); v != "" {
			t.Errorf("config start = %q; the start time belongs in env.json only", v)
		}
	}

	if a := units.GetAssumption(UnitRatio); a != benchmath.AssumeExact {
		t.Errorf("ratio assumption %v, want exact", a)
	}
	if a := units.GetAssumption(UnitCompressedB); a != benchmath.AssumeExact {
		t.Errorf("compressed-B assumption %v, want exact", a)
	}
	for unit, want := range map[string]int{UnitRatio: 1, UnitCompressedB: -1, UnitCPUSecPerGB: -1} {
		if got := units.GetBetter(unit); got != want {
			t.Errorf("better for %s = %d, want %d", unit, got, want)
		}
	}
}

func near(a, b float64) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	return d <= 1e-5*max(abs(a), abs(b)) // values are rounded to 6 digits
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestNames(t *testing.T) {
	for _, tc := range []struct {
		r    Record
		want string
	}{
		{Record{Op: OpEncode, Layer: "debian", Codec: "zstd-cgo", Level: "3", Threads: 1}, "Encode/layer=debian/codec=zstd-cgo/level=3/threads=1-2"},
		{Record{Op: OpDecode, Layer: "l", Codec: "gzip-std", From: "gzip-pgzip", Level: "9", Threads: 1}, "Decode/layer=l/codec=gzip-std/from=gzip-pgzip/level=9/threads=1-2"},
		{Record{Op: OpDecodeOriginal, Layer: "l", Codec: "zstd-cgo", From: "zstd", Threads: 1}, "DecodeOriginal/layer=l/codec=zstd-cgo/from=zstd/threads=1-2"},
		{Record{Op: OpMemcpy, Layer: "l"}, "Memcpy/layer=l/codec=memcpy/threads=1-2"},
		{Record{Op: OpEncode, Layer: "a b/c\td", Codec: "x/y", Level: "-1", Threads: 8}, "Encode/layer=a_b_c_d/codec=x_y/level=-1/threads=8-2"},
		{Record{Op: OpLoad, Layer: "l"}, "Load/layer=l-2"},
		{Record{Op: OpEncode, Layer: "l", Codec: "zstd-cgo", API: APIBuffer, Level: "3", Threads: 1}, "Encode/layer=l/codec=zstd-cgo/api=buffer/level=3/threads=1-2"},
		{Record{Op: OpDecode, Layer: "l", Codec: "zstd-cgo", API: APIBuffer, From: "zstd-cgo", Level: "3", Threads: 1}, "Decode/layer=l/codec=zstd-cgo/api=buffer/from=zstd-cgo/level=3/threads=1-2"},
		{Record{Op: OpEncode, Layer: "l", Codec: "gzip-std", Level: "6", Write: 4096, Threads: 1}, "Encode/layer=l/codec=gzip-std/level=6/write=4096/threads=1-2"},
	} {
		if got := tc.r.Name(2); got != tc.want {
			t.Errorf("Name(%+v) = %q, want %q", tc.r.Key(), got, tc.want)
		}
	}
}

func TestValues(t *testing.T) {
	r := Record{Op: OpEncode, Iters: 4, WallNS: 2e9, CPUNS: 3e9, RawBytes: 250e6, CompressedBytes: 50e6, AllocBytes: 10, Allocs: 1}
	want := map[string]float64{
		"ns/op":         5e8,
		"MB/s":          500, // 10^9 bytes in 2 s
		UnitRatio:       5,
		UnitCompressedB: 50e6,
		UnitCPUSecPerGB: 3, // 3 CPU seconds for 10^9 bytes
		"B/op":          10,
		"allocs/op":     1,
	}
	vals := r.Values()
	if len(vals) != len(want) {
		t.Fatalf("Values() = %v, want %d values", vals, len(want))
	}
	for _, v := range vals {
		if w, ok := want[v.Unit]; !ok || !near(v.Value, w) {
			t.Errorf("%s = %v, want %v", v.Unit, v.Value, w)
		}
	}
	r.CPUNS = 0
	for _, v := range r.Values() {
		if v.Unit == UnitCPUSecPerGB {
			t.Errorf("cpu-sec/GB written when CPU time was not measured")
		}
	}
	if v := (Record{Op: OpEncode, Err: "boom"}).Values(); v != nil {
		t.Errorf("failure has values %v", v)
	}
}

func TestFailLineOneLine(t *testing.T) {
	r := Record{Op: OpEncode, Layer: "l", Codec: "c", Level: "1", Threads: 1, Err: "first\r\n  second:\n\nthird  \nfourth"}
	want := "--- FAIL: BenchmarkEncode/layer=l/codec=c/level=1/threads=1-4: first; second: third; fourth\n"
	if got := failLine(r, 4); got != want {
		t.Errorf("failLine = %q, want %q", got, want)
	}
}

// TestBenchstat runs benchstat, when installed, on a written results.txt:
// go install golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
func TestBenchstat(t *testing.T) {
	bin, err := exec.LookPath("benchstat")
	if err != nil {
		t.Skip("benchstat is not on PATH; install it with: go install golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da")
	}
	var cells [][]Record
	for _, cell := range testCells() {
		if cell[0].Err == "" {
			cell = append(cell, c(cell[0].Op, cell[0].Layer, cell[0].Codec).from(cell[0].From).
				level(cell[0].Level).threads(cell[0].Threads).comp(cell[0].CompressedBytes).samples(6)[len(cell):]...)
		}
		cells = append(cells, cell)
	}
	dir := writeRun(t, testEnv(), cells)
	path := filepath.Join(dir, ResultsFile)

	out, err := exec.Command(bin, path).CombinedOutput()
	if err != nil {
		t.Fatalf("benchstat %s: %v\n%s", path, err, out)
	}
	s := string(out)
	for _, want := range []string{
		"cpu: Test CPU @ 3.00GHz",
		"Encode/layer=debian/codec=zstd-cgo/level=3/threads=1-2",
		"Decode/layer=debian/codec=zstd-klauspost/from=zstd-cgo/level=3/threads=1-2",
		"DecodeOriginal/layer=debian/codec=gzip-std/from=gzip/threads=1-2",
		"Memcpy/layer=debian/codec=memcpy/threads=1-2",
		"sec/op", "B/s", "ratio", "compressed-B", "cpu-sec/GB",
		"3.125", // the ratio of 100 MB over 32 MB
	} {
		if !strings.Contains(s, want) {
			t.Errorf("benchstat output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "FAIL") || strings.Contains(s, "gzip-pgzip/level=6/threads=1") {
		t.Errorf("benchstat output shows a failed cell:\n%s", s)
	}

	// Pivoting on a name key works: one column per codec.
	out, err = exec.Command(bin, "-col", "/codec", "-filter", ".name:Encode", path).CombinedOutput()
	if err != nil {
		t.Fatalf("benchstat -col /codec: %v\n%s", err, out)
	}
	if s := string(out); !strings.Contains(s, "zstd-cgo") || !strings.Contains(s, "gzip-pgzip") {
		t.Errorf("benchstat -col /codec lacks the codecs:\n%s", s)
	}
}
