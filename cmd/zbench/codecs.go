package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
	"text/tabwriter"

	"zbench/bench"
	"zbench/bench/codecs"
)

const codecsAbout = `Lists the codecs this build of zbench has: name, format, the module that
implements it and its version (from the build info; for the reference
programs, the program and the version it reports), threads, and levels.
Levels in the quick profile are marked with *. The reference programs
(*-cli) run as external processes, only when a run names them with -codecs
or uses -profile reference; those not on PATH are listed at the end.`

func cmdCodecs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("codecs", "", codecsAbout, stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "zbench codecs: takes no arguments\n")
		return errUsage
	}
	quick := codecs.Quick()
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CODEC\tFORMAT\tMODULE\tTHREADS\tLEVELS")
	for _, c := range codecs.All() {
		mod := moduleVersion(c.Module())
		if x, ok := c.(codecs.External); ok {
			mod = x.Program() + " " + x.Version()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", c.Name(), c.Format(), mod, c.Threads(), levelList(c, quick[c.Name()]))
	}
	tw.Flush()
	fmt.Fprintln(stdout)
	for _, c := range codecs.All() {
		if d, ok := c.(codecs.Describer); ok {
			fmt.Fprintf(stdout, "%s: %s\n", c.Name(), d.Describe())
		}
		for _, l := range c.Levels() {
			if l.Note != "" {
				fmt.Fprintf(stdout, "  level %s: %s\n", l.Name, l.Note)
			}
		}
	}
	if v := codecs.LibzstdVersion(); v != "" {
		fmt.Fprintf(stdout, "\nbundled libzstd %s (through github.com/DataDog/zstd)\n", v)
	} else {
		fmt.Fprintf(stdout, "\nzstd-cgo is absent: this zbench was built without cgo\n")
	}
	var bufs []string
	for _, c := range codecs.All() {
		if bench.HasBuffer(c) {
			name := c.Name() + bench.BufferSuffix
			if ls := quick[name]; len(ls) > 0 {
				name += " (quick: " + strings.Join(ls, ",") + ")"
			}
			bufs = append(bufs, name)
		}
	}
	if len(bufs) > 0 {
		fmt.Fprintf(stdout, "whole-buffer APIs, measured as api=buffer cells beside the streaming ones: %s\n", strings.Join(bufs, ", "))
	}
	if names := codecs.OptIn(); len(names) > 0 {
		fmt.Fprintf(stdout, "opt-in (the lazy-pull writers and the reference programs), run only when -codecs names them or with -profile reference: %s\n", strings.Join(names, ", "))
	}
	for _, p := range codecs.MissingPrograms() {
		fmt.Fprintf(stdout, "%s is absent: the program %s is not on PATH (Debian package %s)\n", p.Codec, p.Program, p.Package)
	}
	fmt.Fprintf(stdout, "%s, GOMAXPROCS %d\n", runtime.Version(), runtime.GOMAXPROCS(0))
	return nil
}

// levelList shows a codec's levels, marking those of the quick profile.
func levelList(c bench.Codec, quick []string) string {
	if len(c.Levels()) == 0 {
		return "(decodes only)"
	}
	var parts []string
	for _, l := range c.Levels() {
		name := l.Name
		for _, q := range quick {
			if q == l.Name {
				name += "*"
			}
		}
		parts = append(parts, name)
	}
	return strings.Join(parts, " ")
}

// moduleVersion gives path@version from the build info ("std" is Go itself).
func moduleVersion(path string) string {
	if path == "std" || path == "" {
		return "std@" + runtime.Version()
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == path {
				if m.Replace != nil {
					return path + "@" + m.Version + " => " + m.Replace.Path + "@" + m.Replace.Version
				}
				return path + "@" + m.Version
			}
		}
	}
	return path + "@(unknown)"
}
