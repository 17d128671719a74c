package evidence

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"zbench/results"
)

func eq(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// TestPullerModel checks the composition by hand on two layers: a stream
// takes its busiest thread or its CPU over the cores, layers one after
// another add up with the copy of the trees below, concurrent layers
// share the link.
func TestPullerModel(t *testing.T) {
	layers := []PullerLayer{
		{Work: results.LayerWork{Layer: "base", BlobBytes: 1e6, TarBytes: 3e6, SHA256BlobS: 0.1, SHA256TarS: 0.3, WriteBlobS: 0.05, FsyncBlobS: 0.02,
			UntarS: 1, CopyS: 2}, DecodeS: 0.5},
		{Work: results.LayerWork{Layer: "top", BlobBytes: 2e6, TarBytes: 5e6, SHA256BlobS: 0.2, SHA256TarS: 0.4, WriteBlobS: 0.1, FsyncBlobS: 0.03,
			UntarS: 0.8, CopyS: 1}, DecodeS: 0.7},
	}
	p := Puller{Name: "t", Go: "go1.22.1", Phases: []Phase{
		{Name: "fetch", Concurrent: true, Threads: [][]string{{StageDownload}, {results.StageWriteBlob, results.StageSHA256Blob}},
			After: []string{results.StageFsyncBlob}},
		{Name: "unpack", Before: []string{StageCopyParents}, Threads: [][]string{{StageDecode}, {results.StageSHA256Tar, results.StageUntar}}},
	}}
	// 8 Mbit/s: downloads of 1 s and 2 s. fetch: max(3 s of download,
	// slowest layer 2+0.03, CPU 0.45/2) = 3. unpack: base max(0.5, 1.3,
	// 1.8/2) = 1.3; top: copy of base 2 + max(0.7, 1.2, 1.9/2) = 3.2.
	m := p.Model(layers, 8e6, Machine{Cores: 2})
	if !eq(m.Phases["fetch"], 3) || !eq(m.Phases["unpack"], 4.5) || !eq(m.WorkS, 7.5) {
		t.Errorf("model %+v, want fetch 3, unpack 4.5, work 7.5", m)
	}
	if !eq(m.CPUS, 0.45+1.8+3.9) {
		t.Errorf("CPU %v, want 6.15", m.CPUS)
	}
	if !eq(m.Stages[StageCopyParents], 2) || !eq(m.Stages[StageDownload], 3) || !eq(m.Stages[StageDecode], 1.2) {
		t.Errorf("stages %+v", m.Stages)
	}
	// One core: base's unpack is CPU-bound, 1.8 s, top's 2 + 1.9.
	if m := p.Model(layers, 8e6, Machine{Cores: 1}); !eq(m.Phases["unpack"], 5.7) {
		t.Errorf("one core: unpack %v, want 5.7", m.Phases["unpack"])
	}
	// A fast link: fetch is the slowest layer, the top's thread of 0.3 s
	// (longer than its download) and its fsync.
	if m := p.Model(layers, 8e9, Machine{Cores: 2}); !eq(m.Phases["fetch"], 0.3+0.03) {
		t.Errorf("fast link: fetch %v", m.Phases["fetch"])
	}
	// A decoder that uses more CPU than wall time (a program with threads
	// of its own) weighs its CPU: base's unpack is (1.5 + 1.3) / 2 = 1.4.
	threaded := slices.Clone(layers)
	threaded[0].DecodeCPUS = 1.5
	if m := p.Model(threaded, 8e6, Machine{Cores: 2}); !eq(m.Phases["unpack"], 1.4+3.2) {
		t.Errorf("threaded decoder: unpack %v, want 4.6", m.Phases["unpack"])
	}
	// Built with Go 1.19, the tool hashes at the legacy rate: 3+5 MB of
	// tar at 10 MB/s is 0.8 s of sha256-tar.
	p.Go = "go1.19.8"
	m = p.Model(layers, 8e6, Machine{Cores: 2, SHA256LegacyMBps: 10})
	if !eq(m.Stages[results.StageSHA256Tar], 0.8) || !eq(m.Stages[results.StageSHA256Blob], 0.3) {
		t.Errorf("legacy hashing: stages %+v", m.Stages)
	}
	// Without the legacy rate measured, the rate measured is used.
	if m := p.Model(layers, 8e6, Machine{Cores: 2}); !eq(m.Stages[results.StageSHA256Tar], 0.7) {
		t.Errorf("no legacy rate: sha256-tar %v", m.Stages[results.StageSHA256Tar])
	}
}

func TestLegacyHash(t *testing.T) {
	for v, want := range map[string]bool{"go1.19.8": true, "go1.20": true, "go1.21.0": false, "go1.26.1": false, "": false, "go2.0": false, "devel": false} {
		if got := (Puller{Go: v}).LegacyHash(); got != want {
			t.Errorf("%q: %v, want %v", v, got, want)
		}
	}
}

// TestPullersTable: every puller names a known client, stages the model
// knows, and its source.
func TestPullersTable(t *testing.T) {
	known := map[string]bool{StageDownload: true, StageDecode: true, StageCopyParents: true}
	for name := range (results.LayerWork{}).Stages() {
		known[name] = true
	}
	for _, p := range Pullers {
		if _, ok := ClientByName(p.Client); !ok || p.Source == "" || p.Tool == "" || p.Go == "" {
			t.Errorf("%s: client %q, source, tool or go missing", p.Name, p.Client)
		}
		for _, ph := range p.Phases {
			for _, group := range append([][]string{ph.Before, ph.After}, ph.Threads...) {
				for _, s := range group {
					if !known[s] {
						t.Errorf("%s: unknown stage %q", p.Name, s)
					}
				}
			}
		}
		if q, ok := PullerByName(p.Name); !ok || q.Name != p.Name {
			t.Errorf("PullerByName(%q)", p.Name)
		}
	}
}

// TestPipelinesFromRunDir: client work found in a run directory gives each
// puller's model over its layers; a puller whose decoder the run lacks
// says so.
func TestPipelinesFromRunDir(t *testing.T) {
	run := synthetic()
	dir := t.TempDir()
	run.Path = dir
	w := &results.ClientWork{Count: 1, Cores: 2, Method: "m", Layers: []results.LayerWork{
		{Layer: "a", BlobBytes: 4e8, TarBytes: 1e9, UntarS: 1, CopyS: 2},
		{Layer: "b", BlobBytes: 2e8, TarBytes: 5e8, UntarS: 1, CopyS: 2},
	}}
	if err := results.WriteClientWork(filepath.Join(dir, results.ClientWorkFile), w); err != nil {
		t.Fatal(err)
	}
	p := DefaultParams()
	p.Bandwidths = []Bandwidth{{Name: "1Gbit", BitsPerSecond: 1e9}}
	var err error
	if p.Clients, err = ResolveClients("all", func(string) (string, error) { return "", os.ErrNotExist }); err != nil {
		t.Fatal(err)
	}
	e, err := FromRunsWith([]Run{run}, Sources{}, p)
	if err != nil {
		t.Fatal(err)
	}
	if e.Pipelines == nil || e.Pipelines.Source != filepath.Join(dir, results.ClientWorkFile) {
		t.Fatalf("pipelines %+v", e.Pipelines)
	}
	rows := map[string]PullerRow{}
	zstd := map[string]PullerRow{}
	for _, r := range e.Pipelines.Rows {
		switch {
		case r.Encoder == nil:
			rows[r.Puller] = r
		case r.Setting == "zstd-klauspost default":
			zstd[r.Puller] = r
		}
	}
	// ctr (containerd 1.7 without unpigz: gzip-std, 10 s and 5 s): fetch
	// 4.8 s of download; unpack a: decode 10 s beside 1 s of untar; b:
	// copy of a, 2 s, then 5 s of decode.
	if r := rows["ctr"]; r.Missing != "" || r.Decoder != "gzip-std" || !eq(r.Phases["fetch"], 4.8) || !eq(r.Phases["unpack"], 17) || !eq(r.WorkS, 21.8) {
		t.Errorf("ctr %+v", r)
	}
	if r := rows["skopeo"]; !strings.Contains(r.Missing, "gzip-pgzip") {
		t.Errorf("skopeo without pgzip cells: %+v", r)
	}
	// zstd-klauspost default through ctr: blobs of 300 and 150 MB (3.6 s at
	// 1 Gbit/s), decoded at 500 MB/s (2 s and 1 s): unpack a 2 s, b 2 +
	// 1 s; 8.6 s, 0.394 of the published 21.8 s.
	if r := zstd["ctr"]; r.Missing != "" || r.Decoder != "zstd-klauspost" || !eq(r.WorkS, 8.6) || !eq(r.VsPublished, 8.6/21.8) {
		t.Errorf("ctr, zstd: %+v", r)
	}
	var a Answer
	for _, x := range e.Answers() {
		if x.ID == PipelinesAnswerID {
			a = x
		}
	}
	if got := a.Tables[1].Rows[0][1]; got != "zstd-klauspost default (zstd-klauspost): 3.60 s" {
		t.Errorf("skopeo's fastest recompression, without gzip to set it against: %q", got)
	}
	if got := a.Tables[3].Rows[2][5]; got != "7 × sync-small" {
		t.Errorf("podman's commit: after %q, want 7 × sync-small", got)
	}
	if a.Empty || len(a.Tables) != 5 || !strings.Contains(strings.Join(a.Answer, " "), "zstd-klauspost default pulls in 8.60 s (−60.6%)") || len(a.Tables[0].Rows) != len(Pullers) || !strings.Contains(strings.Join(a.Answer, " "), "21.8 s at 1 Gbit/s") {
		t.Errorf("answer %+v", a)
	}
	// Without client profiles there is no model.
	p.Clients = nil
	if e, err := FromRunsWith([]Run{run}, Sources{}, p); err != nil || e.Pipelines != nil {
		t.Errorf("no clients: %v, %+v", err, e.Pipelines)
	}
}
