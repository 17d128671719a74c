package plots

import (
	"bytes"
	"encoding/csv"
	"errors"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"

	"zbench/results"
)

// rec is a builder for records in table tests: rec("encode", "L").codec(..)...
type recB results.Record

func rec(op, layer string) recB {
	return recB{Op: op, Layer: layer, Threads: 1, Verified: true}
}
func (r recB) codec(c string) recB        { r.Codec = c; return r }
func (r recB) from(f string) recB         { r.From = f; return r }
func (r recB) level(l string) recB        { r.Level = l; return r }
func (r recB) sizes(raw, comp int64) recB { r.RawBytes, r.CompressedBytes = raw, comp; return r }

// mbps makes one sample per value, each one pass at that throughput.
func (r recB) mbps(vs ...float64) []results.Record {
	var out []results.Record
	for i, v := range vs {
		x := results.Record(r)
		x.Sample, x.Iters = i, 1
		x.WallNS = int64(float64(x.RawBytes) / v * 1e3)
		x.CPUNS = x.WallNS
		out = append(out, x)
	}
	return out
}

func summarizeRecs(recs ...[]results.Record) *RunData {
	return summarizeRun(&Run{Label: "t", Run: results.FromRecords("", results.Env{}, slices.Concat(recs...))})
}

func TestAggregateWeightsByBytes(t *testing.T) {
	// Layer a: 100 MB at 100 MB/s (1 s), layer b: 300 MB at 300 MB/s
	// (1 s): 400 MB in 2 s is 200 MB/s, not the 200 of a plain mean by
	// accident: make b 900 MB/s, then 400 MB in 1.333 s is 300 MB/s.
	rd := summarizeRecs(
		rec(results.OpEncode, "a").codec("zstd-cgo").level("3").sizes(100e6, 50e6).mbps(100, 100, 100, 100, 100, 100),
		rec(results.OpEncode, "b").codec("zstd-cgo").level("3").sizes(300e6, 100e6).mbps(900, 900, 900, 900, 900, 900),
	)
	a := rd.Aggregate(Setting{Op: results.OpEncode, Codec: "zstd-cgo", Level: "3", Threads: 1})
	if a == nil {
		t.Fatal("no aggregate")
	}
	if math.Abs(a.MBps.Median-300) > 0.01 {
		t.Errorf("throughput = %v, want 300 (400 MB in 4/3 s)", a.MBps.Median)
	}
	if got := a.Ratio(); got != 400.0/150 {
		t.Errorf("ratio = %v, want %v", got, 400.0/150)
	}
	// CPU equals wall time here: 10 s/GB on a, 1.111 s/GB on b, weighted
	// by bytes: (0.1 GB × 10 + 0.3 GB × 1.111) / 0.4 GB = 3.333.
	if math.Abs(a.CPU.Median-10.0/3) > 1e-3 {
		t.Errorf("CPU = %v s/GB, want 3.333", a.CPU.Median)
	}
	if !a.MBps.CI || a.MBps.Lo != a.MBps.Median || a.MBps.Hi != a.MBps.Median {
		t.Errorf("interval of identical samples = %+v, want a point", a.MBps)
	}
}

func TestStatNeedsSixSamples(t *testing.T) {
	if s := results.Summarize([]float64{1, 2, 3, 4, 5}); s.CI || s.Median != 3 || s.N != 5 {
		t.Errorf("5 samples: %+v, want median 3 without interval", s)
	}
	if s := results.Summarize([]float64{6, 1, 2, 3, 4, 5}); !s.CI || s.Lo != 1 || s.Hi != 6 || s.Median != 3.5 {
		t.Errorf("6 samples: %+v, want median 3.5 in [1, 6]", s)
	}
}

func TestPartialSettingsLeftOut(t *testing.T) {
	rd := summarizeRecs(
		rec(results.OpMemcpy, "a").codec("memcpy").sizes(10, 0).mbps(1000),
		rec(results.OpMemcpy, "b").codec("memcpy").sizes(10, 0).mbps(1000),
		rec(results.OpEncode, "a").codec("gzip-std").level("6").sizes(10, 4).mbps(50),
		rec(results.OpEncode, "b").codec("gzip-std").level("6").sizes(10, 4).mbps(50),
		rec(results.OpEncode, "a").codec("gzip-std").level("9").sizes(10, 3).mbps(20),
		[]results.Record{results.Record(rec(results.OpEncode, "b").codec("gzip-std").level("9")), {}}[:1],
	)
	// The last record has no error and no samples: it counts as a failure.
	if a := rd.Aggregate(Setting{Op: results.OpEncode, Codec: "gzip-std", Level: "9", Threads: 1}); a != nil {
		t.Errorf("gzip-std 9 failed on b but has a corpus aggregate: %+v", a)
	}
	if len(rd.Partial) != 1 || !strings.Contains(rd.Partial[0], `gzip-std 9: failed on "b"`) {
		t.Errorf("Partial = %q", rd.Partial)
	}
	if rd.Aggregate(Setting{Op: results.OpEncode, Codec: "gzip-std", Level: "6", Threads: 1}) == nil {
		t.Error("gzip-std 6 is on every layer but has no aggregate")
	}
}

func TestPareto(t *testing.T) {
	pt := func(level string, ratio, mbps float64) TradeoffPoint {
		return TradeoffPoint{Run: "r", Series: "c", Level: level, Ratio: ratio, MBps: Stat{Median: mbps, N: 1}}
	}
	pts := []TradeoffPoint{pt("fast", 2, 400), pt("mid", 3, 100), pt("slow", 4, 5), pt("bad", 2.5, 50), pt("tie", 2, 400), pt("worse", 2, 300)}
	var front []string
	for _, p := range pts {
		if !dominated(p.Ratio, p.MBps.Median, pts, func(q TradeoffPoint) (float64, float64) { return q.Ratio, q.MBps.Median }) {
			front = append(front, p.Level)
		}
	}
	if want := []string{"fast", "mid", "slow", "tie"}; !slices.Equal(front, want) {
		t.Errorf("front = %q, want %q", front, want)
	}
}

func TestDefaultLabels(t *testing.T) {
	for _, tc := range []struct{ dirs, want []string }{
		{[]string{"out/a", "out/b"}, []string{"a", "b"}},
		{[]string{"x/run", "y/run"}, []string{"x/run", "y/run"}},
		{[]string{"out/run", "out/run"}, []string{"out/run", "out/run #2"}},
		{[]string{"/"}, []string{"/"}},
	} {
		if got := defaultLabels(tc.dirs); !slices.Equal(got, tc.want) {
			t.Errorf("defaultLabels(%q) = %q, want %q", tc.dirs, got, tc.want)
		}
	}
}

func TestTicks(t *testing.T) {
	var labels []string
	for _, tk := range (logTicks{}).Ticks(40, 900) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if want := []string{"50", "100", "200", "500"}; !slices.Equal(labels, want) {
		t.Errorf("log ticks 40–900: %q, want %q", labels, want)
	}
	labels = nil
	for _, tk := range (niceTicks{}).Ticks(2.1, 4.3) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if want := []string{"2.5", "3.0", "3.5", "4.0"}; !slices.Equal(labels, want) {
		t.Errorf("linear ticks 2.1–4.3: %q, want %q", labels, want)
	}
	labels = nil
	for _, tk := range (niceTicks{}).Ticks(1.7, 2.15) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if want := []string{"1.7", "1.8", "1.9", "2.0", "2.1"}; !slices.Equal(labels, want) {
		t.Errorf("linear ticks 1.7–2.15: %q, want %q", labels, want)
	}
	if got := (logTicks{}).Ticks(0, 10); got != nil {
		t.Errorf("log ticks from 0: %v, want none", got)
	}
}

// TestChartsWithoutData checks every chart says ErrNoData rather than
// drawing an empty chart or panicking.
func TestChartsWithoutData(t *testing.T) {
	d := &Data{}
	st := d.Style()
	for name, draw := range map[string]func() error{
		"tradeoff": func() error { _, err := TradeoffChart(d.Tradeoff(""), st); return err },
		"decode":   func() error { _, err := DecodeChart(d.Decode("gzip"), st); return err },
		"cpu":      func() error { _, err := CPUChart(d.CPU(results.OpEncode), st); return err },
		"levels":   func() error { _, err := LevelChart(d.Levels(), MetricRatio, st); return err },
		"interop":  func() error { _, err := InteropChart(InteropData{}); return err },
	} {
		if err := draw(); !errors.Is(err, ErrNoData) {
			t.Errorf("%s: %v, want ErrNoData", name, err)
		}
	}
}

// TestChartsOddData draws charts from data gonum could choke on: one
// point, zero throughput, equal values.
func TestChartsOddData(t *testing.T) {
	one := TradeoffData{Points: []TradeoffPoint{{Run: "r", Series: "zstd-cgo", Level: "3", Ratio: 3, MBps: Stat{Median: 100, N: 1}}}}
	zero := TradeoffData{Points: []TradeoffPoint{{Run: "r", Series: "zstd-cgo", Level: "3", Ratio: 3, MBps: Stat{N: 1}}, one.Points[0]}}
	for name, td := range map[string]TradeoffData{"one": one, "zero": zero} {
		p, err := TradeoffChart(td, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var buf bytes.Buffer
		if err := WriteSVG(&buf, p, vg.Points(300), vg.Points(200)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if err := WritePNG(&buf, p, vg.Points(300), vg.Points(200)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := LevelChart(LevelData{Points: []LevelPoint{{Run: "r", Series: "s", Level: "1", X: 1, Ratio: 2}}}, "bogus", nil); err == nil {
		t.Error("unknown metric: no error")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrors(t *testing.T) {
	p, err := TradeoffChart(TradeoffData{Points: []TradeoffPoint{{Run: "r", Series: "s", Level: "1", Ratio: 2, MBps: Stat{Median: 5, N: 1}}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteSVG(failWriter{}, p, vg.Points(200), vg.Points(100)); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("WriteSVG to a failing writer: %v", err)
	}
	if err := WritePNG(failWriter{}, p, vg.Points(200), vg.Points(100)); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("WritePNG to a failing writer: %v", err)
	}
}

// buildSynth builds the report of the synthetic runs.
func buildSynth(t testing.TB, two bool) (*Report, *Data) {
	t.Helper()
	runs, err := LoadRuns(synthDirs(t, two), nil)
	if err != nil {
		t.Fatal(err)
	}
	d := Summarize(runs)
	rep, err := Build(d, Options{Files: "report-files"})
	if err != nil {
		t.Fatal(err)
	}
	return rep, d
}

func TestReportEscapesImageStrings(t *testing.T) {
	rep, _ := buildSynth(t, false)
	var buf bytes.Buffer
	if err := rep.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	if strings.Contains(html, xssLayer) {
		t.Errorf("the layer name %s is in the page unescaped", xssLayer)
	}
	if regexp.MustCompile(`(?i)<script`).MatchString(html) {
		t.Error("the page holds a <script element")
	}
	if !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the layer name is not shown as text")
	}
	// In an SVG title too, and in the failure message from the run.
	if !strings.Contains(html, "Layer &lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the per-layer chart's title does not show the name as text")
	}
	if strings.Contains(html, "<b>boom</b>") || !strings.Contains(html, "&lt;b&gt;boom&lt;/b&gt;") {
		t.Error("an error message's markup is not escaped")
	}
	for _, bad := range []string{"http://", "https://", "@import", "url("} {
		if strings.Contains(html, bad) && bad != "http://" {
			t.Errorf("the page refers to %q", bad)
		}
	}
	// The only http:// are XML namespaces of the inline SVG.
	for _, m := range regexp.MustCompile(`https?://[^"'\s<>]*`).FindAllString(html, -1) {
		if m != "http://www.w3.org/2000/svg" && m != "http://www.w3.org/1999/xlink" {
			t.Errorf("the page refers to %s", m)
		}
	}
	if !strings.Contains(html, `Content-Security-Policy" content="default-src 'none'`) {
		t.Error("no Content-Security-Policy")
	}
}

func TestReportSections(t *testing.T) {
	rep, _ := buildSynth(t, true)
	var ids []string
	for _, s := range rep.Sections {
		ids = append(ids, s.ID)
	}
	want := []string{SectionOverview, SectionTradeoff, SectionDecode, SectionCPU, SectionLevels, SectionInterop, SectionCompare,
		SectionSummary, SectionLayers, SectionFailures, SectionMethod, SectionEnvironment}
	if !slices.Equal(ids, want) {
		t.Errorf("sections %q, want %q", ids, want)
	}
	rep.AddSection(&Section{ID: "evidence", Title: "Evidence"}, SectionSummary)
	if i := slices.IndexFunc(rep.Sections, func(s *Section) bool { return s.ID == "evidence" }); i != slices.Index(want, SectionSummary) {
		t.Errorf("evidence inserted at %d", i)
	}
	// Every figure has a unit on its axis and a unique, file-safe ID.
	seen := map[string]bool{}
	for _, f := range rep.Figures() {
		if seen[f.ID] || !regexp.MustCompile(`^[a-z0-9-]+$`).MatchString(f.ID) {
			t.Errorf("figure ID %q repeated or not file-safe", f.ID)
		}
		seen[f.ID] = true
	}
	// The runs compared: each change with the smallest zbench compare
	// could have flagged, a drop of at least its 5% threshold.
	cmpTable := rep.Section(SectionCompare).Blocks[0].Table
	col := slices.IndexFunc(cmpTable.Columns, func(c Column) bool { return c.Title == "smallest drop it could flag" })
	if col < 0 || cmpTable.Columns[col-1].Title != "throughput change" {
		t.Fatalf("compare table columns %+v: no MDE next to the change", cmpTable.Columns)
	}
	for _, r := range cmpTable.Rows {
		if strings.Contains(r.Cells[0].Text, "memcpy") {
			if r.Cells[col].Text != "–" {
				t.Errorf("memcpy: MDE %q, want none (compare never counts it)", r.Cells[col].Text)
			}
			continue
		}
		if v, err := strconv.ParseFloat(strings.TrimSuffix(r.Cells[col].Text, "%"), 64); err != nil || v > -5 {
			t.Errorf("%s: MDE %q, want a drop of 5%% or more", r.Cells[0].Text, r.Cells[col].Text)
		}
	}
	env := rep.Section(SectionEnvironment)
	if env == nil || len(env.Blocks) == 0 || env.Blocks[0].Table == nil || len(env.Blocks[0].Table.Columns) != 3 {
		t.Fatal("environment table does not have one column per run")
	}
}

func TestWriteFiles(t *testing.T) {
	rep, _ := buildSynth(t, false)
	dir := t.TempDir()
	names, err := rep.WriteFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"tradeoff-corpus.svg", "tradeoff-corpus.png", "decode-gzip.svg", "interop-base.png", "summary.csv", "cells.csv"} {
		if !slices.Contains(names, want) {
			t.Errorf("%s not written (got %q)", want, names)
		}
	}
	png, err := os.ReadFile(filepath.Join(dir, "tradeoff-corpus.png"))
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("tradeoff-corpus.png is not a PNG: %v", err)
	}
	svg, err := os.ReadFile(filepath.Join(dir, "tradeoff-corpus.svg"))
	if err != nil || !bytes.Contains(svg, []byte("<svg")) || !bytes.Contains(svg, []byte("Arial")) {
		t.Errorf("tradeoff-corpus.svg is not an SVG with fallback fonts: %v", err)
	}
	f, err := os.Open(filepath.Join(dir, "summary.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := strings.Join(rows[0], ",")
	if !strings.Contains(head, "throughput (MB/s),throughput (MB/s) 95% lo,throughput (MB/s) 95% hi") {
		t.Errorf("summary.csv header: %s", head)
	}
	if len(rows) < 20 {
		t.Errorf("summary.csv has %d rows", len(rows))
	}
	cells, err := os.ReadFile(filepath.Join(dir, "cells.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(cells, []byte("'<script>")) && !bytes.Contains(cells, []byte("<script>alert(1)</script>")) {
		t.Error("cells.csv lacks the layer")
	}
}

func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{"=cmd()": "'=cmd()", "-1": "-1", "+x": "'+x", "@a": "'@a", "a=b": "a=b", "": "", "- 1": "'- 1"} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

// A whole-buffer API is a setting and a series of its own: the stream and
// the buffer cells of one codec and level do not merge.
func TestBufferAPIKeptApart(t *testing.T) {
	buf := func(r recB) recB { r.API = results.APIBuffer; return r }
	rd := summarizeRecs(
		rec(results.OpEncode, "a").codec("zstd-cgo").level("3").sizes(100e6, 30e6).mbps(200, 200, 200, 200, 200, 200),
		buf(rec(results.OpEncode, "a").codec("zstd-cgo").level("3")).sizes(100e6, 29e6).mbps(400, 400, 400, 400, 400, 400),
		rec(results.OpDecode, "a").codec("zstd-cgo").from("zstd-cgo").level("3").sizes(100e6, 30e6).mbps(1000, 1000, 1000, 1000, 1000, 1000),
		buf(rec(results.OpDecode, "a").codec("zstd-cgo").from("zstd-cgo").level("3")).sizes(100e6, 29e6).mbps(1500, 1500, 1500, 1500, 1500, 1500),
	)
	stream := rd.Aggregate(Setting{Op: results.OpEncode, Codec: "zstd-cgo", Level: "3", Threads: 1})
	buffer := rd.Aggregate(Setting{Op: results.OpEncode, Codec: "zstd-cgo", Level: "3", API: results.APIBuffer, Threads: 1})
	if stream == nil || buffer == nil {
		t.Fatalf("aggregates: stream %v, buffer %v; want both", stream, buffer)
	}
	if math.Abs(stream.MBps.Median-200) > 0.01 || math.Abs(buffer.MBps.Median-400) > 0.01 {
		t.Errorf("stream %v MB/s, buffer %v MB/s; want 200 and 400", stream.MBps.Median, buffer.MBps.Median)
	}
	if got := buffer.String(); got != "zstd-cgo (buffer) 3" {
		t.Errorf("buffer setting %q, want \"zstd-cgo (buffer) 3\"", got)
	}
	dec := rd.Aggregate(Setting{Op: results.OpDecode, Codec: "zstd-cgo", From: "zstd-cgo", Level: "3", API: results.APIBuffer, Threads: 1})
	if dec == nil || dec.String() != "zstd-cgo (buffer) ← zstd-cgo (buffer) 3" || math.Abs(dec.MBps.Median-1500) > 0.01 {
		t.Errorf("buffer decode %v: %+v", dec, dec.MBps)
	}
	if len(rd.Corpus) != 4 {
		t.Errorf("%d corpus settings, want 4 (two APIs × encode, decode)", len(rd.Corpus))
	}
}
