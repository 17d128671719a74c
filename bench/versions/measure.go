package versions

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"slices"
	"strings"

	"zbench/results"
)

// Axes are the versions to try, each list in upgrade order; the first value
// of each is the baseline's. An axis with one value is not varied.
type Axes struct {
	Go        []string
	Klauspost []string
	Libzstd   []string
}

// Baseline is the build every axis starts from: each axis's first value.
func (a Axes) Baseline() Build {
	first := func(vs []string) string {
		if len(vs) == 0 {
			return ""
		}
		return vs[0]
	}
	return Build{Go: first(a.Go), Klauspost: first(a.Klauspost), Libzstd: first(a.Libzstd)}
}

func (a Axes) list() []results.VersionAxis {
	return []results.VersionAxis{
		{Name: results.AxisGo, Values: a.Go, Codecs: AxisCodecs[results.AxisGo]},
		{Name: results.AxisKlauspost, Values: a.Klauspost, Codecs: AxisCodecs[results.AxisKlauspost]},
		{Name: results.AxisLibzstd, Values: a.Libzstd, Codecs: AxisCodecs[results.AxisLibzstd]},
	}
}

// build is the Build with the axis at value, the other axes at their
// first.
func (a Axes) build(axis string, value string) Build {
	b := a.Baseline()
	switch axis {
	case results.AxisGo:
		b.Go = value
	case results.AxisKlauspost:
		b.Klauspost = value
	case results.AxisLibzstd:
		b.Libzstd = value
	}
	return b
}

// Check reports whether every axis has a value and every build is one a
// Builder can try.
func (a Axes) Check() error {
	for _, ax := range a.list() {
		if len(ax.Values) == 0 {
			return fmt.Errorf("the %s axis has no value", ax.Name)
		}
		for _, v := range ax.Values {
			if err := a.build(ax.Name, v).Check(); err != nil {
				return err
			}
		}
	}
	return nil
}

// AxisCodecs are, by axis, the codecs of the encoder program whose code the
// axis changes: the toolchain compiles every Go codec (compress/gzip is
// the standard library's), klauspost/compress is gzip-klauspost's and
// zstd-klauspost's, libzstd is zstd-cgo's.
var AxisCodecs = map[string][]string{
	results.AxisGo:        {"gzip-std", "gzip-klauspost", "zstd-klauspost"},
	results.AxisKlauspost: {"gzip-klauspost", "zstd-klauspost"},
	results.AxisLibzstd:   {"zstd-cgo"},
}

// Codecs are the codecs the encoder program knows.
var Codecs = []string{"gzip-std", "gzip-klauspost", "zstd-klauspost", "zstd-cgo"}

// A Setting is one codec and level, as zbench names them.
type Setting struct {
	Codec string
	Level string
}

// Output is what the encoder program prints.
type Output struct {
	Go        string `json:"go"`
	Klauspost string `json:"klauspost"`
	DataDog   string `json:"datadog"`
	Libzstd   string `json:"libzstd"`
	InBytes   int64  `json:"in_bytes"`
	Results   []struct {
		Codec  string `json:"codec"`
		Level  string `json:"level"`
		Digest string `json:"digest"`
		Bytes  int64  `json:"bytes"`
		Err    string `json:"error"`
	} `json:"results"`
}

// Run runs the encoder program bin on raw with settings.
func Run(ctx context.Context, bin string, raw []byte, settings []Setting) (*Output, error) {
	var args []string
	for _, s := range settings {
		args = append(args, s.Codec+":"+s.Level)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = bytes.NewReader(raw)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("running the encoder: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	var out Output
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("reading the encoder's output: %w", err)
	}
	if out.InBytes != int64(len(raw)) {
		return nil, fmt.Errorf("the encoder read %d bytes of %d", out.InBytes, len(raw))
	}
	return &out, nil
}

// Options say what a Measurer measures.
type Options struct {
	Axes     Axes
	Settings []Setting
	Builder  *Builder
	// Progress, when set, hears of each run before it starts.
	Progress func(string)
}

// A plannedBuild is one build with the settings it encodes.
type plannedBuild struct {
	build    Build
	settings []Setting
	bin      string
	rec      results.VersionBuild
}

// A Measurer builds the encoder for every build of the axes and runs them on
// inputs one at a time.
type Measurer struct {
	opts    Options
	builds  []*plannedBuild
	inputs  []results.DeterminismInput
	encodes []results.VersionEncode
}

// NewMeasurer plans and builds every build of opts.Axes: the baseline, with
// every setting, then each axis's other values, with the settings of the
// codecs the axis changes. A build that fails is recorded; NewMeasurer
// returns an error only for unusable options or when ctx is done.
func NewMeasurer(ctx context.Context, opts Options) (*Measurer, error) {
	if err := opts.Axes.Check(); err != nil {
		return nil, err
	}
	for _, s := range opts.Settings {
		if !slices.Contains(Codecs, s.Codec) {
			return nil, fmt.Errorf("codec %q: the encoder program knows %s", s.Codec, strings.Join(Codecs, ", "))
		}
	}
	if opts.Builder == nil {
		opts.Builder = &Builder{}
	}
	ms := &Measurer{opts: opts}
	base := opts.Axes.Baseline()
	ms.builds = append(ms.builds, &plannedBuild{build: base, settings: opts.Settings})
	for _, ax := range opts.Axes.list() {
		var ss []Setting
		for _, s := range opts.Settings {
			if slices.Contains(ax.Codecs, s.Codec) {
				ss = append(ss, s)
			}
		}
		if len(ss) == 0 {
			continue // the axis changes none of the codecs asked for
		}
		for _, v := range ax.Values[1:] {
			b := opts.Axes.build(ax.Name, v)
			if i := slices.IndexFunc(ms.builds, func(p *plannedBuild) bool { return p.build == b }); i >= 0 {
				continue
			}
			ms.builds = append(ms.builds, &plannedBuild{build: b, settings: ss})
		}
	}
	for _, p := range ms.builds {
		p.rec = results.VersionBuild{ID: p.build.ID(), Go: p.build.Go, Klauspost: p.build.Klauspost, Libzstd: p.build.Libzstd}
		cgo := slices.ContainsFunc(p.settings, func(s Setting) bool { return s.Codec == "zstd-cgo" })
		bin, err := opts.Builder.Path(ctx, p.build, cgo)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			p.rec.Err = err.Error()
			continue
		}
		p.bin = bin
	}
	return ms, nil
}

// Builds are the builds planned, with their errors so far.
func (ms *Measurer) Builds() []results.VersionBuild {
	var out []results.VersionBuild
	for _, p := range ms.builds {
		out = append(out, p.rec)
	}
	return out
}

// Add runs every build on one input.
func (ms *Measurer) Add(ctx context.Context, name, diffID string, raw []byte) error {
	ms.inputs = append(ms.inputs, results.DeterminismInput{Name: name, DiffID: diffID, RawBytes: int64(len(raw))})
	for _, p := range ms.builds {
		if p.bin == "" || len(p.settings) == 0 {
			continue
		}
		if ms.opts.Progress != nil {
			ms.opts.Progress(fmt.Sprintf("%s: %s, %d setting(s)", name, p.rec.ID, len(p.settings)))
		}
		out, err := Run(ctx, p.bin, raw, p.settings)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			for _, s := range p.settings {
				ms.encodes = append(ms.encodes, results.VersionEncode{Build: p.rec.ID, Input: name, Codec: s.Codec, Level: s.Level,
					Err: fmt.Sprintf("%s: %v", name, err)})
			}
			continue
		}
		p.rec.Reported = map[string]string{"go": out.Go, "klauspost": out.Klauspost, "datadog": out.DataDog, "libzstd": out.Libzstd}
		for _, r := range out.Results {
			ms.encodes = append(ms.encodes, results.VersionEncode{Build: p.rec.ID, Input: name, Codec: r.Codec, Level: r.Level,
				Digest: r.Digest, Bytes: r.Bytes, Err: r.Err})
		}
	}
	return nil
}

// Matrix assembles what has been measured.
func (ms *Measurer) Matrix() *results.VersionMatrix {
	return Assemble(ms.opts.Axes, ms.opts.Settings, ms.Builds(), ms.inputs, ms.encodes)
}

// Method says how a VersionMatrix is made.
const Method = "A small encoder program (gzip-std, gzip-klauspost, zstd-klauspost, zstd-cgo, made as zbench's codecs make them) " +
	"is built once per version: the Go toolchain through GOTOOLCHAIN, github.com/klauspost/compress through go get, " +
	"libzstd as github.com/DataDog/zstd bundles it or the system's through -tags external_libzstd. " +
	"Each axis varies one version while the others stay at their first value; each build encodes each input's raw tar " +
	"in one Write with the codecs the axis changes, and the sha256 and size of each output are kept. " +
	"Each step from one value of an axis to the next says whether the bytes (so the digest) stayed the same, and the size change."

// Assemble makes the matrix from the builds and their encodes: for each
// axis, each step from one value to the next, each codec the axis changes,
// each level (in settings order) and input, whether the bytes stayed the
// same and by how much the size changed. A step one of whose builds or
// encodes failed carries the error.
func Assemble(axes Axes, settings []Setting, builds []results.VersionBuild, inputs []results.DeterminismInput, encodes []results.VersionEncode) *results.VersionMatrix {
	m := &results.VersionMatrix{
		Axes:    axes.list(),
		Builds:  slices.Clone(builds),
		Inputs:  slices.Clone(inputs),
		Method:  Method,
		Encodes: slices.Clone(encodes),
	}
	buildErr := map[string]string{}
	for _, b := range builds {
		if b.Err != "" {
			buildErr[b.ID] = b.Err
		}
	}
	type key struct{ build, input, codec, level string }
	enc := map[key]results.VersionEncode{}
	for _, e := range encodes {
		enc[key{e.Build, e.Input, e.Codec, e.Level}] = e
	}
	find := func(b Build, in string, s Setting) (results.VersionEncode, string) {
		id := b.ID()
		if err, ok := buildErr[id]; ok {
			return results.VersionEncode{}, "build " + id + " failed: " + firstLine(err)
		}
		e, ok := enc[key{id, in, s.Codec, s.Level}]
		switch {
		case !ok:
			return e, "build " + id + " did not encode " + in
		case e.Err != "":
			return e, "build " + id + ": " + e.Err
		}
		return e, ""
	}
	for _, ax := range m.Axes {
		for i := 1; i < len(ax.Values); i++ {
			from, to := axes.build(ax.Name, ax.Values[i-1]), axes.build(ax.Name, ax.Values[i])
			for _, s := range settings {
				if !slices.Contains(ax.Codecs, s.Codec) {
					continue
				}
				for _, in := range inputs {
					st := results.VersionStep{Axis: ax.Name, From: ax.Values[i-1], To: ax.Values[i],
						Codec: s.Codec, Level: s.Level, Input: in.Name}
					a, errA := find(from, in.Name, s)
					b, errB := find(to, in.Name, s)
					st.FromDigest, st.FromBytes = a.Digest, a.Bytes
					st.ToDigest, st.ToBytes = b.Digest, b.Bytes
					switch {
					case errA != "":
						st.Err = errA
					case errB != "":
						st.Err = errB
					default:
						st.Same = a.Digest == b.Digest
					}
					m.Steps = append(m.Steps, st)
				}
			}
		}
	}
	return m
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}
