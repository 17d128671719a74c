package evidence

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"zbench/results"
)

// A Puller is how one tool pulls an image, step by step, as its source
// reads: which stages go over a layer's bytes together, which wait for
// others, and whether layers go one at a time. The model it gives
// ([PullerModel]) is download and decode (from the runs) and the client
// work beside them (hashing, writing, syncing, unpacking, copying; zbench
// clientwork) composed along those steps. The table [Pullers] is the one
// place to update when a tool changes.
type Puller struct {
	// Name is what scripts/pull.sh calls the tool's pull: "skopeo".
	Name string `json:"name"`
	// Tool is the command pulled with; Client the profile whose decoders
	// it runs (see [Clients]).
	Tool   string `json:"tool"`
	Client string `json:"client"`
	// Go is the Go release the tool's build was made with (Debian 12's
	// packages: go1.19.8; go version -m BINARY says). Before go1.21,
	// crypto/sha256 has no code for the CPU's SHA extensions, and the
	// model hashes at the rate zbench clientwork measured without them.
	Go     string  `json:"go"`
	Phases []Phase `json:"phases"`
	// Left says what the model leaves out of the tool's work.
	Left   string `json:"left_out,omitempty"`
	Source string `json:"source"`
}

// A Phase is a part of a pull that ends before the next begins.
type Phase struct {
	Name string `json:"name"`
	// Concurrent says the layers go through the phase at once (sharing
	// the link and the cores), rather than one after another in order.
	Concurrent bool `json:"concurrent"`
	// Before are stages done for a layer before its stream, one after
	// another; Threads are the stream: each thread runs its stages, all
	// of them over one pass of the bytes; After are stages done when the
	// stream has ended, one after another.
	Before  []string   `json:"before,omitempty"`
	Threads [][]string `json:"threads"`
	After   []string   `json:"after,omitempty"`
}

// Stages of a pull besides those of results.LayerWork.
const (
	// StageDownload is the layer's blob over the link: bytes × 8 / rate.
	StageDownload = "download"
	// StageDecode is the client's gzip decoder on the blob, at the run's
	// median decode-original throughput.
	StageDecode = "decode"
	// StageCopyParents copies the unpacked trees of every layer below
	// (the native snapshotter and the vfs driver make a layer's directory
	// as a copy of its parent's).
	StageCopyParents = "copy-parents"
)

// Pullers are the pulls scripts/pull.sh measures, as their sources read
// for the versions Debian 12 packages.
var Pullers = []Puller{
	{
		Name:   "skopeo",
		Tool:   "skopeo copy --dest-decompress docker://… dir:…",
		Client: "containers-image",
		Go:     "go1.19.8",
		Phases: []Phase{{Name: "copy", Threads: [][]string{
			{StageDownload},
			{results.StageSHA256Blob, StageDecode},
			{results.StageSHA256Tar, results.StageWriteTar},
		}, After: []string{results.StageFsyncTar}}},
		Left: "the manifest and config, the process's start (the fixed cost pull.sh measures apart)",
		Source: "skopeo v1.9.3 with containers/image v5.22.1: the dir: destination is not thread-safe, so layers go one at a time " +
			"(copy/copy.go 262-272, directory/directory_dest.go 108); one io.Copy (directory_dest.go 154) pulls the body through the " +
			"blob's sha256 check (copy/blob.go 36) into pgzip, which inflates in its own goroutine (compression.go 177-197), and hashes " +
			"the tar for its new digest (directory_dest.go 152) while writing it; then Sync, chmod, rename (directory_dest.go 162-180)",
	},
	{
		Name:   "podman",
		Tool:   "podman pull, vfs driver",
		Client: "containers-image",
		Go:     "go1.19.8",
		Phases: []Phase{
			{Name: "fetch", Concurrent: true, Threads: [][]string{
				{StageDownload},
				{results.StageSHA256Blob, results.StageWriteBlob},
				{StageDecode},
				{results.StageSHA256Tar},
			}},
			{Name: "commit", Before: []string{StageCopyParents}, Threads: [][]string{
				{StageDecode},
				{results.StageTarSplit},
				{results.StageUntar},
			}, After: slices.Repeat([]string{results.StageSyncSmall}, 7)},
		},
		Left: "the pass over the headers that logs owners, the re-exec of the applier (a Podman process a layer), " +
			"the overlap of a layer's commit with the later layers' downloads",
		Source: "Podman v4.3.1 with containers/image v5.23.1 and containers/storage v1.43.0: up to 6 layers download at once " +
			"(storage/storage_dest.go 109, copy/copy.go 44); putBlobToPendingFile (storage_dest.go 174-235) writes the checked blob " +
			"to a temporary file while DecompressStream (pgzip) feeds the diffID's sha256; commits go in layer order: vfs Create copies " +
			"the parent's tree (drivers/vfs/driver.go 194-201), then applyDiffWithOptions (layers.go 1639-1785) decodes the file again " +
			"(pgzip) through tar-split's disassembler (its metadata gzipped by pgzip) into a chrooted storage-applyLayer child that unpacks it; each layer's Put saves the layer store three times and " +
			"writes its tar-split, each an atomic write with fdatasync (pkg/ioutils/fswriters.go 95-108; layers.go 479-536, 823, 1731, 1782, 889): " +
			"7 small synced writes",
	},
	{
		Name:   "ctr",
		Tool:   "ctr images pull --snapshotter native",
		Client: "containerd-1.7",
		Go:     "go1.19.8",
		Phases: []Phase{
			{Name: "fetch", Concurrent: true, Threads: [][]string{
				{StageDownload},
				{results.StageWriteBlob, results.StageSHA256Blob},
			}, After: []string{results.StageFsyncBlob}},
			{Name: "unpack", Before: []string{StageCopyParents}, Threads: [][]string{
				{StageDecode},
				{results.StageSHA256Tar, results.StageUntar},
			}},
		},
		Left: "the gRPC hop of every 1 MiB of the fetch, the metadata database's commits, the disk-usage walk after each layer",
		Source: "containerd v1.6.20: ctr fetches every blob first, all at once (cmd/ctr/commands/images/pull.go 95, " +
			"images/handlers.go 154-187), the daemon hashing each chunk as it writes it (content/local/writer.go 69-71) and syncing " +
			"on commit (writer.go 95); then it unpacks layer after layer (image.go 361-382): the native snapshotter copies the parent " +
			"(snapshots/native/native.go 279-289), the applier decodes (unpigz -d -c when on PATH, else compress/gzip) " +
			"and hashes the tar as archive.Apply unpacks it (diff/apply/apply.go 71-101)",
	},
}

// PullerByName returns the puller called name.
func PullerByName(name string) (Puller, bool) {
	for _, p := range Pullers {
		if p.Name == name {
			return p, true
		}
	}
	return Puller{}, false
}

// PullerLayer is what the model needs of one layer: its client work, the
// blob's size, and the decoder's wall time and CPU time on it (a decoder
// that runs threads or a program of its own uses more CPU than wall time;
// 0 when not measured: the wall time stands for it).
type PullerLayer struct {
	Work       results.LayerWork
	DecodeS    float64
	DecodeCPUS float64
}

// PullerModel is the modelled time of a pull: the sum of the phases, and
// each stage summed over the layers (where it is spent, not when).
type PullerModel struct {
	WorkS float64 `json:"work_s"`
	// CPUS is the CPU time the stages take: all but download and fsync,
	// the decoder at its CPU time.
	CPUS   float64            `json:"cpu_s"`
	Phases map[string]float64 `json:"phases"`
	Stages map[string]float64 `json:"stages"`
}

// A Machine is what the model needs of the machine the client work was
// measured on.
type Machine struct {
	Cores int
	// SHA256LegacyMBps is the sha256 rate without the SHA extensions
	// (results.ClientWork); 0 when not measured.
	SHA256LegacyMBps float64
}

// LegacyHash says whether the tool hashes without the CPU's SHA
// extensions: it was built with Go before 1.21.
func (p Puller) LegacyHash() bool {
	v := strings.TrimPrefix(p.Go, "go")
	major, rest, _ := strings.Cut(v, ".")
	minor, _, _ := strings.Cut(rest, ".")
	if major != "1" {
		return false
	}
	n := 0
	for _, c := range minor {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n > 0 && n < 21
}

// Model composes the time of a pull of layers (in image order, base
// first) at bitsPerSecond on machine m. A layer's stream takes
// as long as its busiest thread, and no less than its CPU stages over the
// cores (download and fsync wait, and take no CPU); a phase of layers one
// after another sums the layers; a phase of concurrent layers takes the
// longest of the summed download, the slowest layer, and the CPU of all
// layers over the cores.
func (p Puller) Model(layers []PullerLayer, bitsPerSecond float64, mc Machine) PullerModel {
	m := PullerModel{Phases: map[string]float64{}, Stages: map[string]float64{}}
	cores := float64(max(mc.Cores, 1))
	legacy := p.LegacyHash() && mc.SHA256LegacyMBps > 0
	// times are each layer's stages in seconds; copy-parents copies the
	// trees of the layers below it.
	times := make([]map[string]float64, len(layers))
	var below float64
	for i, l := range layers {
		t := l.Work.Stages()
		t[StageDownload] = float64(l.Work.BlobBytes) * 8 / bitsPerSecond
		t[StageDecode] = l.DecodeS
		t[StageCopyParents] = below
		if legacy {
			t[results.StageSHA256Blob] = float64(l.Work.BlobBytes) / (mc.SHA256LegacyMBps * 1e6)
			t[results.StageSHA256Tar] = float64(l.Work.TarBytes) / (mc.SHA256LegacyMBps * 1e6)
		}
		times[i] = t
		below += l.Work.CopyS
	}
	// cpu is a stage's CPU time: none for what waits (the link, syncs),
	// the decoder's own CPU time where measured.
	cpu := func(name string, i int) float64 {
		switch name {
		case StageDownload, results.StageFsyncBlob, results.StageFsyncTar, results.StageSyncSmall:
			return 0
		case StageDecode:
			if layers[i].DecodeCPUS > 0 {
				return layers[i].DecodeCPUS
			}
		}
		return times[i][name]
	}
	for _, ph := range p.Phases {
		var total, downloads, phaseCPU, slowest float64
		for i := range layers {
			t := times[i]
			var before, after, stream, streamCPU, otherCPU float64
			for _, s := range ph.Before {
				before += t[s]
				otherCPU += cpu(s, i)
				m.Stages[s] += t[s]
			}
			for _, th := range ph.Threads {
				var busy float64
				for _, s := range th {
					busy += t[s]
					streamCPU += cpu(s, i)
					m.Stages[s] += t[s]
					if s == StageDownload {
						downloads += t[s]
					}
				}
				stream = math.Max(stream, busy)
			}
			for _, s := range ph.After {
				after += t[s]
				otherCPU += cpu(s, i)
				m.Stages[s] += t[s]
			}
			if !ph.Concurrent {
				stream = math.Max(stream, streamCPU/cores)
			}
			layerS := before + stream + after
			slowest = math.Max(slowest, layerS)
			total += layerS
			phaseCPU += streamCPU + otherCPU
		}
		if ph.Concurrent {
			total = math.Max(downloads, math.Max(slowest, phaseCPU/cores))
		}
		m.Phases[ph.Name] = total
		m.WorkS += total
		m.CPUS += phaseCPU
	}
	return m
}

// PullerRow is a puller's modelled pull of the client-work layers at one
// bandwidth.
type PullerRow struct {
	Puller string `json:"puller"`
	Tool   string `json:"tool"`
	Client string `json:"client"`
	// Setting is what is pulled: "gzip as published", or an encoder's
	// output ("zstd-klauspost default", Encoder set), read by the
	// client's decoder of its format.
	Setting   string   `json:"setting"`
	Encoder   *Encoder `json:"encoder,omitempty"`
	Decoder   string   `json:"decoder,omitempty"`
	Bandwidth string   `json:"bandwidth"`
	PullerModel
	// VsPublished is WorkS over the published blobs' at the same
	// bandwidth (fixed cost left out): 0.6 means 40% less time.
	VsPublished float64 `json:"vs_published,omitempty"`
	// Missing says why there is no model: the profile was not asked for,
	// or the runs lack its decoder on a layer.
	Missing string `json:"missing,omitempty"`
}

// ClientPipelines is every puller's model over the layers of a client-work
// measurement, at each bandwidth.
type ClientPipelines struct {
	Layers []string    `json:"layers"` // in image order, base first
	Cores  int         `json:"cores"`
	Rows   []PullerRow `json:"rows"`
	// Excluded are the encoder settings some layer lacks a decode of by
	// a client's decoder.
	Excluded []string            `json:"excluded,omitempty"`
	Work     []results.LayerWork `json:"work"`
	Method   string              `json:"method"`
	Source   string              `json:"source,omitempty"`
}

// pipelines models each puller whose client profile is among ps over the
// layers of w, at each bandwidth of p.
func pipelines(d *data, w *results.ClientWork, ps []Profile, p Params) *ClientPipelines {
	cp := &ClientPipelines{Cores: w.Cores, Work: w.Layers, Method: "Each puller's pull is composed from its steps (the tool's source, " +
		"in the puller table) and stages measured on this machine: download at the rate, the client profile's gzip decoder at the " +
		"run's median decode-original throughput, and the client work of zbench clientwork. " + w.Method +
		" A tool built with Go before 1.21 hashes at the sha256 rate measured without the CPU's SHA extensions, as its crypto/sha256 does." +
		" A stream takes as long as its busiest thread and no less than its CPU over the cores; layers one after another add up; " +
		"layers at once take the longest of their summed download, their slowest layer and their CPU over the cores. " +
		"The model leaves out the tool's fixed cost (its start, the manifest and config), which scripts/pull.sh measures apart " +
		"with an image of one small layer and adds."}
	for _, l := range w.Layers {
		cp.Layers = append(cp.Layers, l.Layer)
	}
	mc := Machine{Cores: w.Cores, SHA256LegacyMBps: w.SHA256LegacyMBps}
	for _, pu := range Pullers {
		i := slices.IndexFunc(ps, func(pr Profile) bool { return pr.Name == pu.Client })
		if i < 0 {
			for _, bw := range p.Bandwidths {
				cp.Rows = append(cp.Rows, PullerRow{Puller: pu.Name, Tool: pu.Tool, Client: pu.Client, Setting: publishedSetting,
					Bandwidth: bw.String(), Missing: "client profile " + pu.Client + " was not asked for"})
			}
			continue
		}
		// gzip as published, then each encoder's output the client's
		// decoder of its format read on every layer.
		type setting struct {
			name, decoder string
			enc           *Encoder
			layers        []PullerLayer
			missing       []string
		}
		pub := setting{name: publishedSetting, decoder: ps[i].Decoders["gzip"]}
		for _, lw := range w.Layers {
			if c := d.originalCell(pub.decoder, lw.Layer); c.ok() {
				pub.layers = append(pub.layers, PullerLayer{Work: lw, DecodeS: c.seconds(), DecodeCPUS: c.cpuSeconds()})
			} else {
				pub.missing = append(pub.missing, lw.Layer)
			}
		}
		settings := []setting{pub}
		for _, e := range d.encoders() {
			s := setting{name: e.String(), enc: &e, decoder: ps[i].Decoders[e.Format]}
			for _, lw := range w.Layers {
				c := d.decodeCell(e, s.decoder, lw.Layer)
				if s.decoder == "" || !c.ok() {
					s.missing = append(s.missing, lw.Layer)
					break
				}
				s.layers = append(s.layers, PullerLayer{Work: reblob(lw, c.compressedBytes), DecodeS: c.seconds(), DecodeCPUS: c.cpuSeconds()})
			}
			if len(s.missing) == 0 {
				settings = append(settings, s)
			} else if !slices.Contains(cp.Excluded, s.name) {
				cp.Excluded = append(cp.Excluded, s.name)
			}
		}
		for _, bw := range p.Bandwidths {
			var pubWork float64
			for j, s := range settings {
				row := PullerRow{Puller: pu.Name, Tool: pu.Tool, Client: pu.Client, Setting: s.name, Encoder: s.enc, Decoder: s.decoder, Bandwidth: bw.String()}
				if len(s.missing) > 0 {
					row.Missing = fmt.Sprintf("no successful decode-original cell of %s on %s", s.decoder, strings.Join(s.missing, ", "))
					cp.Rows = append(cp.Rows, row)
					continue
				}
				row.PullerModel = pu.Model(s.layers, bw.BitsPerSecond, mc)
				if j == 0 {
					pubWork = row.WorkS
				}
				if pubWork > 0 {
					row.VsPublished = row.WorkS / pubWork
				}
				cp.Rows = append(cp.Rows, row)
			}
		}
	}
	return cp
}

// reblob is the client work of a layer whose blob is blobBytes long
// instead: what goes over the blob (its sha256, write and fsync) scales
// with its size, what goes over the tar stays.
func reblob(w results.LayerWork, blobBytes int64) results.LayerWork {
	if w.BlobBytes <= 0 {
		return w
	}
	f := float64(blobBytes) / float64(w.BlobBytes)
	w.BlobBytes = blobBytes
	w.SHA256BlobS *= f
	w.WriteBlobS *= f
	w.FsyncBlobS *= f
	return w
}

// stageList lists stages, a run of one stage as "7 × sync-small".
func stageList(ss []string) string {
	var out []string
	for i := 0; i < len(ss); {
		j := i
		for j < len(ss) && ss[j] == ss[i] {
			j++
		}
		if j-i > 1 {
			out = append(out, fmt.Sprintf("%d × %s", j-i, ss[i]))
		} else {
			out = append(out, ss[i])
		}
		i = j
	}
	return strings.Join(out, ", ")
}

// PipelinesAnswerID is the ID of the answer of the pullers' models.
const PipelinesAnswerID = "client-pipelines"

// Answer sets each puller's modelled pull side by side, with where the
// time goes.
func (cp *ClientPipelines) Answer() Answer {
	a := Answer{ID: PipelinesAnswerID, Layers: cp.Layers,
		Question: "How long does a pull take through each tool, step by step: download, decode, hashing, writing, unpacking?"}
	var bws []string
	byKey := map[[2]string]PullerRow{} // gzip as published, by tool and bandwidth
	best := map[[2]string]PullerRow{}  // the fastest recompression
	for _, r := range cp.Rows {
		if !slices.Contains(bws, r.Bandwidth) {
			bws = append(bws, r.Bandwidth)
		}
		k := [2]string{r.Puller, r.Bandwidth}
		switch {
		case r.Encoder == nil:
			byKey[k] = r
		case r.Missing == "" && (best[k].Setting == "" || r.WorkS < best[k].WorkS):
			best[k] = r
		}
	}
	if len(bws) == 0 {
		a.Empty = true
		a.Answer = []string{"No bandwidth was asked for."}
		return a
	}
	t := Table{Caption: fmt.Sprintf("Modelled pull of the %d layer(s), without the tool's fixed cost, on %d core(s)", len(cp.Layers), cp.Cores),
		Header: append([]string{"tool", "client", "gzip decoder"}, bws...)}
	st := Table{Caption: "Where the time goes: each stage summed over the layers, at the first bandwidth (stages of one stream overlap)",
		Header: []string{"tool", "download", "decode", "sha256", "write", "fsync (and small synced writes)", "untar", "copy parents", "phases"}}
	for _, pu := range Pullers {
		first, ok := byKey[[2]string{pu.Name, bws[0]}]
		if !ok {
			continue
		}
		row := []string{pu.Tool, pu.Client, first.Decoder}
		if first.Missing != "" {
			a.Notes = append(a.Notes, pu.Name+": "+first.Missing)
			for range bws {
				row = append(row, "not modelled")
			}
			t.Rows = append(t.Rows, row)
			continue
		}
		for _, bw := range bws {
			row = append(row, secs(byKey[[2]string{pu.Name, bw}].WorkS))
		}
		t.Rows = append(t.Rows, row)
		s := first.Stages
		var phases []string
		for _, ph := range pu.Phases {
			phases = append(phases, ph.Name+" "+secs(first.Phases[ph.Name]))
		}
		st.Rows = append(st.Rows, []string{pu.Name, stageSecs(s[StageDownload]), stageSecs(s[StageDecode]),
			stageSecs(s[results.StageSHA256Blob] + s[results.StageSHA256Tar]), stageSecs(s[results.StageWriteBlob] + s[results.StageWriteTar]),
			stageSecs(s[results.StageFsyncBlob] + s[results.StageFsyncTar] + s[results.StageSyncSmall]), stageSecs(s[results.StageUntar]), stageSecs(s[StageCopyParents]),
			strings.Join(phases, ", ")})
		var at []string
		for _, bw := range bws {
			at = append(at, secs(byKey[[2]string{pu.Name, bw}].WorkS)+" at "+bw)
		}
		line := fmt.Sprintf("%s (%s): gzip as published %s", pu.Tool, first.Decoder, strings.Join(at, ", "))
		if b, ok := best[[2]string{pu.Name, bws[len(bws)-1]}]; ok && b.VsPublished > 0 {
			line += fmt.Sprintf("; at %s, %s pulls in %s (%s)", bws[len(bws)-1], b.Setting, secs(b.WorkS), change(b.VsPublished))
		}
		a.Answer = append(a.Answer, line+".")
		if pu.Left != "" {
			a.Notes = append(a.Notes, pu.Name+" leaves out "+pu.Left+".")
		}
	}
	steps := Table{Caption: "Each tool's steps, from its source", Header: []string{"tool", "phase", "layers", "before", "stream (threads)", "after", "source"}}
	for _, pu := range Pullers {
		for i, ph := range pu.Phases {
			var ths []string
			for _, th := range ph.Threads {
				ths = append(ths, strings.Join(th, "+"))
			}
			how := "one after another"
			if ph.Concurrent {
				how = "at once"
			}
			src := ""
			if i == 0 {
				src = pu.Source
			}
			steps.Rows = append(steps.Rows, []string{pu.Name, ph.Name, how, stageList(ph.Before), strings.Join(ths, " | "), stageList(ph.After), src})
		}
	}
	work := Table{Caption: "Client work per layer (zbench clientwork)", Header: []string{"layer", "tar", "entries", "sha256 blob", "sha256 tar", "write tar", "fsync tar", "untar", "copy"}}
	for _, w := range cp.Work {
		work.Rows = append(work.Rows, []string{w.Layer, mb(w.TarBytes), itoa(int64(w.Entries)), secs(w.SHA256BlobS), secs(w.SHA256TarS),
			secs(w.WriteTarS), secs(w.FsyncTarS), secs(w.UntarS), secs(w.CopyS)})
	}
	a.Tables = []Table{t, st, steps, work}
	if len(best) > 0 {
		rt := Table{Caption: "The fastest recompression to pull through each tool (the client's decoder of its format), and its change against gzip as published, fixed cost left out",
			Header: append([]string{"tool"}, bws...)}
		for _, pu := range Pullers {
			row := []string{pu.Tool}
			any := false
			for _, bw := range bws {
				b, ok := best[[2]string{pu.Name, bw}]
				if !ok {
					row = append(row, "")
					continue
				}
				any = true
				cell := fmt.Sprintf("%s (%s): %s", b.Setting, b.Decoder, secs(b.WorkS))
				if b.VsPublished > 0 {
					cell += " (" + change(b.VsPublished) + ")"
				}
				row = append(row, cell)
			}
			if any {
				rt.Rows = append(rt.Rows, row)
			}
		}
		a.Tables = slices.Insert(a.Tables, 1, rt)
	}
	if len(cp.Excluded) > 0 {
		a.Notes = append(a.Notes, "Recompressions left out, some layer lacking a decode by a client's decoder: "+strings.Join(cp.Excluded, ", ")+".")
	}
	if len(a.Answer) == 0 {
		a.Empty = true
		a.Answer = []string{"No tool could be modelled: see the notes."}
	}
	a.Method = cp.Method
	return a
}
