package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"zbench/bench/codecs"
	"zbench/corpus"
	"zbench/lazy"
	"zbench/results"
)

const lazyAbout = `Analyses the lazy-pull formats, eStargz (gzip) and zstd:chunked (zstd), on
the layers of the SOURCEs, given oldest first as versions of one layer (for
example alpine 3.18, 3.20, edge). Each layer is written in each format and
with its plain counterpart (the same implementation at the same level), and
every chunk is checked against its digest. From the tables of contents, not
timed and not over a network, it prints as Markdown tables:

  - overhead: the format's bytes against the plain encoder's, the TOC,
    footer and tar-split bytes, files, chunks and frames;
  - updates, from each layer to the next: what a client fetches (footer,
    TOC, tar-split, then the chunks whose digests the old layer lacks)
    against the whole new blob;
  - files first: what a client fetches to read the N largest executables
    (or -files) before the rest, in bytes and HTTP ranges; with
    -prioritized, eStargz is also written with those files first.

With -run DIR (a zbench run that measured the encode cells of the formats
and of their plain encoders, e.g. -codecs estargz,zstd-chunked,gzip-std,
zstd-klauspost), it also sets encode throughput and CPU against plain.
The JSON holds every figure. Written into a run directory as lazy.json
(-o RUNDIR/lazy.json), or given to zbench report -lazy, it adds the section
"Lazy-pull formats" to the report (and its answer to zbench evidence).`

func cmdLazy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("lazy", "[flags] SOURCE...", lazyAbout, stderr)
	out := fs.String("o", "lazy.json", "write the JSON to `file` (- for stdout; the tables then go to stderr)")
	esLevel := fs.String("estargz-level", "9", "eStargz gzip `level` (1-9; the library's default is 9)")
	zcLevel := fs.String("zstd-chunked-level", "10", "zstd:chunked `level` (1, 3, 6, 10; containers/storage's default is 10)")
	formatList := fs.String("formats", "estargz,zstd-chunked", "comma-separated `formats` to analyse")
	var chunkSize byteSize
	fs.Var(&chunkSize, "estargz-chunk-size", "eStargz chunk `size` (default the library's 4MiB)")
	prio := fs.Bool("prioritized", true, "also write eStargz with the files to read first prioritized")
	files := fs.String("files", "", "comma-separated `paths` to read first (default: the -n largest executables of each layer)")
	n := fs.Int("n", 5, "how many of the largest executables to read first")
	runDir := fs.String("run", "", "a zbench run `dir` to read encode throughput and CPU from")
	var src sourceFlags
	maxBytes := registerLayerFlags(fs, &src)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "zbench lazy: name at least one SOURCE (layer files, oldest first)")
		return errUsage
	}
	if *n < 1 {
		fmt.Fprintln(stderr, "zbench lazy: -n must be at least 1")
		return errUsage
	}
	var formats []lazy.Format
	for _, name := range splitComma(*formatList) {
		level := map[string]string{codecs.EstargzName: *esLevel, codecs.ZstdChunkedName: *zcLevel}[name]
		f, err := lazy.NewFormat(name, level)
		if err != nil {
			fmt.Fprintf(stderr, "zbench lazy: -formats %s: %v\n", name, err)
			return errUsage
		}
		if chunkSize > 0 && name == codecs.EstargzName {
			if f, err = lazy.WithChunkSize(f, int(chunkSize)); err != nil {
				fmt.Fprintf(stderr, "zbench lazy: -estargz-chunk-size: %v\n", err)
				return errUsage
			}
		}
		formats = append(formats, f)
	}

	src.maxBlob = int64(*maxBytes)
	layers, err := loadLazyLayers(ctx, src, fs.Args(), int64(*maxBytes), stderr)
	if err != nil {
		return err
	}
	rep, err := lazy.Analyse(layers, lazy.Options{Formats: formats, Prioritized: *prio, Files: splitComma(*files), N: *n})
	if err != nil {
		return err
	}
	doc := lazy.Document{Report: rep, Versions: lazyVersions()}
	if *runDir != "" {
		recs, err := loadRunRecords(*runDir)
		if err != nil {
			return fmt.Errorf("-run %s: %w", *runDir, err)
		}
		doc.Costs = lazy.EncodeCosts(recs, formats)
		if len(doc.Costs) == 0 {
			fmt.Fprintf(stderr, "zbench lazy: -run %s has no encode cells of %s with their plain encoders\n", *runDir, *formatList)
		}
	}
	tables := stdout
	if *out == "-" {
		tables = stderr
	}
	printLazy(tables, &doc)
	if *out != "" {
		if err := writeJSONTo(*out, stdout, func(w io.Writer) error {
			e := json.NewEncoder(w)
			e.SetIndent("", "  ")
			return e.Encode(doc)
		}); err != nil {
			return fmt.Errorf("writing %s: %w", *out, err)
		}
	}
	return nil
}

// loadLazyLayers loads the SOURCEs' layers in order, through the layer
// walk run and determinism share. A layer that fails to load stops the
// analysis: the updates need every version.
func loadLazyLayers(ctx context.Context, src sourceFlags, args []string, maxBytes int64, stderr io.Writer) ([]lazy.Layer, error) {
	res, err := src.resolver(stderr, "auto", false)
	if err != nil {
		return nil, err
	}
	set, err := openSet(ctx, res, args, stderr)
	if err != nil {
		return nil, err
	}
	var layers []lazy.Layer
	for st, err := range set.Walk(ctx, corpus.WalkOptions{Load: corpus.LoadOptions{MaxBytes: maxBytes}}) {
		switch {
		case err != nil:
			return nil, err
		case st.Empty:
			fmt.Fprintf(stderr, "zbench lazy: layer %s: empty; skipped\n", st.Entry.Name)
			continue
		case st.Err != nil:
			return nil, errors.New(withFlagAdvice(st.Err))
		}
		l := st.Layer
		fmt.Fprintf(stderr, "zbench lazy: layer %s (%s of tar)\n", l.Entry.Name, fmtBytes(int64(len(l.Raw))))
		// The walk drops its reference after this iteration; ours keeps Raw.
		layers = append(layers, lazy.Layer{Name: l.Entry.Name, Raw: l.Raw})
	}
	return layers, nil
}

// loadRunRecords reads a run directory's records: the one place zbench lazy
// reads a run.
func loadRunRecords(dir string) ([]results.Record, error) {
	r, err := results.ReadRun(dir)
	if err != nil {
		return nil, err
	}
	return r.Records, nil
}

// lazyVersions names the versions of the lazy-pull libraries and of
// klauspost/compress in this build.
func lazyVersions() map[string]string {
	vs := map[string]string{}
	for path, v := range results.CollectEnv().Modules {
		for _, m := range []string{codecs.Estargz().Module(), codecs.ZstdChunked().Module(), "github.com/klauspost/compress"} {
			if path == m {
				vs[path] = v
			}
		}
	}
	return vs
}

func printLazy(w io.Writer, d *lazy.Document) {
	pct := func(a, b int64) string { return fmt.Sprintf("%.1f%%", 100*float64(a)/float64(b)) }
	fmt.Fprintf(w, "Overhead (bytes are exact):\n\n")
	fmt.Fprintln(w, "| layer | format | plain | tar | plain bytes | format bytes | × plain | TOC | footer | tar-split | files | chunks | frames |")
	fmt.Fprintln(w, "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, o := range d.Overheads {
		fmt.Fprintf(w, "| %s | %s/%s | %s | %d | %d | %d | %.4f | %d | %d | %d | %d | %d | %d |\n",
			o.Layer, o.Format, o.Level, o.Plain, o.Raw, o.PlainBytes, o.Bytes, o.Ratio(), o.TOC, o.Footer, o.TarSplit, o.Files, o.Chunks, o.Frames)
	}
	if len(d.Updates) > 0 {
		fmt.Fprintf(w, "\nUpdates (footer, TOC and tar-split, then the chunks the old layer lacks):\n\n")
		fmt.Fprintln(w, "| from → to | format | new blob | metadata | chunks fetched | chunk bytes | ranges | fetched | of the blob | saved |")
		fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
		for _, u := range d.Updates {
			fmt.Fprintf(w, "| %s → %s | %s | %d | %d | %d of %d | %d | %d | %d | %s | %s |\n",
				u.From, u.To, u.Format, u.Blob, u.Meta, u.Fetched, u.Chunks, u.ChunkBytes, u.Ranges, u.Total(), pct(u.Total(), u.Blob), pct(u.Blob-u.Total(), u.Blob))
		}
	}
	fmt.Fprintf(w, "\nFiles first (metadata, then the frames holding the files):\n\n")
	fmt.Fprintln(w, "| layer | format | files | file bytes | fetched | ranges | of the blob |")
	fmt.Fprintln(w, "| --- | --- | --- | ---: | ---: | ---: | ---: |")
	for _, f := range d.FilesFirst {
		names := strings.Join(f.Files, ", ")
		if len(f.Missing) > 0 {
			names += " (missing: " + strings.Join(f.Missing, ", ") + ")"
		}
		if len(f.NotPrioritized) > 0 {
			names += fmt.Sprintf(" (%d not prioritized: the library missed them)", len(f.NotPrioritized))
		}
		fmt.Fprintf(w, "| %s | %s | %s | %d | %d | %d | %s |\n", f.Layer, f.Format, names, f.FileBytes, f.Total(), f.Ranges, pct(f.Total(), f.Blob))
	}
	if len(d.Costs) > 0 {
		fmt.Fprintf(w, "\nEncode cost (medians of the run's samples):\n\n")
		fmt.Fprintln(w, "| layer | format | plain | MB/s | plain MB/s | × plain | CPU s/GB | plain CPU s/GB | × plain |")
		fmt.Fprintln(w, "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
		for _, c := range d.Costs {
			fmt.Fprintf(w, "| %s | %s | %s | %.1f | %.1f | %.2f | %.2f | %.2f | %.2f |\n",
				c.Layer, c.Format, c.Plain, c.MBps, c.PlainMBps, c.MBps/c.PlainMBps, c.CPUPerGB, c.PlainCPUPerGB, c.CPUPerGB/c.PlainCPUPerGB)
		}
	}
	if len(d.Versions) > 0 {
		var vs []string
		for p, v := range d.Versions {
			vs = append(vs, p+" "+v)
		}
		sort.Strings(vs)
		fmt.Fprintf(w, "\nLibraries: %s\n", strings.Join(vs, ", "))
	}
}
