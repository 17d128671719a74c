package evidence

import (
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"zbench/lazy/lazydoc"
	"zbench/results"
)

// Sources name the files the evidence reads beside the runs: a
// determinism matrix, a lazy-pull analysis (zbench lazy), measured pulls
// (scripts/pull.sh) and client work (zbench clientwork). An empty path is
// looked for in the run directories ([Sources.Find]).
type Sources struct {
	Determinism, Lazy, Pulls, ClientWork string
}

// Find returns s with each empty path set to that file in the first run
// directory that has one: RUNDIR/determinism.json, RUNDIR/lazy.json,
// RUNDIR/pulls.json, RUNDIR/clientwork.json. A path still empty has no
// file.
func (s Sources) Find(runs []Run) Sources {
	find := func(path *string, name string) {
		if *path != "" {
			return
		}
		for _, r := range runs {
			p := filepath.Join(r.Path, name)
			if _, err := os.Stat(p); err == nil {
				*path = p
				return
			}
		}
	}
	find(&s.Determinism, results.DeterminismFile)
	find(&s.Lazy, lazydoc.File)
	find(&s.Pulls, results.PullsFile)
	find(&s.ClientWork, results.ClientWorkFile)
	return s
}

// FromRunsWith computes the evidence from runs already read, with the
// files of src (each found in the run directories when empty, see
// [Sources.Find]): the determinism matrix, and the lazy-pull analysis and
// the measured pulls, which add their answers.
func FromRunsWith(runs []Run, src Sources, p Params) (*Evidence, error) {
	src = src.Find(runs)
	var m *results.DeterminismMatrix
	if src.Determinism != "" {
		var err error
		if m, err = results.ReadDeterminism(src.Determinism); err != nil {
			return nil, err
		}
	}
	lz, pulls, err := src.Read()
	if err != nil {
		return nil, err
	}
	e, err := Compute(runs, m, p)
	if err != nil {
		return nil, err
	}
	if e.Determinism != nil {
		e.Determinism.Source = src.Determinism
	}
	if lz != nil {
		e.Lazy, e.LazySource = lz, src.Lazy
	}
	if pulls != nil {
		e.MeasuredPulls, e.PullsSource = pulls, src.Pulls
	}
	if src.ClientWork != "" {
		w, err := results.ReadClientWork(src.ClientWork)
		if err != nil {
			return nil, err
		}
		if len(p.Clients) > 0 {
			e.Pipelines = pipelines(e.d, w, p.Clients, e.Params)
			e.Pipelines.Source = src.ClientWork
		}
	}
	return e, nil
}

// Read reads the lazy-pull analysis and the measured pulls of s (nil
// where s names no file), through [lazydoc.Read] and
// [results.ReadPulls].
func (s Sources) Read() (*lazydoc.Document, *results.Pulls, error) {
	var d *lazydoc.Document
	var p *results.Pulls
	var err error
	if s.Lazy != "" {
		if d, err = lazydoc.Read(s.Lazy); err != nil {
			return nil, nil, err
		}
	}
	if s.Pulls != "" {
		if p, err = results.ReadPulls(s.Pulls); err != nil {
			return nil, nil, err
		}
	}
	return d, p, nil
}

// Answer IDs of the lazy-pull formats and of the measured pulls.
const (
	LazyAnswerID  = "lazy-pull"
	PullsAnswerID = "measured-pulls"
)

// MissLimit is how far, in percent, a measured pull may be from the model
// before the model is called wrong (issue 13: fix the model, not the
// numbers).
const MissLimit = 15.0

// LazyAnswer answers from a lazy-pull analysis: what eStargz and
// zstd:chunked add to each layer against the plain encoder, what a client
// fetches to update from one version to the next and to read the chosen
// files first, with the libraries' versions.
func LazyAnswer(d *lazydoc.Document) Answer {
	a := Answer{ID: LazyAnswerID,
		Question: "What do the lazy-pull formats (eStargz, zstd:chunked) add to a layer against plain gzip and zstd, and what do they save a client on an update?"}
	var formats []string
	for _, o := range d.Overheads {
		if !slices.Contains(a.Layers, o.Layer) {
			a.Layers = append(a.Layers, o.Layer)
		}
		if !slices.Contains(formats, o.Format) {
			formats = append(formats, o.Format)
		}
	}
	for _, f := range formats {
		var bytes, plain int64
		lo, hi := math.Inf(1), math.Inf(-1)
		var meta int64
		var desc string
		for _, o := range d.Overheads {
			if o.Format != f {
				continue
			}
			bytes, plain, meta = bytes+o.Bytes, plain+o.PlainBytes, meta+o.TOC+o.Footer+o.TarSplit
			lo, hi = math.Min(lo, o.Ratio()), math.Max(hi, o.Ratio())
			desc = o.Format + "/" + o.Level + " against " + o.Plain
		}
		s := fmt.Sprintf("%s: %s over the layers (%s against %s; per layer %s to %s), of which TOC, footer and tar-split %s.",
			desc, change(float64(bytes)/float64(plain)), mb(bytes), mb(plain), change(lo), change(hi), mb(meta))
		a.Figures = append(a.Figures, fig(f+" size vs plain", (float64(bytes)/float64(plain)-1)*100, "%", change(float64(bytes)/float64(plain))))
		var n int
		var fetched, blob int64
		slo, shi := math.Inf(1), math.Inf(-1)
		for _, u := range d.Updates {
			if u.Format != f {
				continue
			}
			n++
			fetched, blob = fetched+u.Total(), blob+u.Blob
			slo, shi = math.Min(slo, u.Saved()), math.Max(shi, u.Saved())
		}
		if n > 0 {
			saved := 1 - float64(fetched)/float64(blob)
			s += fmt.Sprintf(" Over %d update(s) a client fetches %s of %s (saves %s; per update %s to %s).",
				n, mb(fetched), mb(blob), pct(saved*100), pct(slo*100), pct(shi*100))
			a.Figures = append(a.Figures, fig(f+" saved per update", saved*100, "%", pct(saved*100)))
		}
		a.Answer = append(a.Answer, s)
	}
	if len(d.Updates) == 0 {
		a.Notes = append(a.Notes, "One layer only: no update to compute; give zbench lazy versions of one layer, oldest first.")
	}
	libs := Libraries(d)
	if libs != "" {
		a.Answer = append(a.Answer, "Libraries: "+libs+".")
	}

	over := Table{Caption: "Size against the plain encoder (the same implementation at the same level), per layer; bytes are exact",
		Header: []string{"layer", "format", "plain", "tar", "plain bytes", "format bytes", "overhead", "TOC", "footer", "tar-split", "files", "chunks", "frames"}}
	for _, o := range d.Overheads {
		over.Rows = append(over.Rows, []string{o.Layer, o.Format + "/" + o.Level, o.Plain, mb(o.Raw), itoa(o.PlainBytes), itoa(o.Bytes),
			change(o.Ratio()), itoa(o.TOC), itoa(o.Footer), itoa(o.TarSplit), strconv.Itoa(o.Files), strconv.Itoa(o.Chunks), strconv.Itoa(o.Frames)})
	}
	a.Tables = append(a.Tables, over)
	if len(d.Updates) > 0 {
		t := Table{Caption: "Bytes fetched per update, from each layer to the next: footer, TOC and tar-split, then the chunks the old layer lacks, against the whole new blob",
			Header: []string{"from → to", "format", "new blob", "metadata", "chunks fetched", "chunk bytes", "ranges", "fetched", "of the blob", "saved"}}
		for _, u := range d.Updates {
			t.Rows = append(t.Rows, []string{u.From + " → " + u.To, u.Format, itoa(u.Blob), itoa(u.Meta),
				fmt.Sprintf("%d of %d", u.Fetched, u.Chunks), itoa(u.ChunkBytes), strconv.Itoa(u.Ranges), itoa(u.Total()),
				pct(100 * float64(u.Total()) / float64(u.Blob)), pct(100 * u.Saved())})
		}
		a.Tables = append(a.Tables, t)
	}
	if len(d.FilesFirst) > 0 {
		t := Table{Caption: "Files first: what a client fetches to read the chosen files before the rest (metadata, then the frames holding them)",
			Header: []string{"layer", "format", "files", "file bytes", "fetched", "ranges", "of the blob"}}
		for _, f := range d.FilesFirst {
			names := strings.Join(f.Files, ", ")
			if len(f.Missing) > 0 {
				names += " (missing: " + strings.Join(f.Missing, ", ") + ")"
			}
			if len(f.NotPrioritized) > 0 {
				names += fmt.Sprintf(" (%d not prioritized: the library missed them)", len(f.NotPrioritized))
			}
			of := "-"
			if f.Blob > 0 {
				of = pct(100 * float64(f.Total()) / float64(f.Blob))
			}
			t.Rows = append(t.Rows, []string{f.Layer, f.Format, names, itoa(f.FileBytes), itoa(f.Total()), strconv.Itoa(f.Ranges), of})
		}
		a.Tables = append(a.Tables, t)
	}
	if len(d.Costs) > 0 {
		t := Table{Caption: "Encode cost against plain (medians of a zbench run's samples)",
			Header: []string{"layer", "format", "plain", "MB/s", "plain MB/s", "× plain", "CPU s/GB", "plain CPU s/GB", "× plain"}}
		for _, c := range d.Costs {
			t.Rows = append(t.Rows, []string{c.Layer, c.Format, c.Plain, sig(c.MBps, 3), sig(c.PlainMBps, 3), ratio(c.MBps, c.PlainMBps),
				sig(c.CPUPerGB, 3), sig(c.PlainCPUPerGB, 3), ratio(c.CPUPerGB, c.PlainCPUPerGB)})
		}
		a.Tables = append(a.Tables, t)
	}
	a.Method = "zbench lazy writes each layer in each format and with its plain encoder (eStargz against gzip-std at the same level, " +
		"zstd:chunked against zstd-klauspost at the level containers/storage selects), checks every chunk against its digest, and " +
		"computes from the tables of contents, not timed and not over a network: the bytes against plain, the TOC, footer and tar-split " +
		"bytes; for an update, the new version's footer, TOC and tar-split plus every chunk whose digest the old version lacks (chunks of " +
		"zeros are never fetched), each frame once, against the whole new blob; for files first, the metadata and the frames holding the " +
		"files (the largest executables unless listed; \"-prio\" formats are eStargz with those files prioritized)."
	if len(d.Costs) > 0 {
		a.Method += " Encode costs are the medians of a zbench run's encode cells of each format and of its plain encoder."
	}
	if libs != "" {
		a.Method += " Libraries: " + libs + "."
	}
	return a
}

// Libraries names the modules of a lazy-pull analysis with their versions,
// sorted: "github.com/containerd/stargz-snapshotter/estargz v0.16.3, ...".
func Libraries(d *lazydoc.Document) string {
	var vs []string
	for p, v := range d.Versions {
		vs = append(vs, p+" "+v)
	}
	sort.Strings(vs)
	return strings.Join(vs, ", ")
}

// PullsAnswer answers from measured pulls: each client's median wall time
// against zbench's model of the same client, layers and rate, and how far
// it misses.
func PullsAnswer(p *results.Pulls) Answer {
	a := Answer{ID: PullsAnswerID, Layers: p.Layers,
		Question: "Does zbench's pull-time model hold for a pull measured through real clients behind a bandwidth-limiting proxy?"}
	var clients []string
	for _, t := range p.Pulls {
		if !slices.Contains(clients, t.Client) {
			clients = append(clients, t.Client)
		}
	}
	var over []string
	for _, c := range clients {
		lo, hi := math.Inf(1), math.Inf(-1)
		clo, chi := math.Inf(1), math.Inf(-1)
		var n int
		var prof, model string
		for _, t := range p.Pulls {
			if t.Client != c {
				continue
			}
			n++
			prof, model = t.Profile, t.Model
			lo, hi = math.Min(lo, t.MissPct()), math.Max(hi, t.MissPct())
			if t.CPUS > 0 && t.ModelCPUS > 0 {
				r := t.CPUS / t.ModelCPUS
				clo, chi = math.Min(clo, r), math.Max(chi, r)
			}
			if math.Abs(t.MissPct()) > MissLimit {
				over = append(over, fmt.Sprintf("%s, %s at %s (%s)", t.Client, t.FormatName(), t.Rate, signedPct(t.MissPct())))
			}
		}
		s := fmt.Sprintf("%s (profile %s, %s model): measured against modelled %s", c, prof, model, signedPct(lo))
		if n > 1 {
			s += " to " + signedPct(hi) + fmt.Sprintf(" over %d rates", n)
		}
		if clo <= chi {
			s += "; its processes used " + sig(clo, 2) + "×"
			if chi-clo >= 0.05 {
				s += " to " + sig(chi, 2) + "×"
			}
			s += " the CPU time of the model's stages"
		}
		a.Answer = append(a.Answer, s+".")
		a.Figures = append(a.Figures, fig(c+" worst miss", worst(lo, hi), "%", signedPct(worst(lo, hi))))
		if sv := savings(p, c); sv != "" {
			a.Answer = append(a.Answer, sv)
		}
	}
	if len(over) > 0 {
		a.Notes = append(a.Notes, fmt.Sprintf("%d pull(s) miss the model by more than %.0f%%: %s. The model is what needs fixing "+
			"(what the client does serially: digest, untar, fsync), not the numbers: see where the modelled work goes, "+
			"and the CPU the client spent beyond it.", len(over), MissLimit, strings.Join(over, ", ")))
	} else {
		a.Answer = append(a.Answer, fmt.Sprintf("Every pull is within %.0f%% of its model.", MissLimit))
	}
	t := Table{Caption: "Measured pull (median wall time) against zbench's model, gzip as published",
		Header: []string{"client", "format", "profile", "rate", "decoder", "pulls", "measured", "model", "fixed", "work", "modelled", "miss", "CPU", "modelled CPU"}}
	pipeline := false
	for _, x := range p.Pulls {
		fixed, work, cpu, mcpu := "", "", "", ""
		if x.Model == results.ModelPipeline {
			pipeline = true
			fixed, work = secs(x.FixedS), secs(x.WorkS)
		}
		if x.CPUS > 0 {
			cpu = secs(x.CPUS)
		}
		if x.ModelCPUS > 0 {
			mcpu = secs(x.ModelCPUS)
		}
		t.Rows = append(t.Rows, []string{x.Client, x.FormatName(), x.Profile, x.Rate, x.Decoder, strconv.Itoa(x.Reps), secs(x.MedianS), x.Model, fixed, work,
			secs(x.ModelS), signedPct(x.MissPct()), cpu, mcpu})
	}
	a.Tables = append(a.Tables, t)
	if pipeline {
		st := Table{Caption: "Where the modelled work goes: each stage summed over the layers (stages of one stream overlap), and each phase",
			Header: []string{"client", "format", "rate", "download", "decode", "sha256", "write", "fsync (and small synced writes)", "untar", "copy parents", "phases"}}
		for _, x := range p.Pulls {
			if x.Model != results.ModelPipeline {
				continue
			}
			s := x.Stages
			var phases []string
			for _, name := range slices.Sorted(maps.Keys(x.Phases)) {
				phases = append(phases, name+" "+secs(x.Phases[name]))
			}
			st.Rows = append(st.Rows, []string{x.Client, x.FormatName(), x.Rate, stageSecs(s[StageDownload]), stageSecs(s[StageDecode]),
				stageSecs(s[results.StageSHA256Blob] + s[results.StageSHA256Tar]), stageSecs(s[results.StageWriteBlob] + s[results.StageWriteTar]),
				stageSecs(s[results.StageFsyncBlob] + s[results.StageFsyncTar] + s[results.StageSyncSmall]), stageSecs(s[results.StageUntar]), stageSecs(s[StageCopyParents]),
				strings.Join(phases, ", ")})
		}
		a.Tables = append(a.Tables, st)
	}
	zstd := ""
	if p.ZstdBytes > 0 {
		zstd = fmt.Sprintf(", and the same image recompressed to zstd by skopeo at level 3 (%s; modelled as zstd-klauspost default, "+
			"decoded by the client's zstd decoder)", mb(p.ZstdBytes))
	}
	a.Method = fmt.Sprintf("scripts/pull.sh pushes an image of %d gzip layer(s) (%s)%s to a local registry and pulls it through each client "+
		"behind a bandwidth-limiting proxy (rate none: straight from the registry), each pull into an empty destination; the measured "+
		"time is the median wall time of the pulls. Model pipeline: the tool's fixed cost (the median pull of an image of one small layer, "+
		"measured apart) plus the tool's pull composed from its steps as its source takes them (zbench evidence, client_pipelines): "+
		"download at the rate, the client's gzip decoder at the run's decode-original throughput, and the hashing, writing, syncing, "+
		"unpacking and copying measured by zbench clientwork on the same layers. CPU is the median CPU time of a pull, all the client's "+
		"processes counted (containerd's daemon and its unpigz for ctr), against the CPU the model's stages take: the difference is "+
		"work of the client the stages do not hold. Models overlapped and sequential (older files) are "+
		"download and decode alone, at once or one after the other. Miss is measured over modelled, minus one.",
		len(p.Layers), mb(p.GzipBytes), zstd)
	return a
}

// savings says, for client c, what pulling the zstd image saved against
// the gzip one at each rate both were pulled at, measured and modelled;
// "" when only one format was pulled.
func savings(p *results.Pulls, c string) string {
	gz := map[string]results.PullTime{}
	for _, t := range p.Pulls {
		if t.Client == c && t.FormatName() == "gzip" {
			gz[t.Rate] = t
		}
	}
	var parts []string
	for _, t := range p.Pulls {
		g, ok := gz[t.Rate]
		if t.Client != c || t.FormatName() != "zstd" || !ok || g.MedianS <= 0 || g.ModelS <= 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s at %s (modelled %s)", change(t.MedianS/g.MedianS), t.Rate, change(t.ModelS/g.ModelS)))
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("%s: the zstd image against gzip as published, measured: %s.", c, strings.Join(parts, ", "))
}

// itoa is n with its thousands grouped: "2,802,758". Bytes in the
// lazy-pull tables are exact.
func itoa(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// ratio is a/b to two decimals, or "-" when b is zero.
func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return strconv.FormatFloat(a/b, 'f', 2, 64)
}

// signedPct is "+12.3%" or "−4.5%".
func signedPct(v float64) string { return change(1 + v/100) }

// worst is whichever of lo and hi is further from zero.
func worst(lo, hi float64) float64 {
	if math.Abs(lo) > math.Abs(hi) {
		return lo
	}
	return hi
}
