package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"zbench/bench"
	"zbench/bench/codecs"
	"zbench/bench/determinism"
	"zbench/bench/versions"
	"zbench/corpus"
	"zbench/internal/atomicfile"
	"zbench/results"
)

const determinismAbout = `Encodes the raw tar of each layer of the SOURCEs repeatedly with every
selected codec and level, and with each codec's concurrency options (pgzip's
goroutines, klauspost zstd's WithEncoderConcurrency, libzstd's nbWorkers, zstd
-T0/--single-thread, pigz -p), at GOMAXPROCS 1 and at all cores, in one Write
and in io.Copy-sized pieces, and reports whether the bytes (and so the
digest) stay the same; then compares implementations of a format at matching
levels (gzip-std vs gzip-klauspost vs gzip-cli -n at level 6, zstd-cgo vs
zstd-cli at level 3, ...). Nothing is timed.

SOURCEs are as for zbench run, and the layers are named the same way
(image-lN for the layers of an image): images are pulled into the cache
first, a layer shared by several images is encoded once, and an image's
empty layers are skipped.

The matrix is JSON, with the library and program versions it holds for;
kept as RUNDIR/determinism.json, zbench evidence finds it there. A summary
goes to stderr. The reference programs are included by default here.

` + determinismVersionsAbout

func cmdDeterminism(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("determinism", "[flags] SOURCE...", determinismAbout, stderr)
	out := fs.String("o", "-", "write the JSON matrix to `file` (- for stdout); e.g. out/run/determinism.json")
	profile := fs.String("profile", bench.ProfileQuick, "level set: quick or full")
	codecList := fs.String("codecs", "", "comma-separated `codecs` (default all, the reference programs included)")
	levels := fs.String("levels", "", "per-codec `levels` overriding the profile, as for zbench run")
	repeat := fs.Int("repeat", 3, "encodes of each cell at each GOMAXPROCS")
	procs := fs.String("gomaxprocs", "", "comma-separated GOMAXPROCS `values` to encode at (default 1 and the number of cores)")
	variants := fs.Bool("variants", true, "also encode with each codec's concurrency options")
	var writeSize byteSize = determinism.DefaultWriteSize
	fs.Var(&writeSize, "write-size", "size of the pieces of the piecewise encode (io.Copy's by default)")
	progress := fs.Bool("v", false, "print each encode on stderr as it starts")
	var src sourceFlags
	maxBytes := registerLayerFlags(fs, &src)
	vflags := addVersionFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "zbench determinism: name at least one SOURCE (a layer file, a directory of them, or builtin)")
		return errUsage
	}
	if *repeat < 2 {
		fmt.Fprintln(stderr, "zbench determinism: -repeat must be at least 2 to tell repeats apart")
		return errUsage
	}
	var gomaxprocs []int
	for _, f := range splitComma(*procs) {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			fmt.Fprintf(stderr, "zbench determinism: -gomaxprocs %q: want positive numbers such as 1,2\n", *procs)
			return errUsage
		}
		gomaxprocs = append(gomaxprocs, n)
	}

	all := codecs.All()
	plan, err := bench.NewPlan(all, bench.Selection{Profile: *profile, Quick: codecs.Quick(), Codecs: *codecList, Levels: *levels, Ops: results.OpEncode})
	if err != nil {
		fmt.Fprintf(stderr, "zbench determinism: %s\n", selectionError(err))
		return errUsage
	}
	tasks := determinismTasks(plan, *variants)

	opts := determinism.Options{Repeats: *repeat, GOMAXPROCS: gomaxprocs, WriteSize: int(writeSize), Comparable: codecs.ComparableLevel}
	if *progress {
		opts.Progress = func(s string) { fmt.Fprintf(stderr, "  %s\n", s) }
	}
	src.maxBlob = int64(*maxBytes)
	res, err := src.resolver(stderr, "auto", false)
	if err != nil {
		fmt.Fprintf(stderr, "zbench determinism: %v\n", err)
		return errUsage
	}
	set, err := openSet(ctx, res, fs.Args(), stderr)
	if err != nil {
		return err
	}
	ms := determinism.NewMeasurer(tasks, opts)
	var vms *versions.Measurer
	if vflags.enabled(fs) {
		if vms, err = vflags.measurer(ctx, plan, stderr, *progress); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			fmt.Fprintf(stderr, "zbench determinism: %v\n", err)
			return errUsage
		}
	}
	var failed []string
	for st, err := range set.Walk(ctx, corpus.WalkOptions{Load: corpus.LoadOptions{MaxBytes: int64(*maxBytes)}}) {
		switch {
		case err != nil:
			return err
		case st.Empty:
			fmt.Fprintf(stderr, "zbench determinism: layer %s: empty, nothing to encode; skipped\n", st.Entry.Name)
			continue
		case st.Err != nil:
			msg := withFlagAdvice(st.Err)
			fmt.Fprintf(stderr, "zbench determinism: FAIL %s\n", msg)
			failed = append(failed, msg)
			continue
		}
		l := st.Layer
		fmt.Fprintf(stderr, "zbench determinism: layer %s (%s of tar): %d encoder setting(s)\n", l.Entry.Name, fmtBytes(int64(len(l.Raw))), countLevels(tasks))
		if !*vflags.only {
			if err := ms.Add(ctx, determinism.Input{Name: l.Entry.Name, DiffID: l.DiffID.String(), Raw: l.Raw}); err != nil {
				return err
			}
		}
		if vms != nil {
			if err := vms.Add(ctx, l.Entry.Name, l.DiffID.String(), l.Raw); err != nil {
				return err
			}
		}
	}
	m := ms.Matrix()
	env := results.CollectEnv()
	m.CPU = env.CPU
	m.Versions = determinismVersions(env, plan.Decoders)
	if vms != nil {
		m.AcrossVersions = vms.Matrix()
	}
	if *vflags.only {
		m.Settings, m.Across = nil, nil // nothing measured in process
	}

	if err := writeJSONTo(*out, stdout, m.WriteJSON); err != nil {
		return fmt.Errorf("writing matrix: %w", err)
	}
	if !*vflags.only {
		printDeterminism(stderr, m)
	}
	if m.AcrossVersions != nil {
		printVersions(stderr, m.AcrossVersions)
	}
	if len(failed) > 0 {
		return &exitError{1, fmt.Errorf("%d layer(s) failed to load:\n  %s", len(failed), strings.Join(failed, "\n  "))}
	}
	return nil
}

// determinismTasks turns a plan's encoders into tasks: each codec (and, with
// variants, each of its variants) at the plan's levels for it.
func determinismTasks(plan bench.Plan, variants bool) []determinism.Task {
	levels := map[string][]bench.Level{}
	var order []bench.Codec
	for _, s := range plan.Encoders {
		if s.API != "" {
			continue // the whole-buffer APIs are not variants of the writer
		}
		if _, ok := levels[s.Codec.Name()]; !ok {
			order = append(order, s.Codec)
		}
		levels[s.Codec.Name()] = append(levels[s.Codec.Name()], s.Level)
	}
	var tasks []determinism.Task
	for _, v := range codecs.Variants(order) {
		if v.Option != "" && !variants {
			continue
		}
		tasks = append(tasks, determinism.Task{Variant: v, Levels: levels[v.Codec.Name()]})
	}
	return tasks
}

func countLevels(tasks []determinism.Task) int {
	n := 0
	for _, t := range tasks {
		n += len(t.Levels)
	}
	return n
}

// determinismVersions are the versions a matrix holds for: Go, the codec
// modules, libzstd and the reference programs measured.
func determinismVersions(env results.Env, cs []bench.Codec) map[string]string {
	v := map[string]string{"go": env.Go}
	for _, c := range cs {
		switch x := c.(type) {
		case codecs.External:
			v[filepath.Base(x.Program())] = x.Version()
		default:
			if mod := c.Module(); mod != "std" {
				if ver, ok := env.Modules[mod]; ok {
					v[mod] = ver
				} else {
					v[mod] = strings.TrimPrefix(moduleVersion(mod), mod+"@")
				}
			}
		}
		if c.Name() == "zstd-cgo" {
			v["libzstd"] = codecs.LibzstdVersion()
		}
	}
	return v
}

// printDeterminism writes a summary of m for people.
func printDeterminism(w io.Writer, m *determinism.Matrix) {
	fmt.Fprintf(w, "\nSame bytes? (repeats: %d encodes at each GOMAXPROCS %v; writes: one Write vs %d-byte pieces; "+
		"as codec: the variant vs the codec as zbench run measures it)\n", m.Repeats, m.GOMAXPROCS, m.WriteSize)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ENCODER\tLEVEL\tTHREADS\tREPEATS\tGOMAXPROCS\tWRITES\tAS CODEC")
	yn := func(b bool) string {
		if b {
			return "same"
		}
		return "DIFFER"
	}
	for _, s := range m.Settings {
		if s.Err != "" {
			fmt.Fprintf(tw, "%s\t%s\t\tfailed: %s\t\t\t\n", s.Name(), s.Level, s.Err)
			continue
		}
		as := ""
		if s.SameAsCodec != nil {
			as = yn(*s.SameAsCodec)
		}
		var th []string
		for _, n := range s.Threads {
			th = append(th, strconv.Itoa(n))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Name(), s.Level, strings.Join(th, ","), yn(s.Repeatable),
			yn(s.SameAcrossGOMAXPROCS), yn(s.SameAcrossWrites), as)
	}
	tw.Flush()

	fmt.Fprintf(w, "\nAcross implementations at matching levels (groups wrote identical bytes):\n")
	for _, c := range m.Across {
		var gs []string
		for _, g := range c.Groups {
			gs = append(gs, "{"+strings.Join(g, ", ")+"}")
		}
		fmt.Fprintf(w, "  %s level %d, %s: %s\n", c.Format, c.Level, c.Input, strings.Join(gs, " "))
	}
	var vs []string
	for k, v := range m.Versions {
		vs = append(vs, k+" "+v)
	}
	sort.Strings(vs)
	fmt.Fprintf(w, "\nVersions: %s; GOMAXPROCS %v on %d cores (%s)\n", strings.Join(vs, ", "), m.GOMAXPROCS, m.Cores, runtime.GOARCH)
}

// writeJSONTo writes with write to the file path (atomically), creating its
// directory, or to stdout when path is "-" or empty.
func writeJSONTo(path string, stdout io.Writer, write func(io.Writer) error) error {
	if path == "-" || path == "" {
		return write(stdout)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("writing %q: %w", path, err)
	}
	return atomicfile.Write(path, write)
}

func splitComma(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
