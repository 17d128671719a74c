package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
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
	fs.Var(&f.writeSize, "write-size", "size of the writes a streaming encoder is fed, as io.Copy feeds it, e.g. 4KiB or 1MiB")
	fs.DurationVar(&f.first, "first-sample", 100*time.Millisecond, "a cell's first pass lasting at least this is its first sample instead of an untimed warm-up (0: always warm up)")
	fs.Var(&f.maxBytes, "max-layer-bytes", "largest blob or raw tar to load, e.g. 512MiB or 4GiB; larger layers (and decompression bombs) fail")
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
	if err := f.check(stderr); err != nil {
		return err
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

	f.src.maxBlob = int64(f.maxBytes)
	res, err := f.src.resolver(stderr, f.progress, false)
	if err != nil {
		fmt.Fprintf(stderr, "zbench run: %v\n", err)
		return errUsage
	}
	set, err := openSet(ctx, res, fs.Args(), stderr) // fetches what is not cached
	if err != nil {
		return err
	}
	srcArgs := set.Args
	rd, err := results.Create(f.out, runEnv(f, set, plan), f.resume)
	if errors.Is(err, results.ErrRunExists) {
		return fmt.Errorf("%w; finish it with -resume, or write this run to another -o", err)
	}
	if err != nil {
		return err
	}
	defer rd.Close()
	for _, w := range rd.Warnings() {
		var changed *results.EnvChangedError
		if errors.As(w, &changed) {
			w = fmt.Errorf("%w; to keep them apart, start a new run with another -o", w)
		}
		fmt.Fprintf(stderr, "zbench run: warning: %s\n", sanitize(w.Error()))
	}

	fmt.Fprintf(stderr, "zbench run: %d layer(s), %d encoder setting(s), %d decoder(s); writing %s\n",
		len(set.Entries), len(plan.Encoders), len(plan.Decoders), f.out)
	prog := newProgress(stderr, f.progress, f.rounds)
	for _, e := range set.Entries {
		prog.addCells(len(plan.CellsFor(e.Name, corpus.FormatGzip)))
	}
	start := time.Now()
	failed, runErr := measure(ctx, set, plan, rd, prog, f)
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

// check checks the flags, printing what is wrong, and fills in the
// defaults that depend on others.
func (f *runFlags) check(stderr io.Writer) error {
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
	return nil
}

// runEnv is the environment of a run: the machine and build, the flags,
// the corpus and its images.
func runEnv(f runFlags, set *corpus.Set, plan bench.Plan) results.Env {
	env := results.CollectEnv()
	if commit != "" {
		env.Commit = commit
	}
	env.Extra = map[string]string{
		results.ExtraLibzstd:       codecs.LibzstdVersion(),
		results.ExtraSources:       strings.Join(set.Args, " "),
		results.ExtraProfile:       f.profile,
		results.ExtraCount:         strconv.Itoa(f.count),
		results.ExtraRounds:        strconv.Itoa(f.rounds),
		results.ExtraMinTime:       f.minTime.String(),
		results.ExtraMinSample:     f.minSample.String(),
		results.ExtraFirstSample:   f.first.String(),
		results.ExtraWriteSize:     strconv.FormatInt(int64(f.writeSize), 10),
		results.ExtraMaxLayerBytes: strconv.FormatInt(int64(f.maxBytes), 10),
		results.ExtraCorpus:        set.Name(),
		results.ExtraCorpusDigest:  set.Identity(),
		results.ExtraPlatform:      f.src.platform,
	}
	env.Images = runImages(set.Images)
	if f.codecs != "" {
		env.Extra[results.ExtraCodecs] = f.codecs
	}
	// The reference programs' versions are not in the build info.
	for _, c := range plan.Decoders {
		if x, ok := c.(codecs.External); ok {
			env.Extra[results.ExtraProgramPrefix+c.Name()] = x.Program() + " " + x.Version()
		}
	}
	if f.levels != "" {
		env.Extra[results.ExtraLevels] = f.levels
	}
	if f.ops != "" {
		env.Extra[results.ExtraOps] = f.ops
	}
	if s := plan.Shard.String(); s != "" {
		env.Extra[results.ExtraShard] = s
	}
	return env
}

// measure walks the layers of set and measures each with plan, writing
// every cell to rd: a layer that fails to load is reported and recorded, an
// empty image layer is marked, and a layer that failed in the run being
// resumed is skipped. It returns the failures, and the error that stopped
// the run (an interrupt, or a write to rd that failed).
func measure(ctx context.Context, set *corpus.Set, plan bench.Plan, rd *results.RunDir, prog *progress, f runFlags) (failed []string, err error) {
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
	walk := set.Walk(ctx, corpus.WalkOptions{
		Load: corpus.LoadOptions{MaxBytes: int64(f.maxBytes)},
		Skip: func(e corpus.Entry) bool { return rd.Done(results.Record{Op: results.OpLoad, Layer: e.Name}.Key()) },
	})
	for st, err := range walk {
		if err != nil {
			return failed, err
		}
		e := st.Entry
		gzipCells := len(plan.CellsFor(e.Name, corpus.FormatGzip))
		switch {
		case st.Skipped:
			prog.addCells(-gzipCells)
			prog.note(fmt.Sprintf("layer %s: failed to load in the earlier run; skipped", e.Name))
			continue
		case st.Empty:
			prog.addCells(-gzipCells)
			prog.note(fmt.Sprintf("layer %s: empty, nothing to measure; skipped", e.Name))
			if err := rd.MarkEmptyLayer(e.Name); err != nil {
				return failed, err
			}
			continue
		case st.Err != nil:
			prog.addCells(-gzipCells)
			msg := withFlagAdvice(st.Err)
			prog.fail(msg)
			failed = append(failed, msg)
			if err := rd.WriteCell([]results.Record{{Op: results.OpLoad, Layer: e.Name, Err: msg}}); err != nil {
				return failed, err
			}
			continue
		}
		l := st.Layer
		prog.addCells(len(plan.CellsFor(e.Name, l.Format)) - gzipCells)
		prog.note(fmt.Sprintf("layer %s: %s, %s blob, %s tar (%s)", e.Name, l.Format,
			fmtBytes(int64(len(l.Blob))), fmtBytes(int64(len(l.Raw))), e.Origin))
		err := runner.Run(ctx, bench.Input{
			Name: e.Name, Digest: l.Digest.String(), DiffID: l.DiffID.String(),
			Format: l.Format, Blob: l.Blob, Raw: l.Raw,
		})
		if err != nil {
			return failed, err
		}
	}
	return failed, nil
}

// runImages is what env.json records of the images: each layer by the
// name it is measured as.
func runImages(images []*corpus.Image) []results.Image {
	var out []results.Image
	for _, img := range images {
		ri := results.Image{Ref: img.Ref, Name: img.Name, Platform: img.Platform}
		if img.Err != nil {
			ri.Err = withFlagAdvice(img.Err)
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
