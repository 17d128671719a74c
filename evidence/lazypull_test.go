package evidence

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"zbench/lazy/lazydoc"
	"zbench/results"
)

// lazyDoc is a small lazy-pull analysis: two formats on three versions of
// a layer, so two updates each.
func lazyDoc() *lazydoc.Document {
	layers := []string{"alpine-3.18", "alpine-3.20", "alpine-edge"}
	r := &lazydoc.Report{}
	for i, l := range layers {
		r.Overheads = append(r.Overheads,
			lazydoc.Overhead{Layer: l, Format: "estargz", Level: "9", Plain: "gzip-std/9", Raw: 8e6, PlainBytes: 3_000_000, Bytes: 3_090_000 + int64(i)*3000,
				TOC: 40_000, Footer: 51, Chunks: 500, Frames: 500, Files: 480},
			lazydoc.Overhead{Layer: l, Format: "zstd-chunked", Level: "10", Plain: "zstd-klauspost/best", Raw: 8e6, PlainBytes: 2_500_000, Bytes: 2_550_000,
				TOC: 30_000, Footer: 64, TarSplit: 20_000, Chunks: 520, Frames: 510, Files: 480})
		r.FilesFirst = append(r.FilesFirst, lazydoc.FilesFirst{Layer: l, Format: "estargz", Files: []string{"bin/busybox"}, FileBytes: 900_000,
			Blob: 3_090_000, Meta: 40_051, ChunkBytes: 450_000, Ranges: 1})
	}
	for i := 1; i < len(layers); i++ {
		r.Updates = append(r.Updates,
			lazydoc.Update{From: layers[i-1], To: layers[i], Format: "estargz", Blob: 3_090_000 + int64(i)*3000, Meta: 40_051, ChunkBytes: 1_000_000, Chunks: 500, Fetched: 200, Ranges: 150},
			lazydoc.Update{From: layers[i-1], To: layers[i], Format: "zstd-chunked", Blob: 2_550_000, Meta: 50_064, ChunkBytes: 700_000, Chunks: 520, Fetched: 210, Ranges: 160})
	}
	return &lazydoc.Document{Report: r, Versions: map[string]string{
		"github.com/containerd/stargz-snapshotter/estargz": "v0.16.3", "github.com/klauspost/compress": "v1.18.0"}}
}

func pullsDoc() *results.Pulls {
	return &results.Pulls{Layers: []string{"python3.tar.gz"}, GzipBytes: 12_000_000, Count: 5, Pulls: []results.PullTime{
		{Client: "skopeo", Profile: "containers-image", Rate: "100Mbit", Decoder: "gzip-pgzip", Reps: 3, MedianS: 1.05, OverlappedS: 1.0, SequentialS: 1.2, Model: "overlapped", ModelS: 1.0},
		{Client: "skopeo", Profile: "containers-image", Rate: "1Gbit", Decoder: "gzip-pgzip", Reps: 3, MedianS: 0.19, OverlappedS: 0.2, SequentialS: 0.3, Model: "overlapped", ModelS: 0.2},
		{Client: "ctr", Profile: "containerd", Rate: "1Gbit", Decoder: "gzip-std", Reps: 3, MedianS: 0.5, OverlappedS: 0.3, SequentialS: 0.4, Model: "sequential", ModelS: 0.4},
	}}
}

func TestLazyAnswer(t *testing.T) {
	a := LazyAnswer(lazyDoc())
	if a.ID != LazyAnswerID || a.Empty {
		t.Fatalf("answer %q empty=%v", a.ID, a.Empty)
	}
	if !slices.Equal(a.Layers, []string{"alpine-3.18", "alpine-3.20", "alpine-edge"}) {
		t.Errorf("layers %q", a.Layers)
	}
	all := strings.Join(a.Answer, "\n")
	// estargz: 9,279,000 against 9,000,000 bytes = +3.1%; updates fetch
	// 2×1,040,051 of 3,093,000+3,096,000.
	for _, want := range []string{"estargz/9 against gzip-std/9: +3.1%", "zstd-chunked/10 against zstd-klauspost/best: +2.0%",
		"Over 2 update(s) a client fetches 2.080 MB of 6.189 MB (saves 66.4%",
		"github.com/containerd/stargz-snapshotter/estargz v0.16.3, github.com/klauspost/compress v1.18.0"} {
		if !strings.Contains(all, want) {
			t.Errorf("answer lacks %q:\n%s", want, all)
		}
	}
	if !strings.Contains(a.Method, "v0.16.3") || !strings.Contains(a.Method, "tables of contents") {
		t.Errorf("method: %s", a.Method)
	}
	if len(a.Tables) != 3 {
		t.Fatalf("%d tables, want overhead, updates, files first (no costs)", len(a.Tables))
	}
	over, upd := a.Tables[0], a.Tables[1]
	if len(over.Rows) != 6 || over.Rows[0][6] != "+3.0%" || over.Rows[0][7] != "40,000" || over.Rows[1][9] != "20,000" {
		t.Errorf("overhead rows: %q", over.Rows)
	}
	if len(upd.Rows) != 4 || upd.Rows[0][0] != "alpine-3.18 → alpine-3.20" || upd.Rows[0][4] != "200 of 500" || upd.Rows[0][7] != "1,040,051" {
		t.Errorf("update rows: %q", upd.Rows)
	}
	d := lazyDoc()
	d.Costs = []lazydoc.Cost{{Layer: "alpine-edge", Format: "estargz/9", Plain: "gzip-std/9", MBps: 20, PlainMBps: 25, CPUPerGB: 50, PlainCPUPerGB: 40}}
	d.Updates = nil
	a = LazyAnswer(d)
	if len(a.Tables) != 3 || a.Tables[2].Rows[0][5] != "0.80" || a.Tables[2].Rows[0][8] != "1.25" {
		t.Errorf("with costs, no updates: tables %+v", a.Tables)
	}
	if len(a.Notes) != 1 || !strings.Contains(a.Notes[0], "no update") {
		t.Errorf("one layer's worth of updates: notes %q", a.Notes)
	}
}

func TestPullsAnswer(t *testing.T) {
	a := PullsAnswer(pullsDoc())
	all := strings.Join(a.Answer, "\n")
	for _, want := range []string{"skopeo (profile containers-image, overlapped model): measured against modelled −5.0% to +5.0% over 2 rates",
		"ctr (profile containerd, sequential model): measured against modelled +25.0%."} {
		if !strings.Contains(all, want) {
			t.Errorf("answer lacks %q:\n%s", want, all)
		}
	}
	if len(a.Notes) != 1 || !strings.Contains(a.Notes[0], "1 pull(s) miss the model by more than 15%: ctr, gzip at 1Gbit (+25.0%)") {
		t.Errorf("notes %q", a.Notes)
	}
	rows := a.Tables[0].Rows
	if len(rows) != 3 || rows[2][0] != "ctr" || rows[2][1] != "gzip" || rows[2][7] != "sequential" || rows[2][10] != "0.400 s" || rows[2][11] != "+25.0%" || len(a.Tables) != 1 {
		t.Errorf("rows %q", rows)
	}
	// A pipeline model has its fixed cost and work, and where the work goes.
	pp := pullsDoc()
	pp.Pulls[2].Model, pp.Pulls[2].FixedS, pp.Pulls[2].WorkS = results.ModelPipeline, 0.1, 0.3
	pp.Pulls[2].Phases = map[string]float64{"fetch": 0.1, "unpack": 0.2}
	pp.Pulls[2].Stages = map[string]float64{StageDownload: 0.05, results.StageUntar: 0.15, StageCopyParents: 0.07}
	pp.Pulls[2].CPUS, pp.Pulls[2].ModelCPUS = 0.9, 0.45
	a = PullsAnswer(pp)
	if !strings.Contains(strings.Join(a.Answer, " "), "its processes used 2.0× the CPU time of the model's stages") {
		t.Errorf("no CPU against the model: %q", a.Answer)
	}
	if r := a.Tables[0].Rows[2]; r[12] != "0.900 s" || r[13] != "0.450 s" {
		t.Errorf("CPU columns %q", r)
	}
	if r := a.Tables[0].Rows[2]; r[8] != "0.100 s" || r[9] != "0.300 s" || len(a.Tables) != 2 {
		t.Fatalf("pipeline row %q, %d tables", r, len(a.Tables))
	}
	if r := a.Tables[1].Rows; len(r) != 1 || r[0][0] != "ctr" || r[0][8] != "0.150 s" || r[0][9] != "0.0700 s" || r[0][10] != "fetch 0.100 s, unpack 0.200 s" {
		t.Errorf("stages %q", r)
	}
	// The zstd image beside the gzip one: what it saved, measured and
	// modelled.
	pz := pullsDoc()
	z := pz.Pulls[2]
	z.Format, z.Decoder, z.MedianS, z.ModelS = "zstd", "zstd-klauspost", 0.3, 0.3
	pz.Pulls = append(pz.Pulls, z)
	pz.ZstdBytes = 123
	a = PullsAnswer(pz)
	if all := strings.Join(a.Answer, "\n"); !strings.Contains(all, "ctr: the zstd image against gzip as published, measured: −40.0% at 1Gbit (modelled −25.0%).") {
		t.Errorf("no saving: %s", all)
	}
	if strings.Contains(strings.Join(a.Answer, " "), "skopeo: the zstd image") || !strings.Contains(a.Method, "recompressed to zstd") {
		t.Errorf("a saving without a zstd pull, or no method: %q", a.Answer)
	}
	p := pullsDoc()
	p.Pulls = p.Pulls[:2]
	if a := PullsAnswer(p); len(a.Notes) != 0 || !strings.Contains(strings.Join(a.Answer, " "), "within 15%") {
		t.Errorf("within the limit: %q, notes %q", a.Answer, a.Notes)
	}
}

func TestItoa(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 51: "51", 999: "999", 1000: "1,000", 2802758: "2,802,758", -1234567: "-1,234,567"} {
		if got := itoa(n); got != want {
			t.Errorf("itoa(%d) = %q, want %q", n, got, want)
		}
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// The files are found in a run directory, read once, and their answers
// come last; without them the answers are as before.
func TestSourcesInRunDir(t *testing.T) {
	run := synthetic()
	dir := t.TempDir()
	run.Path = dir
	e, err := FromRunsWith([]Run{run}, Sources{}, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	n := len(e.Answers())
	if e.Lazy != nil || e.MeasuredPulls != nil {
		t.Fatal("no files, yet lazy or pulls set")
	}
	writeJSON(t, filepath.Join(dir, lazydoc.File), lazyDoc())
	writeJSON(t, filepath.Join(dir, results.PullsFile), pullsDoc())
	e, err = FromRunsWith([]Run{run}, Sources{}, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	as := e.Answers()
	if len(as) != n+2 || as[n].ID != PullsAnswerID || as[n+1].ID != LazyAnswerID {
		t.Errorf("answers %d (want %d), last %q", len(as), n+2, as[len(as)-1].ID)
	}
	if e.LazySource != filepath.Join(dir, lazydoc.File) || e.PullsSource != filepath.Join(dir, results.PullsFile) {
		t.Errorf("sources %q, %q", e.LazySource, e.PullsSource)
	}
	// A flag's file wins over the run directory's; a bad one is an error
	// naming it.
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"overheads": []}`), 0o644)
	if _, err := FromRunsWith([]Run{run}, Sources{Lazy: bad}, DefaultParams()); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad lazy file: %v", err)
	}
	os.WriteFile(bad, []byte(`{"pulls": [{"client": "skopeo", "rate": "1Gbit", "median_s": 1, "model_s": 1, "model": "parallel"}]}`), 0o644)
	if _, err := FromRunsWith([]Run{run}, Sources{Pulls: bad}, DefaultParams()); err == nil || !strings.Contains(err.Error(), `model "parallel"`) {
		t.Errorf("bad pulls file: %v", err)
	}
}
