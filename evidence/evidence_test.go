package evidence

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"

	"zbench/results"
)

// rec builds the records of one cell: one sample per wall time, with the
// CPU times given, each one pass over raw bytes.
type rec struct {
	results.Record
	walls, cpus []int64
}

func mk(op, layer, codec, from, level string, raw, compressed int64) *rec {
	return &rec{Record: results.Record{Op: op, Layer: layer, Codec: codec, From: from, Level: level, Threads: 1,
		RawBytes: raw, CompressedBytes: compressed, Verified: true, DiffID: "sha256:" + layer}}
}

// at sets the samples: wall and CPU nanoseconds, one pass each.
func (r *rec) at(walls, cpus []int64) *rec { r.walls, r.cpus = walls, cpus; return r }

func (r *rec) failed(err string) *rec { r.Err = err; r.Verified = false; return r }

func (r *rec) records() []results.Record {
	if r.Err != "" {
		return []results.Record{r.Record}
	}
	var out []results.Record
	for i, w := range r.walls {
		x := r.Record
		x.Sample, x.Iters, x.WallNS, x.CPUNS = i, 1, w, r.cpus[i]
		out = append(out, x)
	}
	return out
}

// synthetic is a run whose figures are worked out by hand in the tests.
//
// Layer a: 1 GB of tar published as 400 MB of gzip; layer b: 0.5 GB as
// 200 MB. gzip-std decodes both at a median 100 MB/s and 10 CPU s/GB;
// zstd-klauspost default encodes them to 300 and 150 MB at 200 MB/s and
// 5 CPU s/GB, and decodes that at 500 MB/s and 2 CPU s/GB. zstd-cgo 1 and 3
// encode at ratios 3.0 and 3.4 and 100 MB/s; only zstd-cgo decodes them
// (so they have no pull time), and zstd-cgo fails to decode zstd-klauspost's
// output of layer b.
func synthetic() Run {
	const a, b = int64(1e9), int64(5e8)
	var cells []*rec
	add := func(c ...*rec) { cells = append(cells, c...) }
	for _, l := range []struct {
		name string
		raw  int64
	}{{"a", a}, {"b", b}} {
		s := l.raw / 1e8 // seconds at 100 MB/s
		ns := int64(1e9)
		add(mk(results.OpMemcpy, l.name, "memcpy", "", "", l.raw, 0).at([]int64{ns / 10}, []int64{ns / 10}))
		// 100, 125 and 80 MB/s: median 100; CPU 9, 10, 11 s/GB: median 10.
		add(mk(results.OpDecodeOriginal, l.name, "gzip-std", "gzip", "", l.raw, l.raw*2/5).
			at([]int64{s * ns, s * ns * 8 / 10, s * ns * 125 / 100}, []int64{s * ns * 9 / 10, s * ns, s * ns * 11 / 10}))
		add(mk(results.OpEncode, l.name, "zstd-klauspost", "", "default", l.raw, l.raw*3/10).
			at([]int64{s * ns / 2, s * ns / 2}, []int64{s * ns / 2, s * ns / 2}))
		add(mk(results.OpDecode, l.name, "zstd-klauspost", "zstd-klauspost", "default", l.raw, l.raw*3/10).
			at([]int64{s * ns / 5}, []int64{s * ns / 5}))
		if l.name == "b" {
			add(mk(results.OpDecode, l.name, "zstd-cgo", "zstd-klauspost", "default", l.raw, l.raw*3/10).failed("zstd: corrupt"))
		} else {
			add(mk(results.OpDecode, l.name, "zstd-cgo", "zstd-klauspost", "default", l.raw, l.raw*3/10).at([]int64{s * ns / 5}, []int64{s * ns / 5}))
		}
		for _, z := range []struct {
			level string
			ratio float64
		}{{"1", 3.0}, {"3", 3.4}} {
			comp := int64(math.Round(float64(l.raw) / z.ratio))
			add(mk(results.OpEncode, l.name, "zstd-cgo", "", z.level, l.raw, comp).at([]int64{s * ns}, []int64{s * ns}))
			add(mk(results.OpDecode, l.name, "zstd-cgo", "zstd-cgo", z.level, l.raw, comp).at([]int64{s * ns / 5}, []int64{s * ns / 5}))
		}
	}
	var recs []results.Record
	for _, c := range cells {
		recs = append(recs, c.records()...)
	}
	return results.FromRecords("synthetic", results.Env{}, recs)
}

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %.12g, want %.12g", what, got, want)
	}
}

func TestPullTime(t *testing.T) {
	e, err := Compute([]Run{synthetic()}, nil, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	pt := e.Pull
	if strings.Join(pt.Layers, ",") != "a,b" {
		t.Fatalf("layers %q, want a,b", pt.Layers)
	}
	want := map[string]map[string][4]float64{ // setting → bandwidth → download, decode, overlapped, sequential
		publishedSetting: {
			// a: 400 MB at 12.5 MB/s = 32 s, 1 GB at 100 MB/s = 10 s;
			// b: 16 s and 5 s.
			"100 Mbit/s": {48, 15, 32 + 16, 42 + 21},
			// a: 3.2 s and 10 s; b: 1.6 s and 5 s.
			"1 Gbit/s":  {4.8, 15, 10 + 5, 13.2 + 6.6},
			"10 Gbit/s": {0.48, 15, 15, 15.48},
		},
		"zstd-klauspost default": {
			// a: 300 MB → 24 s, 1 GB at 500 MB/s = 2 s; b: 12 s, 1 s.
			"100 Mbit/s": {36, 3, 36, 39},
			"1 Gbit/s":   {3.6, 3, 2.4 + 1.2, 4.4 + 2.2},
			"10 Gbit/s":  {0.36, 3, 3, 3.36},
		},
	}
	seen := 0
	for _, r := range pt.Corpus {
		w, ok := want[r.Setting][r.Bandwidth]
		if !ok {
			t.Errorf("unexpected row %s at %s", r.Setting, r.Bandwidth)
			continue
		}
		seen++
		what := r.Setting + " at " + r.Bandwidth
		near(t, what+" download", r.DownloadS, w[0])
		near(t, what+" decode", r.DecodeS, w[1])
		near(t, what+" overlapped", r.OverlappedS, w[2])
		near(t, what+" sequential", r.SequentialS, w[3])
		p := want[publishedSetting][r.Bandwidth]
		near(t, what+" vs published", r.VsPublished, w[2]/p[2])
		near(t, what+" vs published, sequential", r.VsPublishedSequential, w[3]/p[3])
	}
	if seen != 6 {
		t.Errorf("%d corpus rows, want 6", seen)
	}
	if len(pt.Excluded) != 2 || !strings.Contains(pt.Excluded[0], "zstd-cgo 1") {
		t.Errorf("excluded %q: want zstd-cgo 1 and 3, which zstd-klauspost did not decode", pt.Excluded)
	}
	for _, r := range pt.PerLayer {
		if r.Setting == publishedSetting && r.Layer == "a" {
			near(t, "published decode MB/s on a", r.DecodeMBps, 100)
		}
	}
}

func TestEconomicsAndStorage(t *testing.T) {
	p := DefaultParams()
	e, err := Compute([]Run{synthetic()}, nil, p)
	if err != nil {
		t.Fatal(err)
	}
	var kp *EconRow
	for i, r := range e.Economics.Rows {
		if r.Encoder.Codec == "zstd-klauspost" {
			kp = &e.Economics.Rows[i]
		}
	}
	if kp == nil {
		t.Fatalf("no zstd-klauspost row in %+v", e.Economics.Rows)
	}
	near(t, "decode cpu-s/GB", kp.DecodeCPUSecPerGB, 10)
	near(t, "encode cpu-s/GB", kp.EncodeCPUSecPerGB, 5)
	near(t, "convert cpu-s/GB", kp.ConvertCPUSecPerGB, 15)
	near(t, "convert CPU seconds", kp.ConvertCPUSeconds, 22.5) // 1.5 GB × 15
	near(t, "convert USD", kp.ConvertUSD, 22.5/3600*0.0425)
	if kp.SavedBytes != 150e6 {
		t.Errorf("saved %d bytes, want 150e6 (600 MB published, 450 MB zstd)", kp.SavedBytes)
	}
	near(t, "saved %", kp.SavedPct, 25)
	near(t, "egress saved per pull", kp.EgressSavedUSDPerPull, 0.15*0.09)
	if kp.PullsToPayEgress == nil {
		t.Fatal("no pulls to pay in egress")
	}
	near(t, "pulls to pay in egress", *kp.PullsToPayEgress, 22.5/3600*0.0425/(0.15*0.09))
	near(t, "client CPU saved per pull", kp.ClientCPUSavedPerPull, 15-3) // gzip 10 s/GB, zstd 2 s/GB, 1.5 GB
	if kp.PullsToPayCPU == nil {
		t.Fatal("no pulls to pay in CPU")
	}
	near(t, "pulls to pay in CPU", *kp.PullsToPayCPU, 22.5/12)

	// Other prices scale the dollars only.
	p.VCPUHourUSD, p.EgressGBUSD = 1, 0.01
	e2, _ := Compute([]Run{synthetic()}, nil, p)
	for _, r := range e2.Economics.Rows {
		if r.Encoder.Codec == "zstd-klauspost" {
			near(t, "pulls to pay at $1/vCPU-h and $0.01/GB", *r.PullsToPayEgress, (22.5/3600)/(0.15*0.01))
		}
	}

	// zstd-cgo 1 and 3 have no zstd-klauspost decode: no client CPU figure.
	for _, r := range e.Economics.Rows {
		if r.Encoder.Codec == "zstd-cgo" && r.PullsToPayCPU != nil {
			t.Errorf("zstd-cgo %s: pulls to pay in CPU without a zstd-klauspost decode", r.Encoder.Level)
		}
	}

	var st *StorageRow
	for i, r := range e.Storage.Corpus {
		if r.Encoder.Codec == "zstd-klauspost" {
			st = &e.Storage.Corpus[i]
		}
	}
	if st == nil || st.PublishedBytes != 600e6 || st.AddedBytes != 450e6 || st.TotalBytes != 1050e6 {
		t.Fatalf("storage row %+v: want 600 MB + 450 MB", st)
	}
	near(t, "storage overhead %", st.OverheadPct, 75)
	if len(e.Storage.PerLayer) != 6 {
		t.Errorf("%d per-layer storage rows, want 3 zstd settings × 2 layers", len(e.Storage.PerLayer))
	}
	for _, r := range e.Sizes.Corpus {
		if r.Encoder.Codec == "zstd-klauspost" {
			near(t, "size vs published", r.VsPublished, 0.75)
		}
	}
}

func TestInteropAndLevels(t *testing.T) {
	e, err := Compute([]Run{synthetic()}, nil, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	in := e.Interop
	// gzip: published × gzip-std. zstd: 3 encoders × 2 decoders, of
	// which klauspost → cgo failed on b, cgo → klauspost not run.
	if in.Verified != 1+3 || in.Failed != 1 || in.NotRun != 2 {
		t.Errorf("verified %d, failed %d, not run %d; want 4, 1, 2", in.Verified, in.Failed, in.NotRun)
	}
	for _, m := range in.Formats {
		if m.Format != "zstd" {
			continue
		}
		if strings.Join(m.Decoders, ",") != "zstd-klauspost,zstd-cgo" {
			t.Errorf("zstd decoders %q", m.Decoders)
		}
		c := m.Cells[0][1] // zstd-klauspost default read by zstd-cgo
		if c.Status != StatusFailed || !strings.Contains(c.Err, "layer b: zstd: corrupt") || c.Layers != 2 {
			t.Errorf("zstd-klauspost → zstd-cgo: %+v", c)
		}
		if c := m.Cells[1][0]; c.Status != StatusNotRun {
			t.Errorf("zstd-cgo 1 → zstd-klauspost: %+v, want not run", c)
		}
	}

	lv := e.Levels
	if len(lv.Matches) != 1 || lv.Libzstd != "zstd-cgo" {
		t.Fatalf("levels: %+v", lv)
	}
	m := lv.Matches[0]
	near(t, "klauspost default ratio", m.Ratio, 1.5e9/450e6)
	near(t, "klauspost default MB/s", m.MBps, 200)
	if m.Nearest != "3" {
		t.Errorf("nearest libzstd level %s, want 3 (ratio 3.4 against 3.33; level 1 has 3.0)", m.Nearest)
	}
	near(t, "libzstd 3 MB/s", m.NearestMBps, 100)
	near(t, "speed vs nearest", m.SpeedVsNearest, 2)
	// buildkit: 0-2 fastest, 3-5 default, 6-9 better, 10-22 best today.
	got := mapping(lv.Buildkit, func(r BuildkitRange) string { return r.Current })
	if got != "0-2 → fastest, 3-5 → default, 6-9 → better, 10-22 → best" {
		t.Errorf("buildkit today: %s", got)
	}
	got = mapping(lv.Buildkit, func(r BuildkitRange) string { return r.Before })
	if got != "0-2 → fastest, 3-6 → default, 7-8 → better, 9-22 → best" {
		t.Errorf("buildkit before: %s", got)
	}
}

func TestDeterminismSummary(t *testing.T) {
	yes, no := true, false
	m := &results.DeterminismMatrix{GOMAXPROCS: []int{1, 2}, Repeats: 3, WriteSize: 32768, Method: "by hand.",
		Versions: map[string]string{"go": "go1.26"},
		Inputs:   []results.DeterminismInput{{Name: "a"}},
		Settings: []results.DeterminismSetting{
			{Codec: "gzip-std", Level: "6", Repeatable: true, SameAcrossGOMAXPROCS: true, SameAcrossWrites: true},
			{Codec: "gzip-klauspost", Level: "stateless", Repeatable: true, SameAcrossGOMAXPROCS: true},
			{Codec: "zstd-cgo", Option: "nbWorkers=1", Level: "3", Repeatable: true, SameAcrossGOMAXPROCS: true, SameAcrossWrites: true, SameAsCodec: &no},
			{Codec: "gzip-pgzip", Option: "threads=1", Level: "6", Repeatable: true, SameAcrossGOMAXPROCS: true, SameAcrossWrites: true, SameAsCodec: &yes},
		},
		Across: []results.DeterminismComparison{
			{Format: "zstd", Level: 3, Input: "a", Groups: [][]string{{"zstd-cgo@3", "zstd-cli [--no-check --single-thread]@3"}, {"zstd-klauspost@default"}}},
			{Format: "gzip", Level: 6, Input: "a", Groups: [][]string{{"gzip-pgzip@6", "gzip-pgzip [threads=1]@6"}, {"gzip-std@6"}}},
		},
		Encodes: []results.DeterminismEncode{{Input: "a"}},
	}
	e, err := Compute([]Run{synthetic()}, m, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	ds := e.Determinism
	if ds.Settings != 4 || ds.Deterministic != 3 {
		t.Errorf("%d of %d deterministic, want 3 of 4", ds.Deterministic, ds.Settings)
	}
	if len(ds.NotDeterministic) != 1 || !strings.Contains(ds.NotDeterministic[0], "gzip-klauspost level stateless: differs with 32768-byte writes") {
		t.Errorf("not deterministic: %q", ds.NotDeterministic)
	}
	if len(ds.OptionsChangeBytes) != 1 || !strings.HasPrefix(ds.OptionsChangeBytes[0], "zstd-cgo [nbWorkers=1]") {
		t.Errorf("options that change bytes: %q", ds.OptionsChangeBytes)
	}
	if ds.Comparisons != 2 || len(ds.SameAcrossImplementations) != 1 || !strings.Contains(ds.SameAcrossImplementations[0], "zstd-cgo@3 = zstd-cli") {
		t.Errorf("across: %d comparisons, %q; want only zstd-cgo = zstd-cli (pgzip with pgzip is one codec)", ds.Comparisons, ds.SameAcrossImplementations)
	}
	if ds.Matrix.Encodes != nil || m.Encodes == nil {
		t.Error("the summary should drop the per-encode digests, and not from the caller's matrix")
	}
}

func TestAnswersAndHTML(t *testing.T) {
	e, err := Compute([]Run{synthetic()}, nil, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	as := e.Answers()
	ids := []string{"size", "pull-time", "economics", "publishing-both", "determinism", "interop", "levels"}
	if len(as) != len(ids) {
		t.Fatalf("%d answers, want %d", len(as), len(ids))
	}
	for i, a := range as {
		if a.ID != ids[i] || a.Question == "" || len(a.Answer) == 0 || a.Method == "" {
			t.Errorf("answer %d: %+v", i, a)
		}
		if a.ID != "determinism" && a.Empty {
			t.Errorf("answer %s is empty: %q", a.ID, a.Answer)
		}
	}
	if !as[4].Empty || !strings.Contains(as[4].Answer[0], "zbench determinism") {
		t.Errorf("determinism without a matrix: %+v", as[4])
	}
	pull := as[1]
	if !strings.Contains(strings.Join(pull.Answer, " "), "At 1 Gbit/s, gzip as published takes 15.0 s overlapped (4.80 s download, 15.0 s decode; 19.8 s sequential)") {
		t.Errorf("pull answer: %q", pull.Answer)
	}
	econ := strings.Join(as[2].Answer, " ")
	if !strings.Contains(econ, "15.0 CPU seconds per GB of tar (10.0 to decode the gzip, 5.00 to encode)") || !strings.Contains(econ, "150.0 MB less (25.0%)") {
		t.Errorf("economics answer: %q", econ)
	}

	var html bytes.Buffer
	if err := e.WriteHTML(&html); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<section id="evidence">`, `id="evidence-pull-time"`, "<caption>", "Holds for 2 layer(s): a, b."} {
		if !strings.Contains(html.String(), want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	var js bytes.Buffer
	if err := e.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(js.String(), `"pulls_to_pay_egress"`) {
		t.Error("JSON lacks pulls_to_pay_egress")
	}
}

func TestParseBandwidths(t *testing.T) {
	bs, err := ParseBandwidths("100Mbit, 1Gbit,10Gbps,2.5Gbit/s,64kbit")
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1e8, 1e9, 1e10, 2.5e9, 64e3}
	for i, b := range bs {
		near(t, b.Name, b.BitsPerSecond, want[i])
	}
	if bs[3].String() != "2.5 Gbit/s" {
		t.Errorf("String() = %q", bs[3].String())
	}
	for _, bad := range []string{"", "fast", "10", "10MB", "-1Gbit"} {
		if _, err := ParseBandwidths(bad); err == nil {
			t.Errorf("ParseBandwidths(%q) succeeded", bad)
		}
	}
}

func TestNotGzipLayersAreNoted(t *testing.T) {
	run := synthetic()
	run = results.FromRecords(run.Path, *run.Env, append(run.Records, mk(results.OpEncode, "xz-layer", "zstd-cgo", "", "3", 1000, 300).at([]int64{1000}, []int64{1000}).records()...))
	e, err := Compute([]Run{run, run}, nil, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	notes := strings.Join(e.Notes, "\n")
	if !strings.Contains(notes, "layer xz-layer: published in a format no decoder of the run read") {
		t.Errorf("notes lack the xz layer:\n%s", notes)
	}
	if !strings.Contains(notes, "measured in more than one run") {
		t.Errorf("notes lack the duplicate cells:\n%s", notes)
	}
	if strings.Join(e.Pull.Layers, ",") != "a,b" {
		t.Errorf("pull layers %q", e.Pull.Layers)
	}
}

// withImages is the synthetic run with images over its layers: both
// share layer a (measured once); lone lists a twice; others cannot have
// per-image figures.
func withImages() Run {
	run := synthetic()
	run = results.FromRecords(run.Path, *run.Env, append(run.Records, mk(results.OpEncode, "xz-layer", "zstd-cgo", "", "3", 1000, 300).at([]int64{1000}, []int64{1000}).records()...))
	l := func(name string) results.ImageLayer { return results.ImageLayer{Layer: name, Digest: "sha256:" + name} }
	empty := results.ImageLayer{Layer: "e", Digest: "sha256:e", Empty: true}
	run.Env.Images = []results.Image{
		{Ref: "app:1@sha256:01", Name: "app", Platform: "linux/amd64", Layers: []results.ImageLayer{l("a"), empty, l("b")}},
		{Ref: "base:1@sha256:02", Name: "base", Platform: "linux/amd64", Layers: []results.ImageLayer{l("a"), l("a")}},
		{Ref: "xz:1@sha256:03", Name: "xz", Layers: []results.ImageLayer{l("a"), l("xz-layer")}},
		{Ref: "win:1@sha256:04", Name: "win", Layers: []results.ImageLayer{{Digest: "sha256:f", Skip: "foreign (non-distributable) layer"}, l("b")}},
		{Ref: "gone:1@sha256:05", Name: "gone", Layers: []results.ImageLayer{l("a"), l("never-measured")}},
		{Ref: "broken", Name: "broken", Err: "not found"},
		{Ref: "app:1@sha256:01", Name: "app", Platform: "linux/amd64", Layers: []results.ImageLayer{l("a"), empty, l("b")}}, // twice: once
	}
	return run
}

// TestPerImage checks that an image's pull time and storage are the sums
// of its layers' rows, each blob once, that the corpus counts a shared
// layer once, and that images without all their layers are left out with
// the reason.
func TestPerImage(t *testing.T) {
	e, err := Compute([]Run{withImages()}, nil, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Images) != 6 {
		t.Fatalf("%d images, want 6 (app recorded twice is one): %+v", len(e.Images), e.Images)
	}
	want := map[string][]string{"app": {"a", "b"}, "base": {"a"}}
	pt := e.Pull
	if strings.Join(pt.Images, ",") != "app,base" {
		t.Errorf("pull-time images %q, want app,base", pt.Images)
	}
	excluded := strings.Join(pt.ExcludedImages, "\n")
	for _, w := range []string{
		"image xz: its layer xz-layer was published in a format no decoder of the run read",
		"image win: its layer 0 (sha256:f) is not measured: foreign",
		"image gone: its layer never-measured was not measured in these runs",
		"image broken: it could not be resolved: not found",
	} {
		if !strings.Contains(excluded, w) {
			t.Errorf("excluded images lack %q:\n%s", w, excluded)
		}
	}
	if len(pt.ExcludedImages) != 4 {
		t.Errorf("%d images excluded, want 4", len(pt.ExcludedImages))
	}
	// 2 settings (published, zstd-klauspost default) × 3 bandwidths × 2 images
	if len(pt.PerImage) != 2*3*2 {
		t.Errorf("%d per-image rows, want 12", len(pt.PerImage))
	}
	sum := func(setting, bw string, layers []string) (s PullRow) {
		for _, r := range pt.PerLayer {
			if r.Setting == setting && r.Bandwidth == bw && slices.Contains(layers, r.Layer) {
				s.add(r)
			}
		}
		return s
	}
	for _, r := range pt.PerImage {
		what := r.Image + ", " + r.Setting + " at " + r.Bandwidth
		s := sum(r.Setting, r.Bandwidth, want[r.Image])
		if r.RawBytes != s.RawBytes || r.CompressedBytes != s.CompressedBytes {
			t.Errorf("%s: %d raw, %d compressed bytes; its layers sum to %d, %d", what, r.RawBytes, r.CompressedBytes, s.RawBytes, s.CompressedBytes)
		}
		near(t, what+" download", r.DownloadS, s.DownloadS)
		near(t, what+" decode", r.DecodeS, s.DecodeS)
		near(t, what+" overlapped", r.OverlappedS, s.OverlappedS)
		near(t, what+" sequential", r.SequentialS, s.SequentialS)
		p := sum(publishedSetting, r.Bandwidth, want[r.Image])
		near(t, what+" vs published", r.VsPublished, s.OverlappedS/p.OverlappedS)
	}
	// By hand: base is layer a alone, at 1 Gbit/s 10 s as published
	// (decode-bound), 2 s as zstd-klauspost default.
	for _, r := range pt.PerImage {
		if r.Image == "base" && r.Bandwidth == "1 Gbit/s" {
			if r.Encoder == nil {
				near(t, "base as published at 1 Gbit/s", r.OverlappedS, 10)
			} else {
				near(t, "base as zstd-klauspost default at 1 Gbit/s", r.OverlappedS, 2.4)
			}
		}
	}
	// The corpus counts layer a once, though two images have it.
	for _, r := range pt.Corpus {
		if r.RawBytes != 1.5e9 {
			t.Errorf("corpus %s at %s holds %d raw bytes, want 1.5e9: a and b once", r.Setting, r.Bandwidth, r.RawBytes)
		}
	}

	st := e.Storage
	if strings.Join(st.Images, ",") != "app,base" || len(st.ExcludedImages) != 4 {
		t.Errorf("storage images %q, excluded %q", st.Images, st.ExcludedImages)
	}
	if len(st.PerImage) != 3*2 {
		t.Errorf("%d per-image storage rows, want 3 zstd settings × 2 images", len(st.PerImage))
	}
	for _, r := range st.PerImage {
		var s StorageRow
		for _, l := range st.PerLayer {
			if l.Encoder == r.Encoder && slices.Contains(want[r.Image], l.Layer) {
				s.add(l)
			}
		}
		if r.PublishedBytes != s.PublishedBytes || r.AddedBytes != s.AddedBytes || r.TotalBytes != s.TotalBytes || r.RawBytes != s.RawBytes {
			t.Errorf("storage of %s with %s: %+v, its layers sum to %+v", r.Image, r.Encoder, r, s)
		}
		near(t, "overhead of "+r.Image, r.OverheadPct, 100*float64(s.AddedBytes)/float64(s.PublishedBytes))
		if r.Image == "base" && r.Encoder.Codec == "zstd-klauspost" && (r.PublishedBytes != 400e6 || r.AddedBytes != 300e6) {
			t.Errorf("base with zstd-klauspost: %+v, want 400 MB + 300 MB", r)
		}
	}

	as := e.Answers()
	pull, store := as[1], as[3]
	if strings.Join(pull.Images, ",") != "app,base" || strings.Join(store.Images, ",") != "app,base" {
		t.Errorf("answers hold for images %q and %q", pull.Images, store.Images)
	}
	text := strings.Join(pull.Answer, " ")
	if !strings.Contains(text, "Per image (2), overlapped, gzip as published takes from 10.0 s (base) to 15.0 s (app); with zstd-klauspost default the change is −76.0% for each.") {
		t.Errorf("pull answer: %q", text)
	}
	if !strings.Contains(strings.Join(pull.Notes, "\n"), "image xz:") {
		t.Errorf("pull notes lack the excluded images: %q", pull.Notes)
	}
	var captions []string
	for _, tb := range pull.Tables {
		captions = append(captions, tb.Caption)
		if strings.HasPrefix(tb.Caption, "Pull time per image") && (len(tb.Rows) != 4 || tb.Rows[0][0] != "app") {
			t.Errorf("per-image table rows: %q", tb.Rows)
		}
	}
	if !slices.ContainsFunc(captions, func(c string) bool { return strings.HasPrefix(c, "Pull time per image") }) {
		t.Errorf("pull tables %q: none per image", captions)
	}
	if text := strings.Join(store.Answer, " "); !strings.Contains(text, "Per image (2), the zstd copy adds 73.5% for each with zstd-cgo 3, and 83.3% for each with zstd-cgo 1.") {
		t.Errorf("storage answer: %q", text)
	}
	var html bytes.Buffer
	if err := e.WriteHTML(&html); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html.String(), "Per image for 2 image(s): app, base.") {
		t.Error("HTML does not name the images")
	}
}

// TestNoImages checks that runs of layers given as files say so.
func TestNoImages(t *testing.T) {
	e, err := Compute([]Run{synthetic()}, nil, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	as := e.Answers()
	for _, a := range []Answer{as[1], as[3]} {
		if !strings.Contains(strings.Join(a.Answer, " "), "No image membership in these runs: layers were given as files") || a.Images != nil {
			t.Errorf("%s: %q, images %q", a.ID, a.Answer, a.Images)
		}
	}
	if e.Pull.PerImage != nil || e.Storage.PerImage != nil || len(e.Pull.Corpus) != 6 {
		t.Errorf("per-image rows without images, or corpus rows lost")
	}
}

func TestPriceSource(t *testing.T) {
	if got := PriceSource(DefaultVCPUHourUSD, DefaultEgressGBUSD); got != DefaultPriceSource {
		t.Errorf("defaults: %q", got)
	}
	got := PriceSource(0.02, DefaultEgressGBUSD)
	if !strings.HasPrefix(got, "given on the command line: $0.02 per vCPU-hour;") || !strings.Contains(got, DefaultEgressGBSource) {
		t.Errorf("vCPU given: %q", got)
	}
	p := DefaultParams()
	p.VCPUHourUSD, p.EgressGBUSD, p.PriceSource = 0.02, 0.05, PriceSource(0.02, 0.05)
	if got := p.Prices(); got != "$0.02 per vCPU-hour and $0.05 per GB (10^9 bytes) of egress. Source: given on the command line: $0.02 per vCPU-hour, $0.05 per GB of egress." {
		t.Errorf("Prices() = %q", got)
	}
}
