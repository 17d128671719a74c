package evidence

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// A Client is how one container client decodes the layers it pulls (and
// encodes the layers it writes, where it writes), as its source says. The
// table [Clients] is the one place to update when a client changes.
type Client struct {
	// Name is what -client selects: "containerd".
	Name string `json:"name"`
	// Who are the tools that share this code path.
	Who string `json:"who"`
	// Gzip are the gzip decoders the client chooses among, the one it
	// prefers first: it takes the first whose program is on PATH (a
	// choice with no program is always available, so it ends the list).
	Gzip []Choice `json:"gzip"`
	// Zstd is the zstd decoder (no client chooses among several).
	Zstd string `json:"zstd"`
	// ZstdNote says how the client's zstd decoder differs from zbench's
	// codec of that name, where it does.
	ZstdNote string `json:"zstd_note,omitempty"`
	// Encoders name, per format, the codec and level the client writes
	// with ("gzip-std 6"); none for a client that only pulls.
	Encoders map[string]string `json:"encoders,omitempty"`
	// Source is the file (repository, path, lines) and the version read.
	Source string `json:"source"`
}

// A Choice is one gzip decoder a client may use.
type Choice struct {
	Decoder string `json:"decoder"`           // a zbench codec: "igzip-pipe"
	Program string `json:"program,omitempty"` // looked up on PATH; "" when built in
	// Disable is the environment variable that turns the choice off.
	Disable string `json:"disable,omitempty"`
}

// Clients are the clients zbench knows, as their sources read on the dates
// given. Library is not among them: it is the profile of each decoder
// alone ([LibraryClient]).
var Clients = []Client{
	{
		Name: "containerd",
		Who:  "containerd (ctr, nerdctl, CRI for Kubernetes, Docker with the containerd image store)",
		Gzip: []Choice{
			{Decoder: "igzip-pipe", Program: "igzip", Disable: "CONTAINERD_DISABLE_IGZIP"},
			{Decoder: "unpigz-pipe", Program: "unpigz", Disable: "CONTAINERD_DISABLE_PIGZ"},
			{Decoder: "gzip-klauspost"},
		},
		Zstd: "zstd-klauspost",
		ZstdNote: "containerd's reader is zstd.NewReader with WithDecoderLowmem(false) and the default concurrency; " +
			"zbench's zstd-klauspost decoder is single-threaded (WithDecoderConcurrency(1))",
		Encoders: map[string]string{"gzip": "gzip-std 6", "zstd": "zstd-klauspost default"},
		Source: "containerd/containerd pkg/archive/compression/compression.go at v2.4.0-beta.0-70-g301026e58 " +
			"(2026-08-22): gzipDecompress (lines 271-286) runs igzip, else unpigz, with \"-d -c\" through cmdStream, " +
			"else klauspost/compress/gzip (since d8f13bf4c, containerd#13560, first in v2.4.0-beta.0; compress/gzip before); " +
			"zstd.NewReader(buf, zstd.WithDecoderLowmem(false)) (lines 224-226, since v2.1.0); CompressStream (lines 245-256): " +
			"compress/gzip NewWriter (level 6), klauspost zstd NewWriter (default level)",
	},
	{
		Name: "containerd-1.7",
		Who:  "containerd 1.6 and 1.7 (Debian 12 packages 1.6.20), before igzip support and klauspost gzip",
		Gzip: []Choice{
			{Decoder: "unpigz-pipe", Program: "unpigz", Disable: "CONTAINERD_DISABLE_PIGZ"},
			{Decoder: "gzip-std"},
		},
		Zstd:     "zstd-klauspost",
		ZstdNote: "containerd 1.x's reader is zstd.NewReader(buf), low-memory mode and default concurrency; zbench's decoder is single-threaded",
		Encoders: map[string]string{"gzip": "gzip-std 6", "zstd": "zstd-klauspost default"},
		Source: "containerd/containerd archive/compression/compression.go at v1.7.34 and v1.6.20 (the same lines): " +
			"gzipDecompress (lines 265-277) runs unpigz \"-d -c\" through cmdStream, else compress/gzip; zstd.NewReader(buf) (line 218). " +
			"igzip came in v2.0.0 (34378ec9b)",
	},
	{
		Name: "docker",
		Who:  "Docker Engine with a graph driver (the classic image store), through moby/go-archive",
		Gzip: []Choice{
			{Decoder: "unpigz-pipe", Program: "unpigz", Disable: "MOBY_DISABLE_PIGZ"},
			{Decoder: "gzip-std"},
		},
		Zstd:     "zstd-klauspost",
		ZstdNote: "go-archive's reader is zstd.NewReader(buf) with the default concurrency; zbench's decoder is single-threaded",
		Encoders: map[string]string{"gzip": "gzip-std 6"},
		Source: "moby/go-archive compression/compression.go at v0.3.3 (ae9e219f, 2026-08-05): gzipDecompress " +
			"(lines 200-221) runs unpigz \"-d -c\" through cmdStream, else compress/gzip; zstd.NewReader(buf) (line 158); " +
			"CompressStream: compress/gzip NewWriter (line 181). moby#52760 (open) proposes klauspost gzip behind a feature flag",
	},
	{
		Name:     "containers-image",
		Who:      "containers/image (Podman, Buildah, Skopeo, CRI-O)",
		Gzip:     []Choice{{Decoder: "gzip-pgzip"}},
		Zstd:     "zstd-klauspost",
		ZstdNote: "containers/image's reader is zstd.NewReader(buf) with the default concurrency; zbench's decoder is single-threaded",
		Encoders: map[string]string{"gzip": "gzip-pgzip 6", "zstd": "zstd-klauspost default"},
		Source: "containers/image pkg/compression/compression.go at v5.36.1-73-gdf7e80d2 (2025-08-29): GzipDecompressor " +
			"is pgzip.NewReader (line 61), gzipCompressor pgzip.NewWriter(Level) (lines 79-84); pkg/compression/zstd.go: " +
			"zstd.NewReader(buf) (line 35), zstd.EncoderLevelFromZstd(level) for a level given (line 44)",
	},
	{
		Name: "buildkit",
		Who:  "BuildKit (docker buildx, docker build with BuildKit): it writes layers, and pulls through the containerd it vendors",
		Gzip: []Choice{
			{Decoder: "igzip-pipe", Program: "igzip", Disable: "CONTAINERD_DISABLE_IGZIP"},
			{Decoder: "unpigz-pipe", Program: "unpigz", Disable: "CONTAINERD_DISABLE_PIGZ"},
			{Decoder: "gzip-std"},
		},
		Zstd:     "zstd-klauspost",
		Encoders: map[string]string{"gzip": "gzip-std 6", "zstd": "zstd-klauspost default"},
		Source: "moby/buildkit util/compression/gzip.go at dockerfile/1.26.0-labs-57-g73ed6825c (2026-08-21): " +
			"compress/gzip NewWriterLevel, gzip.DefaultCompression unless a level is given (lines 60-64); zstd.go: " +
			"klauspost zstd NewWriter, WithEncoderLevel(EncoderLevelFromZstd(level)) when a level is given (lines 15-19). " +
			"It vendors containerd v2.3.3 (go.mod line 24), whose DecompressStream takes igzip, else unpigz, else compress/gzip",
	},
}

// LibraryClient is the name of the profile of each decoder alone: one
// profile per gzip decoder the runs measured (with zstd-klauspost) and one
// per other zstd decoder (with gzip-std).
const LibraryClient = "library"

// A Profile is a client resolved on one machine: the decoder it uses for
// each format, and why.
type Profile struct {
	// Name is the profile's name: the client's ("containerd"), a forced
	// gzip path ("containerd/unpigz"), or "library:CODEC".
	Name   string `json:"name"`
	Client string `json:"client"` // the Clients entry, or "library"
	// Decoders are the decoder of each format, as in Params.
	Decoders map[string]string `json:"decoders"`
	// Chosen says how the gzip decoder was chosen: "igzip is on PATH".
	Chosen   string            `json:"chosen"`
	Encoders map[string]string `json:"encoders,omitempty"`
	Source   string            `json:"source,omitempty"`
	Notes    []string          `json:"notes,omitempty"`
}

// ClientByName returns the client called name.
func ClientByName(name string) (Client, bool) {
	for _, c := range Clients {
		if c.Name == name {
			return c, true
		}
	}
	return Client{}, false
}

// ClientNames lists the names ResolveClients takes: each client, each of
// its forced gzip paths (CLIENT/PROGRAM, or CLIENT/go for the one built in),
// and "library".
func ClientNames() []string {
	var names []string
	for _, c := range Clients {
		names = append(names, c.Name)
		if len(c.Gzip) > 1 {
			for _, ch := range c.Gzip {
				names = append(names, c.Name+"/"+ch.path())
			}
		}
	}
	return append(names, LibraryClient)
}

// path names a choice in a forced profile: its program, or "go".
func (ch Choice) path() string {
	if ch.Program == "" {
		return "go"
	}
	return ch.Program
}

// ResolveClients resolves a comma-separated list of profile names (see
// [ClientNames]; "all" is every client, then each forced path, then
// library). A client's gzip decoder is the first choice whose program
// lookPath finds (exec.LookPath, or a fake in tests); a forced path
// CLIENT/PROGRAM takes that choice whatever is on PATH. "library" comes
// back as a profile with no decoders, which [Compute] expands over the
// decoders of the runs.
func ResolveClients(list string, lookPath func(string) (string, error)) ([]Profile, error) {
	var out []Profile
	seen := map[string]bool{}
	add := func(p Profile) {
		if !seen[p.Name] {
			seen[p.Name] = true
			out = append(out, p)
		}
	}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		switch name {
		case "":
			continue
		case "all":
			for _, n := range ClientNames() {
				p, err := resolve(n, lookPath)
				if err != nil {
					return nil, err
				}
				add(p)
			}
			continue
		}
		p, err := resolve(name, lookPath)
		if err != nil {
			return nil, err
		}
		add(p)
	}
	if len(out) == 0 {
		return nil, errors.New("no client named")
	}
	return out, nil
}

func resolve(name string, lookPath func(string) (string, error)) (Profile, error) {
	if name == LibraryClient {
		return Profile{Name: LibraryClient, Client: LibraryClient, Chosen: "each decoder alone"}, nil
	}
	cname, forced, isForced := strings.Cut(name, "/")
	c, ok := ClientByName(cname)
	if !ok {
		return Profile{}, fmt.Errorf("unknown client %q: want one of %s, or all", name, strings.Join(ClientNames(), ", "))
	}
	p := Profile{Name: name, Client: c.Name, Encoders: c.Encoders, Source: c.Source}
	if c.ZstdNote != "" {
		p.Notes = append(p.Notes, c.ZstdNote)
	}
	var ch Choice
	if isForced {
		i := slices.IndexFunc(c.Gzip, func(ch Choice) bool { return ch.path() == forced })
		if i < 0 || len(c.Gzip) == 1 {
			return Profile{}, fmt.Errorf("unknown client %q: %s has no gzip path %q (want one of %s)", name, c.Name, forced, strings.Join(ClientNames(), ", "))
		}
		ch = c.Gzip[i]
		p.Chosen = "forced: " + describeChoice(c, i)
	} else {
		var why []string
		for i, cand := range c.Gzip {
			if cand.Program == "" {
				ch = cand
				p.Chosen = describeChoice(c, i)
				break
			}
			if _, err := lookPath(cand.Program); err == nil {
				ch = cand
				p.Chosen = cand.Program + " is on PATH"
				break
			}
			why = append(why, cand.Program+" is not on PATH")
		}
		if len(why) > 0 && ch.Program == "" {
			p.Chosen = strings.Join(why, ", ") + ": " + p.Chosen
		}
	}
	p.Decoders = map[string]string{"gzip": ch.Decoder, "zstd": c.Zstd}
	return p, nil
}

// describeChoice says what choice i of c's gzip paths means.
func describeChoice(c Client, i int) string {
	ch := c.Gzip[i]
	switch {
	case ch.Program != "":
		return fmt.Sprintf("%s -d -c through a pipe (%s)", ch.Program, ch.Decoder)
	case len(c.Gzip) > 1:
		return fmt.Sprintf("the built-in Go decoder when no program is on PATH (%s)", ch.Decoder)
	}
	return "its only gzip decoder (" + ch.Decoder + ")"
}

// ClientPull is the pull time of the layers as one client profile pulls
// them: the same computation as [PullTime] with the profile's decoders.
type ClientPull struct {
	Profile Profile `json:"profile"`
	// Pull is nil when the runs lack the profile's decoders; Missing says
	// which.
	Pull    *PullTime `json:"pull_time,omitempty"`
	Missing string    `json:"missing,omitempty"`
}

// expandLibrary replaces the library profile by one profile per decoder of
// the runs: each gzip decoder with zstd-klauspost, each other zstd decoder
// with gzip-std.
func expandLibrary(ps []Profile, d *data) []Profile {
	var out []Profile
	for _, p := range ps {
		if p.Client != LibraryClient {
			out = append(out, p)
			continue
		}
		for _, g := range d.decoders("gzip") {
			out = append(out, Profile{Name: "library:" + g, Client: LibraryClient, Chosen: g + " alone",
				Decoders: map[string]string{"gzip": g, "zstd": "zstd-klauspost"}})
		}
		for _, z := range d.decoders("zstd") {
			if z != "zstd-klauspost" {
				out = append(out, Profile{Name: "library:" + z, Client: LibraryClient, Chosen: z + " alone",
					Decoders: map[string]string{"gzip": "gzip-std", "zstd": z}})
			}
		}
	}
	return out
}

// clientPulls computes the pull time for each profile, over the layers
// published as gzip whose decode-original cell of the profile's gzip
// decoder succeeded.
func clientPulls(d *data, ps []Profile, p Params) []ClientPull {
	var out []ClientPull
	for _, prof := range expandLibrary(ps, d) {
		cp := ClientPull{Profile: prof}
		gz := prof.Decoders["gzip"]
		var layers, missing []string
		for _, l := range d.layers {
			if l.format != "gzip" {
				continue
			}
			if d.originalCell(gz, l.name).ok() {
				layers = append(layers, l.name)
			} else {
				missing = append(missing, l.name)
			}
		}
		if len(layers) == 0 {
			cp.Missing = fmt.Sprintf("no layer published as gzip has a decode-original cell of %s that succeeded", gz)
			if strings.HasSuffix(gz, "-pipe") {
				cp.Missing += " (" + gz + " is opt-in: measure it by naming it among the run's codecs, or with the reference profile)"
			}
			out = append(out, cp)
			continue
		}
		pp := p
		pp.Decoders = prof.Decoders
		cp.Pull = pullTime(d, layers, pp)
		if len(missing) > 0 {
			cp.Pull.Excluded = append(cp.Pull.Excluded, fmt.Sprintf("layers without a successful %s decode-original cell: %s", gz, strings.Join(missing, ", ")))
		}
		out = append(out, cp)
	}
	return out
}

// clientAnswer sets the clients side by side: for each profile and
// bandwidth, gzip as published and the fastest recompression to pull.
func (e *Evidence) clientAnswer() Answer {
	a := Answer{ID: "clients", Question: "How long does a pull take with each client's decoders?",
		Method: "Each client profile names the decoders a client uses, from its source (see the table's source column); " +
			"a profile whose gzip decoder depends on what is on PATH was resolved on the machine that ran zbench evidence, " +
			"and CLIENT/PROGRAM forces one path. Each pull time is computed as in the pull-time answer, with the profile's decoders, " +
			"over the layers published as gzip that its gzip decoder read."}
	if len(e.Clients) == 0 {
		a.Empty = true
		a.Answer = []string{"No client profile was asked for."}
		return a
	}
	var bws []string
	for _, b := range e.Params.Bandwidths {
		bws = append(bws, b.String())
	}
	t := Table{Caption: "Pull time of the corpus per client, overlapped: gzip as published, and the fastest recompression (its change)",
		Header: append([]string{"client", "gzip decoder", "zstd decoder", "layers"}, bws...)}
	src := Table{Caption: "Client profiles", Header: []string{"client", "chosen", "encoders", "source"}}
	for _, cp := range e.Clients {
		row := []string{cp.Profile.Name, cp.Profile.Decoders["gzip"], cp.Profile.Decoders["zstd"]}
		if cp.Pull == nil || len(cp.Pull.Corpus) == 0 {
			row = append(row, "0")
			for range bws {
				row = append(row, "not measured")
			}
			t.Rows = append(t.Rows, row)
			a.Notes = append(a.Notes, cp.Profile.Name+": "+cp.Missing)
		} else {
			row = append(row, fmt.Sprint(len(cp.Pull.Layers)))
			byBW := map[string][]PullRow{}
			for _, r := range cp.Pull.Corpus {
				byBW[r.Bandwidth] = append(byBW[r.Bandwidth], r)
			}
			for _, bw := range bws {
				rows := byBW[bw]
				cell := secs(rows[0].OverlappedS)
				if len(rows) > 1 {
					best := rows[1]
					for _, r := range rows[1:] {
						if r.OverlappedS < best.OverlappedS {
							best = r
						}
					}
					cell += fmt.Sprintf("; %s %s (%s)", best.Setting, secs(best.OverlappedS), change(best.VsPublished))
				}
				row = append(row, cell)
			}
			t.Rows = append(t.Rows, row)
			for _, x := range cp.Pull.Excluded {
				a.Notes = append(a.Notes, cp.Profile.Name+": "+x)
			}
			if len(a.Layers) < len(cp.Pull.Layers) {
				a.Layers = cp.Pull.Layers
			}
		}
		var encs []string
		for _, f := range []string{"gzip", "zstd"} {
			if v := cp.Profile.Encoders[f]; v != "" {
				encs = append(encs, v)
			}
		}
		src.Rows = append(src.Rows, []string{cp.Profile.Name, cp.Profile.Chosen, strings.Join(encs, ", "), cp.Profile.Source})
		for _, n := range cp.Profile.Notes {
			if n := cp.Profile.Client + ": " + n; !slices.Contains(a.Notes, n) {
				a.Notes = append(a.Notes, n)
			}
		}
	}
	a.Tables = []Table{t, src}
	for _, cp := range e.Clients {
		if cp.Pull == nil || len(cp.Pull.Corpus) == 0 {
			continue
		}
		var at []string
		for _, r := range cp.Pull.Corpus {
			if r.Encoder == nil {
				at = append(at, secs(r.OverlappedS)+" at "+r.Bandwidth)
			}
		}
		a.Answer = append(a.Answer, fmt.Sprintf("%s (%s): gzip as published decodes at %s MB/s and takes %s, overlapped.",
			cp.Profile.Name, cp.Profile.Chosen, sig(cp.Pull.Corpus[0].DecodeMBps, 3), strings.Join(at, ", ")))
	}
	if len(a.Answer) == 0 {
		a.Empty = true
		a.Answer = []string{"No client profile's decoders were measured in these runs: see the notes."}
	}
	return a
}
