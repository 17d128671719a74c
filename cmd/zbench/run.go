package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"zbench/bench"
	"zbench/bench/codecs"
	"zbench/corpus"
	"zbench/results"
)

// commit is the zbench commit, set with -ldflags "-X main.commit=…" where the
// build info carries none.
var commit string

const runAbout = `Measures every selected codec and level on each layer of the SOURCEs: the
blob as published is decoded by each decoder of its format (decode-original),
the raw tar is encoded at each level (encode), and each output is decoded by
every decoder of its format (decode). A memcpy of the raw tar is the ceiling.
Every decode is verified against the layer's diffID outside the clock.

SOURCE is a layer blob file (tar, gzip, zstd or xz, found by magic bytes), a
directory of them, "builtin" (a layer made from the Go installation), a
registry image (python:3.12, docker://ghcr.io/o/r:tag, …@sha256:…), an
oci:DIR[:REF] layout, a docker-archive:FILE, or a corpus list (@FILE,
@default, @quick). Images are pulled into the cache first (see 'zbench
fetch'); a layer shared by several images is measured once. With no SOURCE,
run measures @default, the pinned corpus of official images, or builtin when
no registry can be reached. Each finished cell is written at once to DIR/results.txt (Go
benchmark format, for benchstat) and DIR/samples.jsonl (every sample);
DIR/env.json holds the environment.`

type runFlags struct {
	out       string
	resume    bool
	profile   string
	codecs    string
	levels    string
	ops       string
	count     int
	rounds    int
	minTime   time.Duration
	minSample time.Duration
	maxBytes  byteSize
	writeSize byteSize
	first     time.Duration
	progress  string
	src       sourceFlags
	shard     string
}

func registerRunFlags(fs *flag.FlagSet, f *runFlags) {
	f.maxBytes = 2 << 30
	fs.StringVar(&f.out, "o", "", "run `directory` (default out/run-YYYYMMDD-HHMMSS)")
	fs.BoolVar(&f.resume, "resume", false, "finish an interrupted run in -o, skipping finished cells")
	f.writeSize = results.DefaultWrite
	fs.StringVar(&f.profile, "profile", bench.ProfileQuick, "level set: quick (gzip-std, gzip-klauspost, pgzip 6; zstd-klauspost fastest,default,best; zstd-cgo 1,3 and its buffer API at 3), full (every level, every API), "+
		"or reference (quick plus the reference programs zstd-cli, gzip-cli, pigz-cli, igzip-cli, libdeflate-cli, which otherwise run only when -codecs names them)")
	fs.StringVar(&f.codecs, "codecs", "", "comma-separated `codecs` to measure, NAME:buffer for a whole-buffer API, e.g. zstd-cgo,zstd-cgo:buffer (default all but the reference programs; see 'zbench codecs')")
	fs.StringVar(&f.levels, "levels", "", "per-codec `levels` overriding the profile, e.g. 'gzip-std=1,6,9 zstd-cgo=1-19 zstd-klauspost=fastest,default'")
	fs.StringVar(&f.ops, "ops", "", "comma-separated `operations`: encode,decode,decode-original (memcpy always runs; default all)")
	fs.IntVar(&f.count, "count", 6, "least number of samples per cell (use 10 or more to compare runs)")
	fs.IntVar(&f.rounds, "rounds", 5, "visit each layer's cells this many times in turn (at most -count), each visit taking its share of the samples, "+
		"so that a machine whose speed drifts moves every cell alike; 1 measures each cell in one go")
	fs.DurationVar(&f.minTime, "min-time", 200*time.Millisecond, "least total timed duration per cell")
	fs.DurationVar(&f.minSample, "min-sample", 20*time.Millisecond, "least duration of one sample (whole passes are repeated to reach it)")
	fs.Var(&f.writeSize, "write-size", "size of the writes a streaming encoder is fed, as io.Copy feeds it (default 32KiB)")
	fs.DurationVar(&f.first, "first-sample", 100*time.Millisecond, "a cell's first pass lasting at least this is its first sample instead of an untimed warm-up (0: always warm up)")
	fs.Var(&f.maxBytes, "max-layer-bytes", "largest blob or raw tar to load, e.g. 512MiB or 4GiB; larger layers (and decompression bombs) fail (default 2GiB)")
	fs.StringVar(&f.shard, "shard", "", "measure one part of the matrix, `i/n` with 0 <= i < n (by layer and encoder setting); join the parts with zbench merge")
	fs.StringVar(&f.progress, "progress", "auto", "progress on stderr: auto (a bar on a terminal, a line per cell otherwise), bar, plain or none")
	registerSourceFlags(fs, &f.src)
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f runFlags
	fs := newFlagSet("run", "[flags] [SOURCE...]", runAbout, stderr)
	registerRunFlags(fs, &f)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if f.count < 1 {
		fmt.Fprintln(stderr, "zbench run: -count must be at least 1")
		return errUsage
	}
	if f.rounds < 1 {
		fmt.Fprintln(stderr, "zbench run: -rounds must be at least 1")
		return errUsage
	}
	f.rounds = min(f.rounds, f.count)
	if f.resume && f.out == "" {
		fmt.Fprintln(stderr, "zbench run: -resume needs -o naming the run directory to finish")
		return errUsage
	}
	if f.out == "" {
		f.out = filepath.Join("out", "run-"+time.Now().UTC().Format("20060102-150405"))
	}

	all := codecs.All()
	plan, err := bench.NewPlan(all, bench.Selection{
		Profile: f.profile, Quick: codecs.Quick(), OptIn: codecs.OptIn(), Codecs: f.codecs, Levels: f.levels, Ops: f.ops,
		WriteSize: int(f.writeSize),
	})
	if err != nil {
		fmt.Fprintf(stderr, "zbench run: %s\n", selectionError(err))
		return errUsage
	}
	if plan.Shard, err = bench.ParseShard(f.shard); err != nil {
		fmt.Fprintf(stderr, "zbench run: -%v\n", err)
		return errUsage
	}

	res, err := f.src.resolver(stderr, f.progress, false)
	if err != nil {
		fmt.Fprintf(stderr, "zbench run: %v\n", err)
		return errUsage
	}
	srcArgs, srcs, err := defaultSources(ctx, res, fs.Args(), stderr)
	if err != nil {
		return err
	}
	entries, images, err := res.Resolve(ctx, srcs) // fetches what is not cached
	if err != nil {
		return interrupted(ctx, err)
	}
	if len(entries) == 0 {
		return fmt.Errorf("no layers in %s", strings.Join(srcArgs, " "))
	}

	env := results.CollectEnv()
	if commit != "" {
		env.Commit = commit
	}
	env.Extra = map[string]string{
		"libzstd":         codecs.LibzstdVersion(),
		"sources":         strings.Join(srcArgs, " "),
		"profile":         f.profile,
		"count":           strconv.Itoa(f.count),
		"rounds":          strconv.Itoa(f.rounds),
		"min-time":        f.minTime.String(),
		"min-sample":      f.minSample.String(),
		"first-sample":    f.first.String(),
		"write-size":      strconv.FormatInt(int64(f.writeSize), 10),
		"max-layer-bytes": strconv.FormatInt(int64(f.maxBytes), 10),
		"corpus":          corpus.CorpusName(srcArgs),
		"corpus-digest":   corpus.Identity(entries),
		"platform":        f.src.platform,
	}
	env.Images = runImages(images)
	if f.codecs != "" {
		env.Extra["codecs"] = f.codecs
	}
	// The reference programs' versions are not in the build info.
	for _, c := range plan.Decoders {
		if x, ok := c.(codecs.External); ok {
			env.Extra["program-"+c.Name()] = x.Program() + " " + x.Version()
		}
	}
	if f.levels != "" {
		env.Extra["levels"] = f.levels
	}
	if f.ops != "" {
		env.Extra["ops"] = f.ops
	}
	if s := plan.Shard.String(); s != "" {
		env.Extra[results.ExtraShard] = s
	}
	rd, err := results.Create(f.out, env, f.resume)
	if err != nil {
		return err
	}
	defer rd.Close()
	for _, w := range rd.Warnings() {
		fmt.Fprintf(stderr, "zbench run: warning: %v\n", w)
	}

	fmt.Fprintf(stderr, "zbench run: %d layer(s), %d encoder setting(s), %d decoder(s); writing %s\n",
		len(entries), len(plan.Encoders), len(plan.Decoders), f.out)
	prog := newProgress(stderr, f.progress, f.rounds)
	for _, e := range entries {
		prog.addCells(len(plan.CellsFor(e.Name, corpus.FormatGzip)))
	}

	var failed []string
	runner := &bench.Runner{
		Opts: bench.Options{Count: f.count, Rounds: f.rounds, MinTime: f.minTime, MinSample: f.minSample, FirstSample: f.first},
		Plan: plan,
		Skip: rd.Done,
		Emit: func(recs []results.Record) error {
			for _, r := range recs {
				if r.Err != "" {
					failed = append(failed, fmt.Sprintf("%s: %s", r.Key(), r.Err))
					break
				}
			}
			return rd.WriteCell(recs)
		},
		Progress: prog.event,
	}
	start := time.Now()
	var runErr error
	for _, e := range entries {
		loadKey := results.Record{Op: results.OpLoad, Layer: e.Name}.Key()
		if rd.Done(loadKey) {
			prog.addCells(-len(plan.CellsFor(e.Name, corpus.FormatGzip)))
			prog.note(fmt.Sprintf("layer %s: failed to load in the earlier run; skipped", e.Name))
			continue
		}
		l, err := corpus.Load(ctx, e, corpus.LoadOptions{MaxBytes: int64(f.maxBytes)})
		if err != nil {
			if ctx.Err() != nil {
				runErr = ctx.Err()
				break
			}
			prog.addCells(-len(plan.CellsFor(e.Name, corpus.FormatGzip)))
			if e.FromImage && errors.Is(err, corpus.ErrEmptyLayer) {
				prog.note(fmt.Sprintf("layer %s: empty, nothing to measure; skipped", e.Name))
				if runErr = rd.MarkEmptyLayer(e.Name); runErr != nil {
					break
				}
				continue
			}
			prog.fail(err.Error())
			failed = append(failed, err.Error())
			rec := results.Record{Op: results.OpLoad, Layer: e.Name, Err: err.Error()}
			if werr := rd.WriteCell([]results.Record{rec}); werr != nil {
				runErr = werr
				break
			}
			continue
		}
		prog.addCells(len(plan.CellsFor(e.Name, l.Format)) - len(plan.CellsFor(e.Name, corpus.FormatGzip)))
		prog.note(fmt.Sprintf("layer %s: %s, %s blob, %s tar (%s)", e.Name, l.Format,
			fmtBytes(int64(len(l.Blob))), fmtBytes(int64(len(l.Raw))), e.Origin))
		in := bench.Input{
			Name: e.Name, Digest: l.Digest.String(), DiffID: l.DiffID.String(),
			Format: l.Format, Blob: l.Blob, Raw: l.Raw,
		}
		runErr = runner.Run(ctx, in)
		// Hold one layer at a time: give this one's memory back before
		// the next is loaded.
		l, in = nil, bench.Input{}
		runtime.GC()
		debug.FreeOSMemory()
		if runErr != nil {
			break
		}
	}
	prog.finish()
	if err := rd.Close(); err != nil && runErr == nil {
		runErr = err
	}

	elapsed := time.Since(start).Round(time.Second)
	fmt.Fprintf(stderr, "zbench run: %d cell(s) measured, %d failed, in %v; peak RSS %s; results in %s\n",
		prog.finished, len(failed), elapsed, fmtBytes(bench.PeakRSS()), f.out)
	if errors.Is(runErr, context.Canceled) {
		return &exitError{130, fmt.Errorf("interrupted; finished cells are in %s; finish with: zbench run -resume -o %s %s",
			f.out, f.out, strings.Join(srcArgs, " "))}
	}
	if runErr != nil {
		return runErr
	}
	if len(failed) > 0 {
		return &exitError{1, fmt.Errorf("%d failure(s):\n  %s", len(failed), strings.Join(failed, "\n  "))}
	}
	return nil
}

// runImages is what env.json records of the images: each layer by the
// name it is measured as.
func runImages(images []*corpus.Image) []results.Image {
	var out []results.Image
	for _, img := range images {
		ri := results.Image{Ref: img.Ref, Name: img.Name, Platform: img.Platform}
		if img.Err != nil {
			ri.Err = img.Err.Error()
		}
		for _, l := range img.Layers {
			rl := results.ImageLayer{Layer: l.Entry, Size: l.Size, Skip: l.Skip}
			if l.Digest != (v1.Hash{}) {
				rl.Digest = l.Digest.String()
			}
			ri.Layers = append(ri.Layers, rl)
		}
		out = append(out, ri)
	}
	return out
}

// byteSize is a flag holding a size in bytes, written as 1048576, 512MiB,
// 2GiB or 1GB.
type byteSize int64

func (b *byteSize) String() string { return strconv.FormatInt(int64(*b), 10) }

func (b *byteSize) Set(s string) error {
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || n <= 0 {
		return fmt.Errorf("want a positive size such as 512MiB or 4GiB")
	}
	*b = byteSize(n * float64(mult))
	return nil
}

var _ flag.Value = (*byteSize)(nil)

// fmtBytes formats n bytes for people, in MB (10^6 bytes) past a megabyte.
func fmtBytes(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}
