package evidence

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"zbench/results"
)

// onPath is a lookPath that finds only the programs named.
func onPath(progs ...string) func(string) (string, error) {
	return func(p string) (string, error) {
		if slices.Contains(progs, p) {
			return "/usr/bin/" + p, nil
		}
		return "", errors.New("not found")
	}
}

// TestResolveClients checks that a client's gzip decoder follows what is on
// PATH, in the client's order, and that a forced path ignores PATH.
func TestResolveClients(t *testing.T) {
	for _, c := range []struct {
		list   string
		path   []string
		gzip   string
		zstd   string
		chosen string // a substring of Chosen
	}{
		{"containerd", []string{"igzip", "unpigz"}, "igzip-pipe", "zstd-klauspost", "igzip is on PATH"},
		{"containerd", []string{"unpigz"}, "unpigz-pipe", "zstd-klauspost", "unpigz is on PATH"},
		{"containerd", nil, "gzip-klauspost", "zstd-klauspost", "igzip is not on PATH, unpigz is not on PATH"},
		{"containerd/go", []string{"igzip", "unpigz"}, "gzip-klauspost", "zstd-klauspost", "forced"},
		{"containerd/unpigz", nil, "unpigz-pipe", "zstd-klauspost", "forced"},
		{"docker", []string{"igzip", "unpigz"}, "unpigz-pipe", "zstd-klauspost", "unpigz is on PATH"},
		{"containerd-1.7", []string{"igzip", "unpigz"}, "unpigz-pipe", "zstd-klauspost", "unpigz is on PATH"},
		{"containerd-1.7", []string{"igzip"}, "gzip-std", "zstd-klauspost", "unpigz is not on PATH"},
		{"docker", []string{"igzip"}, "gzip-std", "zstd-klauspost", "unpigz is not on PATH"},
		{"buildkit", nil, "gzip-std", "zstd-klauspost", "not on PATH"},
		{"containers-image", []string{"igzip", "unpigz"}, "gzip-pgzip", "zstd-klauspost", "only gzip decoder"},
	} {
		ps, err := ResolveClients(c.list, onPath(c.path...))
		if err != nil {
			t.Fatalf("%s with %q on PATH: %v", c.list, c.path, err)
		}
		if len(ps) != 1 {
			t.Fatalf("%s: %d profiles, want 1", c.list, len(ps))
		}
		p := ps[0]
		if p.Name != c.list || p.Decoders["gzip"] != c.gzip || p.Decoders["zstd"] != c.zstd || !strings.Contains(p.Chosen, c.chosen) {
			t.Errorf("%s with %q on PATH: %s gzip=%s zstd=%s (%s); want gzip=%s zstd=%s (%s)",
				c.list, c.path, p.Name, p.Decoders["gzip"], p.Decoders["zstd"], p.Chosen, c.gzip, c.zstd, c.chosen)
		}
		if p.Source == "" {
			t.Errorf("%s: no source", c.list)
		}
	}

	all, err := ResolveClients("all", onPath())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range all {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, ClientNames()) || !slices.Contains(names, "containerd/igzip") || names[len(names)-1] != LibraryClient {
		t.Errorf("all = %q, want ClientNames() = %q, ending in library", names, ClientNames())
	}
	if ps, _ := ResolveClients("docker, docker,library", onPath()); len(ps) != 2 {
		t.Errorf("docker, docker,library: %d profiles, want 2 (no duplicate)", len(ps))
	}
	for _, bad := range []string{"podman", "containerd/pigz", "containers-image/go", "", " , "} {
		if _, err := ResolveClients(bad, onPath()); err == nil {
			t.Errorf("ResolveClients(%q) = nil error", bad)
		}
	}
}

// TestClientTable checks the table a maintainer edits: every client has a
// source, a zstd decoder, and a gzip list whose last choice needs no
// program (so resolution always ends) and whose others name a program and
// a pipe decoder.
func TestClientTable(t *testing.T) {
	for _, c := range Clients {
		if c.Name == "" || strings.ContainsAny(c.Name, "/, ") || c.Name == LibraryClient || c.Name == "all" || c.Name == "none" {
			t.Errorf("client name %q: want a plain name, not library, all or none", c.Name)
		}
		if c.Source == "" || c.Zstd == "" || c.Who == "" || len(c.Gzip) == 0 {
			t.Errorf("%s: want who, source, a zstd and a gzip decoder", c.Name)
			continue
		}
		for i, ch := range c.Gzip {
			last := i == len(c.Gzip)-1
			if last != (ch.Program == "") {
				t.Errorf("%s: choice %d (%s): only the last choice, and always it, needs no program", c.Name, i, ch.Decoder)
			}
			if ch.Program != "" && (ch.Decoder != ch.Program+"-pipe" || ch.Disable == "") {
				t.Errorf("%s: %s runs %s: want decoder %s-pipe and the variable that disables it", c.Name, ch.Decoder, ch.Program, ch.Program)
			}
		}
	}
}

// TestClientPulls checks the per-client pull times: a profile whose gzip
// decoder was measured gets the pull time with its decoders, one whose
// decoder was not says what is missing, and library becomes one profile
// per decoder of the runs.
func TestClientPulls(t *testing.T) {
	recs := synthetic().Records
	// gzip-klauspost decodes the published layers twice as fast as gzip-std.
	for _, l := range []struct {
		name string
		raw  int64
	}{{"a", 1e9}, {"b", 5e8}} {
		s := l.raw / 1e8
		recs = append(recs, mk(results.OpDecodeOriginal, l.name, "gzip-klauspost", "gzip", "", l.raw, l.raw*2/5).
			at([]int64{s * 1e9 / 2}, []int64{s * 1e9 / 2}).records()...)
	}
	run := results.FromRecords("synthetic", results.Env{}, recs)
	p := DefaultParams()
	var err error
	if p.Clients, err = ResolveClients("containerd,containerd/unpigz,library", onPath()); err != nil {
		t.Fatal(err)
	}
	e, err := Compute([]Run{run}, nil, p)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]ClientPull{}
	var names []string
	for _, cp := range e.Clients {
		byName[cp.Profile.Name] = cp
		names = append(names, cp.Profile.Name)
	}
	if want := []string{"containerd", "containerd/unpigz", "library:gzip-std", "library:gzip-klauspost", "library:zstd-cgo"}; !slices.Equal(names, want) {
		t.Fatalf("profiles %q, want %q", names, want)
	}
	// containerd with no program on PATH: gzip-klauspost at 200 MB/s. At
	// 1 Gbit/s layer a downloads in 3.2 s and decodes in 5 s, b in 1.6 and
	// 2.5 s: 7.5 s overlapped, against gzip-std's 15 s (the main answer).
	cd := byName["containerd"].Pull
	if cd == nil {
		t.Fatal("containerd: no pull time")
	}
	for _, r := range cd.Corpus {
		if r.Bandwidth == "1 Gbit/s" && r.Encoder == nil {
			near(t, "containerd, gzip as published, 1 Gbit/s, overlapped", r.OverlappedS, 7.5)
			if r.Decoder != "gzip-klauspost" {
				t.Errorf("containerd decoder %s, want gzip-klauspost", r.Decoder)
			}
		}
	}
	published := func(pt *PullTime) float64 {
		for _, r := range pt.Corpus {
			if r.Bandwidth == "1 Gbit/s" && r.Encoder == nil {
				return r.OverlappedS
			}
		}
		return -1
	}
	near(t, "main answer, gzip-std, 1 Gbit/s", published(e.Pull), 15)
	if lib := byName["library:gzip-std"].Pull; lib == nil || published(lib) != published(e.Pull) || len(lib.Corpus) != len(e.Pull.Corpus) {
		t.Errorf("library:gzip-std differs from the main answer with gzip-std")
	}
	if un := byName["containerd/unpigz"]; un.Pull != nil || !strings.Contains(un.Missing, "unpigz-pipe") || !strings.Contains(un.Missing, "opt-in") {
		t.Errorf("containerd/unpigz without unpigz-pipe cells: pull %v, missing %q; want none and why", un.Pull, un.Missing)
	}

	a := e.clientAnswer()
	if a.Empty || len(a.Tables) != 2 || len(a.Tables[0].Rows) != 5 {
		t.Fatalf("client answer: empty %v, %d tables; want 2 tables, 5 rows", a.Empty, len(a.Tables))
	}
	if row := a.Tables[0].Rows[1]; row[0] != "containerd/unpigz" || row[4] != "not measured" {
		t.Errorf("row %q: want containerd/unpigz not measured", row)
	}
	ids := []string{}
	for _, x := range e.Answers() {
		ids = append(ids, x.ID)
	}
	if len(ids) < 3 || ids[2] != "clients" {
		t.Errorf("answers %q: want clients after pull-time", ids)
	}
}
