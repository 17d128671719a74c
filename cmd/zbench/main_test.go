package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/perf/benchfmt"

	"zbench/bench/determinism"
	"zbench/results"
)

// tarLayer makes a small tar with text and binary-like files.
func tarLayer(t *testing.T, seed uint64) []byte {
	t.Helper()
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	rng := rand.New(rand.NewPCG(seed, 7))
	for i := range 12 {
		body := make([]byte, 24<<10)
		for j := range body {
			if i%3 == 0 {
				body[j] = byte(rng.Uint32())
			} else {
				body[j] = "abcdefgh \n"[rng.IntN(10)]
			}
		}
		hdr := &tar.Header{Name: fmt.Sprintf("usr/share/f%02d", i), Mode: 0o644, Size: int64(len(body)), ModTime: time.Unix(1700000000, 0)}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		tw.Write(body)
	}
	tw.Close()
	return raw.Bytes()
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

func write(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// fastArgs keep a run short: two codecs at one level each, few samples.
var fastArgs = []string{"-count", "2", "-min-time", "0", "-min-sample", "1ms", "-progress", "plain",
	"-codecs", "gzip-std,gzip-klauspost,zstd-klauspost", "-levels", "gzip-std=1 gzip-klauspost=1 zstd-klauspost=fastest"}

func zbench(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb syncBuffer
	code = run(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
	// onWrite, when set, sees everything written so far.
	onWrite func(string)
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.b.Write(p)
	if s.onWrite != nil {
		s.onWrite(s.b.String())
	}
	return n, err
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func loadRun(t *testing.T, dir string) []results.Record {
	t.Helper()
	_, recs, err := results.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// cellsOf counts samples per cell and fails on a cell written twice.
func cellsOf(t *testing.T, recs []results.Record) map[results.CellKey]int {
	t.Helper()
	cells := map[results.CellKey]int{}
	seen := map[string]bool{}
	for _, r := range recs {
		id := fmt.Sprintf("%v#%d", r.Key(), r.Sample)
		if seen[id] {
			t.Errorf("sample %s written twice", id)
		}
		seen[id] = true
		cells[r.Key()]++
	}
	return cells
}

func TestRunWritesARunBenchstatReads(t *testing.T) {
	dir := t.TempDir()
	layer := write(t, dir, "app-layer.tar.gz", gz(tarLayer(t, 1)))
	out := filepath.Join(dir, "run")
	code, _, stderr := zbench(t, context.Background(), append(append([]string{"run", "-o", out}, fastArgs...), layer)...)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	// memcpy, 2 decode-original (the gzip decoders), 3 encodes, 2+2+1 decodes.
	recs := loadRun(t, out)
	cells := cellsOf(t, recs)
	if len(cells) != 1+2+3+5 {
		t.Errorf("%d cells, want 11: %v", len(cells), cells)
	}
	for _, r := range recs {
		if r.Err != "" || !r.Verified || r.Layer != "app-layer" {
			t.Errorf("record %+v: want verified, no error, layer app-layer", r)
		}
	}
	if !strings.Contains(stderr, "[11/11]") {
		t.Errorf("progress has no line for the last cell:\n%s", stderr)
	}

	// results.txt is the Go benchmark format: names end in -GOMAXPROCS and
	// carry the cell's keys; ratio is declared exact.
	f, err := os.Open(filepath.Join(out, "results.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	br := benchfmt.NewReader(f, "results.txt")
	n := 0
	exact := false
	for br.Scan() {
		switch rec := br.Result().(type) {
		case *benchfmt.Result:
			n++
			if _, procs := rec.Name.Parts(); len(procs) == 0 {
				t.Errorf("%s: no -GOMAXPROCS suffix", rec.Name)
			}
			if _, ok := rec.Value("B/s"); !ok {
				t.Errorf("%s: no MB/s", rec.Name)
			}
		case *benchfmt.UnitMetadata:
			if rec.Unit == "ratio" && rec.Key == "assume" && rec.Value == "exact" {
				exact = true
			}
		case *benchfmt.SyntaxError:
			t.Errorf("results.txt: %v", rec)
		}
	}
	if n != len(recs) {
		t.Errorf("results.txt has %d result lines, samples.jsonl %d records", n, len(recs))
	}
	if !exact {
		t.Error("results.txt does not declare ratio exact")
	}

	bs, err := exec.LookPath("benchstat")
	if err != nil {
		t.Log("benchstat is not on PATH (go install golang.org/x/perf/cmd/benchstat@latest): skipping the benchstat check")
		return
	}
	b, err := exec.Command(bs, "-col", "/codec", filepath.Join(out, "results.txt")).CombinedOutput()
	if err != nil {
		t.Fatalf("benchstat: %v\n%s", err, b)
	}
	for _, want := range []string{"gzip-std", "zstd-klauspost", "B/s", "ratio"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("benchstat output lacks %q:\n%s", want, b)
		}
	}
}

func TestRunBadInputGoesOn(t *testing.T) {
	dir := t.TempDir()
	layers := filepath.Join(dir, "layers")
	os.Mkdir(layers, 0o755)
	good := gz(tarLayer(t, 2))
	write(t, layers, "a-good.tar.gz", good)
	write(t, layers, "b-truncated.tar.gz", good[:len(good)/2])
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0x55
	write(t, layers, "c-flipped.tar.gz", flipped)
	write(t, layers, "d-not-a-tar.gz", gz(bytes.Repeat([]byte("hello, not a tar\n"), 4096)))
	write(t, layers, "e-empty.tar", nil)
	write(t, layers, "f-bomb.tar.gz", gz(make([]byte, 8<<20)))

	out := filepath.Join(dir, "run")
	code, _, stderr := zbench(t, context.Background(), append(append([]string{"run", "-o", out, "-max-layer-bytes", "2MiB"}, fastArgs...), layers)...)
	if code != 1 {
		t.Errorf("exit %d, want 1 (some layers failed)\n%s", code, stderr)
	}
	for _, name := range []string{"b-truncated", "c-flipped", "d-not-a-tar", "e-empty", "f-bomb"} {
		if !strings.Contains(stderr, "FAIL layer \""+name+"\"") {
			t.Errorf("stderr does not name %s as failed:\n%s", name, stderr)
		}
	}
	if !strings.Contains(stderr, "larger than") {
		t.Errorf("the bomb's error does not say it is too large:\n%s", stderr)
	}
	recs := loadRun(t, out)
	good0, loadFails := 0, 0
	for _, r := range recs {
		switch {
		case r.Layer == "a-good" && r.Err == "" && r.Verified:
			good0++
		case r.Op == results.OpLoad && r.Err != "":
			loadFails++
		}
	}
	if good0 == 0 {
		t.Error("the good layer was not measured")
	}
	if loadFails != 5 {
		t.Errorf("%d load failures recorded, want 5", loadFails)
	}
	txt, _ := os.ReadFile(filepath.Join(out, "results.txt"))
	if !strings.Contains(string(txt), "--- FAIL: BenchmarkLoad/layer=f-bomb") {
		t.Errorf("results.txt does not keep the bomb's failure:\n%s", txt)
	}
}

func TestRunInterruptAndResume(t *testing.T) {
	dir := t.TempDir()
	layer := write(t, dir, "layer.tar.gz", gz(tarLayer(t, 3)))
	out := filepath.Join(dir, "run")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var errb syncBuffer
	errb.onWrite = func(s string) {
		if strings.Contains(s, "[4/") {
			cancel() // as Ctrl-C would, after the fourth cell is written
		}
	}
	args := append(append([]string{"run", "-o", out}, fastArgs...), layer)
	code := run(ctx, args, new(syncBuffer), &errb)
	if code != 130 {
		t.Fatalf("interrupted run: exit %d, want 130\n%s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "-resume") {
		t.Errorf("interrupted run does not say how to resume:\n%s", errb.String())
	}
	before := cellsOf(t, loadRun(t, out))
	if len(before) != 4 {
		t.Errorf("%d cells kept after the interrupt, want the 4 finished", len(before))
	}

	code, _, stderr := zbench(t, context.Background(), append([]string{"run", "-resume", "-o", out}, append(fastArgs, layer)...)...)
	if code != 0 {
		t.Fatalf("resume: exit %d\n%s", code, stderr)
	}
	after := cellsOf(t, loadRun(t, out))
	if len(after) != 11 {
		t.Errorf("%d cells after resume, want 11", len(after))
	}
	for k, n := range after {
		if n != 2 {
			t.Errorf("cell %v has %d samples after resume, want 2", k, n)
		}
	}
	if strings.Contains(stderr, "layer memcpy") || !strings.Contains(stderr, "7 cell(s) measured") {
		t.Errorf("resume redid finished cells or measured the wrong number:\n%s", stderr)
	}

	// A second run into the same directory without -resume is refused.
	code, _, stderr = zbench(t, context.Background(), append([]string{"run", "-o", out}, append(fastArgs, layer)...)...)
	if code == 0 || !strings.Contains(stderr, "-resume") {
		t.Errorf("run into a used directory: exit %d, want a refusal naming -resume\n%s", code, stderr)
	}
}

func TestRunBuiltinDefault(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the builtin layer (tens of MB); skipped in -short")
	}
	// Offline, the default corpus (@default) gives way to builtin, in one line.
	t.Setenv("ZBENCH_OFFLINE", "1")
	t.Setenv("ZBENCH_CACHE", t.TempDir())
	out := filepath.Join(t.TempDir(), "run")
	code, _, stderr := zbench(t, context.Background(), "run", "-o", out, "-count", "1", "-min-time", "0", "-progress", "none",
		"-codecs", "zstd-klauspost", "-levels", "zstd-klauspost=fastest", "-ops", "encode")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if n := strings.Count(stderr, "measuring builtin instead"); n != 1 {
		t.Errorf("offline fallback said %d times:\n%s", n, stderr)
	}
	recs := loadRun(t, out)
	if len(recs) != 2 || !strings.HasPrefix(recs[0].Layer, "builtin-go") {
		t.Errorf("records %+v: want memcpy and one encode of the builtin layer", recs)
	}
	var env map[string]any
	b, _ := os.ReadFile(filepath.Join(out, "env.json"))
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	if env["Extra"] == nil && env["extra"] == nil {
		t.Errorf("env.json has no run settings: %s", b)
	}
}

func TestCodecsCommand(t *testing.T) {
	code, stdout, stderr := zbench(t, context.Background(), "codecs")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"gzip-std", "gzip-klauspost", "gzip-pgzip", "zstd-klauspost", "zstd-cgo", "fastest*", "bundled libzstd 1."} {
		if !strings.Contains(stdout, want) {
			t.Errorf("zbench codecs lacks %q:\n%s", want, stdout)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"squash"},
		{"run", "-nope"},
		{"run", "-levels", "gzip-std=42"},
		{"run", "-codecs", "bzip2"},
		{"run", "-count", "0"},
		{"run", "-resume"},
		{"codecs", "extra"},
	} {
		code, _, stderr := zbench(t, context.Background(), args...)
		if code != 2 {
			t.Errorf("zbench %q: exit %d, want 2\n%s", args, code, stderr)
		}
		if stderr == "" {
			t.Errorf("zbench %q: says nothing on stderr", args)
		}
	}
	code, _, stderr := zbench(t, context.Background(), "run", "-h")
	if code != 0 || !strings.Contains(stderr, "-max-layer-bytes") || !strings.Contains(stderr, "SOURCE") {
		t.Errorf("run -h: exit %d\n%s", code, stderr)
	}
}

// The examples in the package doc must be commands zbench accepts.
func TestDocExamples(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(src))
	n := 0
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "//"))
		if !strings.HasPrefix(line, "zbench run ") || strings.Contains(line, "[flags]") {
			continue
		}
		n++
		fields := strings.Fields(strings.ReplaceAll(line, "'", ""))[2:]
		fs := newFlagSet("run", "", "", new(bytes.Buffer))
		var f runFlags
		registerRunFlags(fs, &f)
		if err := fs.Parse(fields); err != nil {
			t.Errorf("doc example %q: %v", line, err)
		}
	}
	if n == 0 {
		t.Error("no zbench run examples found in the package doc")
	}
}

// TestRunReferencePrograms runs two reference programs through zbench run:
// they are measured and verified like the libraries, their versions are in
// the environment, and the CPU they use in their own process is counted.
func TestRunReferencePrograms(t *testing.T) {
	for _, p := range []string{"gzip", "zstd"} {
		if _, err := exec.LookPath(p); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not on PATH; scripts/test.sh installs it", p)
			}
			t.Skipf("skipping: %s is not on PATH", p)
		}
	}
	dir := t.TempDir()
	layer := write(t, dir, "app-layer.tar.gz", gz(tarLayer(t, 3)))
	out := filepath.Join(dir, "run")
	code, _, stderr := zbench(t, context.Background(), "run", "-o", out, "-count", "2", "-min-time", "0", "-min-sample", "1ms",
		"-progress", "none", "-codecs", "gzip-cli,zstd-cli,gzip-std", "-levels", "gzip-cli=9 zstd-cli=3 gzip-std=1", layer)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	env, recs, err := results.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"program-gzip-cli", "program-zstd-cli"} {
		if !strings.Contains(env.Extra[k], "/") {
			t.Errorf("env.json extra %q = %q, want the program's path and version", k, env.Extra[k])
		}
	}
	cells := cellsOf(t, recs)
	var cpu, wall int64
	for _, r := range recs {
		if r.Codec == "gzip-cli" && r.Op == results.OpEncode {
			cpu += r.CPUNS
			wall += r.WallNS
		}
		if !r.Verified || r.Err != "" {
			t.Errorf("cell %v: verified %v, error %q", r.Key(), r.Verified, r.Err)
		}
	}
	for _, want := range []string{
		"Encode/layer=app-layer/codec=gzip-cli/level=9/threads=1",
		"Decode/layer=app-layer/codec=gzip-std/from=gzip-cli/level=9/threads=1",
		"Decode/layer=app-layer/codec=gzip-cli/from=gzip-std/level=1/threads=1",
		"DecodeOriginal/layer=app-layer/codec=gzip-cli/from=gzip/threads=1",
		"Decode/layer=app-layer/codec=zstd-cli/from=zstd-cli/level=3/threads=1",
	} {
		found := false
		for k := range cells {
			found = found || k.String() == want
		}
		if !found {
			t.Errorf("no cell %s", want)
		}
	}
	if cpu == 0 || wall == 0 {
		t.Errorf("gzip-cli encode: CPU %d ns over %d ns of wall time; want the program's CPU counted", cpu, wall)
	}
}

func TestDeterminismCommand(t *testing.T) {
	dir := t.TempDir()
	layer := write(t, dir, "app-layer.tar.gz", gz(tarLayer(t, 4)))
	out := filepath.Join(dir, "run", "determinism.json")
	code, _, stderr := zbench(t, context.Background(), "determinism", "-o", out, "-repeat", "2", "-gomaxprocs", "1,2",
		"-codecs", "gzip-std,gzip-klauspost,zstd-klauspost", "-levels", "gzip-std=6 gzip-klauspost=6 zstd-klauspost=default", layer)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	m, err := determinism.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// 3 codecs and zstd-klauspost's 2 concurrency variants, one level each
	if len(m.Settings) != 5 || m.Repeats != 2 || len(m.Inputs) != 1 || m.Inputs[0].Name != "app-layer" {
		t.Errorf("matrix: %d settings, %d repeats, inputs %+v", len(m.Settings), m.Repeats, m.Inputs)
	}
	for _, s := range m.Settings {
		if !s.Deterministic() {
			t.Errorf("%s level %s: not deterministic: %+v", s.Name(), s.Level, s)
		}
	}
	if m.Versions["github.com/klauspost/compress"] == "" || m.Versions["go"] == "" {
		t.Errorf("versions %v: want go and klauspost/compress", m.Versions)
	}
	// zstd level 3 has one implementation here: nothing to compare.
	if len(m.Across) != 1 || m.Across[0].Format != "gzip" || m.Across[0].Level != 6 || m.Across[0].Identical {
		t.Errorf("across: %+v; want only gzip level 6, where std and klauspost differ", m.Across)
	}
	if !strings.Contains(stderr, "Across implementations") || !strings.Contains(stderr, "gzip-klauspost") {
		t.Errorf("no summary on stderr:\n%s", stderr)
	}
	if code, _, _ := zbench(t, context.Background(), "determinism", "-repeat", "1", layer); code != 2 {
		t.Errorf("-repeat 1: exit %d, want 2", code)
	}
}

func TestEvidenceCommand(t *testing.T) {
	dir := t.TempDir()
	layer := write(t, dir, "app-layer.tar.gz", gz(tarLayer(t, 5)))
	out := filepath.Join(dir, "run")
	if code, _, stderr := zbench(t, context.Background(), append(append([]string{"run", "-o", out}, fastArgs...), layer)...); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := zbench(t, context.Background(), "determinism", "-o", filepath.Join(out, "determinism.json"), "-repeat", "2",
		"-codecs", "gzip-std,zstd-klauspost", "-levels", "gzip-std=1 zstd-klauspost=fastest", "-variants=false", layer); code != 0 {
		t.Fatalf("determinism: exit %d\n%s", code, stderr)
	}
	js, html := filepath.Join(dir, "evidence.json"), filepath.Join(dir, "evidence.html")
	code, stdout, stderr := zbench(t, context.Background(), "evidence", "-o", js, "-html", html, "-bandwidth", "1Gbit,25Gbit", "-vcpu-hour", "0.05", out)
	if code != 0 {
		t.Fatalf("evidence: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"1. How much smaller", "At 25 Gbit/s, gzip as published takes", "Holds for 1 layer(s): app-layer.",
		"2 of 2 encoder settings wrote the same bytes", "given on the command line: $0.05 per vCPU-hour"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		Params struct {
			VCPUHourUSD float64 `json:"vcpu_hour_usd"`
		} `json:"params"`
		Pull struct {
			Corpus []struct{ Setting string } `json:"corpus"`
		} `json:"pull_time"`
		Determinism struct{ Source string } `json:"determinism"`
	}
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	// gzip as published plus 3 encoders, at 2 bandwidths
	if e.Params.VCPUHourUSD != 0.05 || len(e.Pull.Corpus) != 8 || !strings.HasSuffix(e.Determinism.Source, "determinism.json") {
		t.Errorf("evidence.json: %+v", e)
	}
	if h, err := os.ReadFile(html); err != nil || !bytes.Contains(h, []byte(`<section id="evidence">`)) {
		t.Errorf("evidence.html: %v\n%.300s", err, h)
	}

	code, stdout, _ = zbench(t, context.Background(), "evidence", "-o", "-", out)
	if code != 0 || !json.Valid([]byte(stdout)) {
		t.Errorf("evidence -o -: exit %d, want JSON alone on stdout:\n%.300s", code, stdout)
	}
	for _, args := range [][]string{{"evidence"}, {"evidence", "-bandwidth", "fast", out}, {"evidence", "-decoders", "gzip", out}, {"evidence", "-egress-gb", "-1", out}} {
		if code, _, _ := zbench(t, context.Background(), args...); code != 2 {
			t.Errorf("zbench %q: exit %d, want 2", args, code)
		}
	}
	if code, _, stderr := zbench(t, context.Background(), "evidence", "-o", js, filepath.Join(dir, "no-such-run")); code != exitUsage || !strings.Contains(stderr, "no-such-run") {
		t.Errorf("missing run directory: exit %d, %s", code, stderr)
	}
}

// TestCodecsCommandReferencePrograms checks that zbench codecs lists the
// reference programs with their versions, says they are opt-in, and names
// any that are absent with their Debian package.
func TestCodecsCommandReferencePrograms(t *testing.T) {
	code, stdout, stderr := zbench(t, context.Background(), "codecs")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if _, err := exec.LookPath("gzip"); err == nil {
		if !strings.Contains(stdout, "gzip-cli") || !strings.Contains(stdout, "the reference programs), run only when -codecs names them or with -profile reference") {
			t.Errorf("zbench codecs does not list gzip-cli as an opt-in reference program:\n%s", stdout)
		}
	}
	if _, err := exec.LookPath("libdeflate-gzip"); err != nil && !strings.Contains(stdout, "libdeflate-cli is absent: the program libdeflate-gzip is not on PATH (Debian package libdeflate-tools)") {
		t.Errorf("zbench codecs does not say libdeflate-cli is absent:\n%s", stdout)
	}
}
