package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"zbench/bench"
	"zbench/bench/versions"
	"zbench/results"
)

// Default version axes of zbench determinism -versions: update them as
// releases come.
const (
	defaultGoAxis        = "local,go1.27.x"
	defaultKlauspostAxis = "v1.17.11,v1.18.0,v1.19.2,v1.20.4"
	defaultLibzstdAxis   = "bundled,system"
)

const determinismVersionsAbout = `With -versions (or any of -go, -klauspost, -libzstd), it also builds a
small encoder program once per version (a Go toolchain through GOTOOLCHAIN,
a klauspost/compress release through go get, libzstd bundled with
DataDog/zstd or the system's through -tags external_libzstd; binaries are
cached by version in the user cache directory) and encodes each layer with
the selected gzip-std, gzip-klauspost, zstd-klauspost and zstd-cgo levels.
Each axis is listed in upgrade order and varied alone, the others at their
first value; each step to the next value says whether the bytes (so the
digest) stay the same, and by how many bytes the size changes. Builds need
the go command, the Go module proxy and cgo; a version that fails to build
is reported for its axis and the rest goes on. -versions-only skips the
repeat/GOMAXPROCS/write-size measurement.`

// versionFlags are zbench determinism's version-axis flags.
type versionFlags struct {
	on, only    *bool
	goV, kp, lz *string
}

func addVersionFlags(fs *flag.FlagSet) *versionFlags {
	return &versionFlags{
		on:   fs.Bool("versions", false, "also measure digest stability across versions of Go, klauspost/compress and libzstd"),
		only: fs.Bool("versions-only", false, "measure only across versions (implies -versions)"),
		goV:  fs.String("go", defaultGoAxis, "Go `toolchains`, comma-separated in upgrade order (local: the go command as is; go1.27.x: the newest go1.27); implies -versions"),
		kp:   fs.String("klauspost", defaultKlauspostAxis, "github.com/klauspost/compress `releases`, comma-separated in upgrade order; implies -versions"),
		lz:   fs.String("libzstd", defaultLibzstdAxis, "libzstd `builds`, comma-separated: bundled (DataDog/zstd's) and system (-tags external_libzstd); implies -versions"),
	}
}

// enabled reports whether the version axes are to be measured, after
// fs.Parse.
func (vf *versionFlags) enabled(fs *flag.FlagSet) bool {
	on := *vf.on || *vf.only
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "go", "klauspost", "libzstd":
			on = true
		}
	})
	return on
}

// measurer resolves the axes, picks the plan's settings the encoder program
// knows and builds every version. Errors name the flags.
func (vf *versionFlags) measurer(ctx context.Context, plan bench.Plan, stderr io.Writer, progress bool) (*versions.Measurer, error) {
	bl := &versions.Builder{Log: func(s string) { fmt.Fprintf(stderr, "zbench determinism: %s\n", s) }}
	var goAxis []string
	for _, v := range splitComma(*vf.goV) {
		r, err := bl.ResolveGo(ctx, v)
		if err != nil {
			return nil, fmt.Errorf("-go: %w", err)
		}
		goAxis = append(goAxis, r)
	}
	axes := versions.Axes{Go: goAxis, Klauspost: splitComma(*vf.kp), Libzstd: splitComma(*vf.lz)}
	if err := axes.Check(); err != nil {
		return nil, fmt.Errorf("-go/-klauspost/-libzstd: %w", err)
	}
	var settings []versions.Setting
	for _, s := range plan.Encoders {
		if slices.Contains(versions.Codecs, s.Codec.Name()) {
			settings = append(settings, versions.Setting{Codec: s.Codec.Name(), Level: s.Level.Name})
		}
	}
	if len(settings) == 0 {
		return nil, fmt.Errorf("-versions: -codecs selects none of %s", strings.Join(versions.Codecs, ", "))
	}
	opts := versions.Options{Axes: axes, Settings: settings, Builder: bl}
	if progress {
		opts.Progress = func(s string) { fmt.Fprintf(stderr, "  %s\n", s) }
	}
	ms, err := versions.NewMeasurer(ctx, opts)
	if err != nil {
		return nil, err
	}
	for _, b := range ms.Builds() {
		if b.Err != "" {
			fmt.Fprintf(stderr, "zbench determinism: FAIL %s\n", b.Err)
		}
	}
	return ms, nil
}

// printVersions writes a summary of m for people: per axis step, codec and
// level, on how many inputs the bytes changed and the size deltas.
func printVersions(w io.Writer, m *results.VersionMatrix) {
	fmt.Fprintf(w, "\nAcross versions (each axis varied alone from the first values; DELTA: size after - size before, per input whose bytes changed):\n")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AXIS\tFROM\tTO\tCODEC\tLEVEL\tBYTES\tDELTA")
	type key struct{ axis, from, to, codec, level string }
	var order []key
	by := map[key][]results.VersionStep{}
	for _, s := range m.Steps {
		k := key{s.Axis, s.From, s.To, s.Codec, s.Level}
		if _, ok := by[k]; !ok {
			order = append(order, k)
		}
		by[k] = append(by[k], s)
	}
	for _, k := range order {
		verdict, deltas := "same", []string{}
		for _, s := range by[k] {
			switch {
			case s.Err != "":
				verdict = "failed: " + s.Err
			case !s.Same:
				if verdict == "same" {
					verdict = "CHANGED"
				}
				pct := 0.0
				if s.FromBytes > 0 {
					pct = 100 * float64(s.Delta()) / float64(s.FromBytes)
				}
				deltas = append(deltas, fmt.Sprintf("%s %+d B (%+.2f%%)", s.Input, s.Delta(), pct))
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.axis, k.from, k.to, k.codec, k.level, verdict, strings.Join(deltas, ", "))
	}
	tw.Flush()
	for _, b := range m.Builds {
		var rep []string
		for _, k := range []string{"go", "klauspost", "datadog", "libzstd"} {
			if v := b.Reported[k]; v != "" {
				rep = append(rep, k+" "+v)
			}
		}
		status := strings.Join(rep, ", ")
		if b.Err != "" {
			status = "failed: " + strings.SplitN(b.Err, "\n", 2)[0]
		}
		fmt.Fprintf(w, "  build %s: %s\n", b.ID, status)
	}
}
