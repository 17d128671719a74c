package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"zbench/bench/clientwork"
	"zbench/corpus"
	"zbench/results"
)

const clientworkAbout = `Measures, on each layer of the SOURCEs, the work a container client does
to a pulled layer beside decoding it: sha256 of the blob and of the tar,
writing each into a file and its fsync, unpacking the tar into an empty
directory (owners, modes and times, as the clients' appliers do), and
copying the unpacked tree (what containerd's native snapshotter and the
vfs storage driver do to a layer's parent). Each stage is timed -count
times in a scratch directory under -dir, the median kept.

Give the layers in image order, base first: the pull model copies the
trees below each layer. Written into a run directory of the same layers
(-o RUNDIR/clientwork.json), it lets zbench evidence and zbench report
model each tool's pull step by step (the answer "client-pipelines"), which
scripts/pull.sh sets against real pulls. Measure on a quiet machine, on
the file system the clients write to.`

func cmdClientwork(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("clientwork", "[flags] SOURCE...", clientworkAbout, stderr)
	out := fs.String("o", results.ClientWorkFile, "write the JSON to `file` (- for stdout)")
	count := fs.Int("count", 3, "time each stage `n` times; the median is kept")
	dir := fs.String("dir", "", "scratch `directory` on the file system the clients write to (default the system's temporary directory)")
	var src sourceFlags
	maxBytes := registerLayerFlags(fs, &src)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "zbench clientwork: name at least one SOURCE (layers in image order, base first)")
		return errUsage
	}
	if *count < 1 {
		fmt.Fprintln(stderr, "zbench clientwork: -count must be at least 1")
		return errUsage
	}
	if *dir != "" {
		if st, err := os.Stat(*dir); err != nil || !st.IsDir() {
			fmt.Fprintf(stderr, "zbench clientwork: -dir %s: not a directory\n", *dir)
			return errUsage
		}
	}
	src.maxBlob = int64(*maxBytes)
	res, err := src.resolver(stderr, "auto", false)
	if err != nil {
		return err
	}
	set, err := openSet(ctx, res, fs.Args(), stderr)
	if err != nil {
		return err
	}
	w := clientwork.Environment(*dir, *count)
	if exe, err := os.Executable(); err == nil {
		if w.SHA256LegacyMBps, err = clientwork.LegacySHA256(ctx, exe); err != nil {
			fmt.Fprintf(stderr, "zbench clientwork: %v; clients built with Go before 1.21 are modelled at today's rate\n", err)
		} else if w.SHA256LegacyMBps > 0 {
			fmt.Fprintf(stderr, "zbench clientwork: sha256 without the SHA extensions (clients built with Go before 1.21): %.0f MB/s\n", w.SHA256LegacyMBps)
		}
	}
	var failed []string
	encode := func(o io.Writer) error {
		e := json.NewEncoder(o)
		e.SetIndent("", "  ")
		return e.Encode(&w)
	}
	// keep writes the file after each layer, so Ctrl-C loses only the one
	// under way; stdout gets the JSON once, at the end.
	keep := func() error {
		if *out == "-" || len(w.Layers) == 0 {
			return nil
		}
		if err := writeJSONTo(*out, stdout, encode); err != nil {
			return fmt.Errorf("writing %s: %w", *out, err)
		}
		return nil
	}
	for st, err := range set.Walk(ctx, corpus.WalkOptions{Load: corpus.LoadOptions{MaxBytes: int64(*maxBytes)}}) {
		switch {
		case err != nil:
			if werr := keep(); werr != nil {
				fmt.Fprintf(stderr, "zbench clientwork: %v\n", werr)
			}
			return err
		case st.Empty:
			fmt.Fprintf(stderr, "zbench clientwork: layer %s: empty; skipped\n", st.Entry.Name)
			continue
		case st.Err != nil:
			msg := withFlagAdvice(st.Err)
			fmt.Fprintf(stderr, "zbench clientwork: %s\n", msg)
			failed = append(failed, msg)
			continue
		}
		l := st.Layer
		fmt.Fprintf(stderr, "zbench clientwork: layer %s (%s of tar)...", l.Entry.Name, fmtBytes(int64(len(l.Raw))))
		lw, err := clientwork.Measure(ctx, clientwork.Layer{Name: l.Entry.Name, Blob: l.Blob, Raw: l.Raw}, clientwork.Options{Dir: *dir, Count: *count})
		if err != nil {
			fmt.Fprintln(stderr)
			if ctx.Err() != nil {
				if werr := keep(); werr != nil {
					fmt.Fprintf(stderr, "zbench clientwork: %v\n", werr)
				}
				return ctx.Err()
			}
			msg := fmt.Sprintf("layer %s: %v", l.Entry.Name, err)
			fmt.Fprintf(stderr, "zbench clientwork: %s\n", msg)
			failed = append(failed, msg)
			continue
		}
		fmt.Fprintf(stderr, " untar %.2fs, copy %.2fs, sha256 %.3fs, write+fsync %.3fs\n",
			lw.UntarS, lw.CopyS, lw.SHA256TarS, lw.WriteTarS+lw.FsyncTarS)
		w.Layers = append(w.Layers, lw)
		if err := keep(); err != nil {
			return err
		}
	}
	if len(w.Layers) == 0 {
		return &exitError{exitFailed, fmt.Errorf("no layer measured:\n  %s", strings.Join(failed, "\n  "))}
	}
	if *out == "-" {
		if err := writeJSONTo("-", stdout, encode); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stderr, "zbench clientwork: wrote %s (%d layer(s))\n", *out, len(w.Layers))
	}
	if len(failed) > 0 {
		return &exitError{exitFailed, fmt.Errorf("%d layer(s) failed:\n  %s", len(failed), strings.Join(failed, "\n  "))}
	}
	return nil
}
