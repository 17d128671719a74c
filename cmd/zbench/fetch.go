package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"zbench/corpus"
	"zbench/internal/atomicfile"
)

const fetchAbout = `Pulls the images of the SOURCEs into the cache (an OCI image layout that
skopeo and crane read: oci:CACHE:REF), each blob checked against its digest,
and prints per image each layer's digest, media type, size and whether it
came from the cache. With no SOURCE, fetches the default corpus (@default).

SOURCE is a registry reference (debian:bookworm, docker://ghcr.io/o/r:tag,
…@sha256:…), oci:DIR[:REF], docker-archive:FILE[:REF], or @FILE / @default /
@quick (a corpus list, one SOURCE a line). -lock FILE writes a lock file: the
same list with every image pinned to the digest of its platform manifest,
so that 'zbench run @FILE' measures exactly those bytes every time.`

func cmdFetch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var sf sourceFlags
	var lock, progress string
	fs := newFlagSet("fetch", "[flags] [SOURCE...]", fetchAbout, stderr)
	registerSourceFlags(fs, &sf)
	fs.StringVar(&lock, "lock", "", "write a lock `file` pinning every image by digest")
	fs.StringVar(&progress, "progress", "auto", "progress on stderr: auto (a bar on a terminal, a line per blob otherwise), bar, plain or none")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	res, err := sf.resolver(stderr, progress, true)
	if err != nil {
		fmt.Fprintf(stderr, "zbench fetch: %v\n", err)
		return errUsage
	}
	srcArgs := fs.Args()
	if len(srcArgs) == 0 {
		srcArgs = []string{"@" + corpus.DefaultList}
	}
	srcs, err := res.ParseAll(srcArgs)
	if err != nil {
		return inputErr(err)
	}
	start := time.Now()
	images, other, err := res.Images(ctx, srcs)
	if err != nil {
		return interrupted(ctx, withAdvice(err))
	}
	failed := printImages(stdout, images, other)
	if c, err := res.Cache(); err == nil {
		fmt.Fprintf(stderr, "zbench fetch: %d image(s) in %v; cache %s\n", len(images), time.Since(start).Round(time.Millisecond), c.Dir())
	}
	if lock != "" {
		var b strings.Builder
		header := fmt.Sprintf("zbench corpus lock, written by: zbench fetch -lock %s %s\n"+
			"platform %s; measure with: zbench run @%s", lock, strings.Join(srcArgs, " "), res.Platform(), lock)
		lerr := corpus.WriteLock(&b, header, images, other)
		if err := atomicfile.WriteBytes(lock, []byte(b.String())); err != nil {
			return fmt.Errorf("writing lock file: %w", err)
		}
		if lerr != nil {
			return &exitError{1, lerr}
		}
	}
	if len(failed) > 0 {
		return &exitError{1, fmt.Errorf("%d failure(s):\n  %s", len(failed), strings.Join(failed, "\n  "))}
	}
	return nil
}

// printImages prints each image and its layers, and returns what failed.
func printImages(w io.Writer, images []*corpus.Image, other []corpus.Source) (failed []string) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, img := range images {
		if img.Err != nil {
			fmt.Fprintf(tw, "%s\n  FAIL\t%s\n", sanitizeLine(img.Source), sanitizeLine(withFlagAdvice(img.Err)))
			failed = append(failed, fmt.Sprintf("%s: %s", img.Source, withFlagAdvice(img.Err)))
			continue
		}
		fmt.Fprintf(tw, "%s  %s\n", sanitizeLine(img.Ref), sanitizeLine(img.Platform))
		for _, l := range img.Layers {
			how := "fetched"
			switch {
			case l.Skip != "":
				how = "skipped: " + l.Skip
			case l.Err != nil:
				how = "FAIL: " + withFlagAdvice(l.Err)
				failed = append(failed, withFlagAdvice(l.Err))
			case l.Cached:
				how = "cached"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\n", l.Digest, sanitizeLine(string(l.MediaType)), l.Size, sanitizeLine(how))
		}
	}
	for _, src := range other {
		fmt.Fprintf(tw, "%s\n  not an image: nothing to fetch\n", sanitizeLine(src.Name()))
	}
	tw.Flush()
	return failed
}
