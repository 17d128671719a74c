// Package determinism measures whether an encoder writes the same bytes, and
// so the same layer digest, every time: across repeated encodes of the same
// input, across GOMAXPROCS, across the sizes of the writes it is given,
// across its own concurrency options, and across implementations at
// matching levels.
//
// A registry or a build tool that recompresses a layer gets a new digest
// unless the bytes come out the same; whether they do decides if two
// builders agree on an image's digest, and if a conversion can be checked
// by redoing it.
//
//  1. [Measure] encodes each input with each [bench.Variant] at each level,
//     [Options.Repeats] times at each GOMAXPROCS (set with
//     runtime.GOMAXPROCS and restored), once more in pieces of
//     [Options.WriteSize] bytes, and keeps the sha256 of every output.
//  2. It summarises each codec, option and level ([Setting]) and compares
//     implementations of a format at matching levels ([Comparison]).
//  3. The [Matrix] is written as JSON; package evidence reads it back.
//
// Nothing is timed: the outputs' digests are the whole result.
package determinism

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"

	"zbench/bench"
	"zbench/results"
)

// Options says how many times, and how, each cell is encoded.
type Options struct {
	// Repeats is how many times each cell is encoded at each GOMAXPROCS
	// (default 3).
	Repeats int
	// GOMAXPROCS are the settings to encode at (default 1 and
	// runtime.NumCPU, or just 1 on one core).
	GOMAXPROCS []int
	// WriteSize is the size of the pieces of the one extra encode that
	// writes the input piecewise, as io.Copy does (default 32 KiB).
	WriteSize int
	// Progress, when set, hears of each encode before it starts.
	Progress func(string)
	// Comparable maps a codec's level onto a scale shared by the
	// implementations of its format (zlib's for gzip, libzstd's for
	// zstd), with ok false for levels that have no counterpart; see
	// codecs.ComparableLevel. Nil: implementations are not compared.
	Comparable func(c bench.Codec, l bench.Level) (level int, ok bool)
}

// DefaultWriteSize is io.Copy's buffer size: what an encoder is given when a
// tar stream is copied into it.
const DefaultWriteSize = 32 << 10

func (o Options) withDefaults() Options {
	if o.Repeats <= 0 {
		o.Repeats = 3
	}
	if len(o.GOMAXPROCS) == 0 {
		o.GOMAXPROCS = []int{1}
		if n := runtime.NumCPU(); n > 1 {
			o.GOMAXPROCS = append(o.GOMAXPROCS, n)
		}
	}
	if o.WriteSize <= 0 {
		o.WriteSize = DefaultWriteSize
	}
	return o
}

// An Input is one layer's raw tar.
type Input struct {
	Name   string
	DiffID string
	Raw    []byte
}

// A Task is one encoder variant and the levels to encode at.
type Task struct {
	Variant bench.Variant
	Levels  []bench.Level
}

// The matrix's types are results' (so that the packages that read a
// matrix need not link the measuring code); these names are theirs.
type (
	Matrix     = results.DeterminismMatrix
	InputInfo  = results.DeterminismInput
	Encode     = results.DeterminismEncode
	Setting    = results.DeterminismSetting
	Comparison = results.DeterminismComparison
)

// Writes says how an encode was given its input.
const (
	WritesOne    = results.WritesOne
	WritesPieces = results.WritesPieces
)

// File is the name zbench determinism suggests for a matrix kept in a run
// directory, where zbench evidence finds it.
const File = results.DeterminismFile

// ReadFile reads a matrix written by its WriteJSON.
func ReadFile(path string) (*Matrix, error) { return results.ReadDeterminism(path) }

// Measure runs every task on every input as the package doc describes and
// returns the matrix, with Versions left for the caller to fill. An encode
// that fails is recorded with its error and the measurement goes on; Measure
// returns early only when ctx is done. It holds every input in memory; a
// [Measurer] takes one at a time.
func Measure(ctx context.Context, inputs []Input, tasks []Task, opts Options) (*Matrix, error) {
	ms := NewMeasurer(tasks, opts)
	for _, in := range inputs {
		if err := ms.Add(ctx, in); err != nil {
			return nil, err
		}
	}
	return ms.Matrix(), nil
}

// A Measurer measures inputs one at a time, so that only one need be in
// memory, and then makes the matrix.
type Measurer struct {
	opts    Options
	tasks   []Task
	inputs  []InputInfo
	encodes []Encode
}

// NewMeasurer returns a Measurer of tasks with opts.
func NewMeasurer(tasks []Task, opts Options) *Measurer {
	return &Measurer{opts: opts.withDefaults(), tasks: tasks}
}

// Add encodes in with every task, at each GOMAXPROCS in turn.
//
// Note: GOMAXPROCS is process-wide. Add sets it for each pass and restores
// it before it returns; nothing else should run meanwhile.
func (ms *Measurer) Add(ctx context.Context, in Input) error {
	ms.inputs = append(ms.inputs, InputInfo{Name: in.Name, DiffID: in.DiffID, RawBytes: int64(len(in.Raw))})
	top := slices.Max(ms.opts.GOMAXPROCS)
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	for _, g := range ms.opts.GOMAXPROCS {
		runtime.GOMAXPROCS(g)
		for _, t := range ms.tasks {
			for _, l := range t.Levels {
				if err := ctx.Err(); err != nil {
					return err
				}
				e := Encode{Input: in.Name, Codec: t.Variant.Codec.Name(), Option: t.Variant.Option,
					Level: l.Name, GOMAXPROCS: g, Threads: t.Variant.Threads(), Writes: WritesOne}
				ms.encodes = append(ms.encodes, run(e, t.Variant, l, in.Raw, ms.opts.Repeats, 0, ms.opts.Progress))
				if g == top {
					e.Writes = WritesPieces
					ms.encodes = append(ms.encodes, run(e, t.Variant, l, in.Raw, 1, ms.opts.WriteSize, ms.opts.Progress))
				}
			}
		}
	}
	return nil
}

// Matrix summarises what has been measured, with Versions left for the
// caller to fill.
func (ms *Measurer) Matrix() *Matrix {
	top := slices.Max(ms.opts.GOMAXPROCS)
	return &Matrix{
		Cores:      runtime.NumCPU(),
		GOMAXPROCS: ms.opts.GOMAXPROCS,
		Repeats:    ms.opts.Repeats,
		WriteSize:  ms.opts.WriteSize,
		Versions:   map[string]string{},
		Inputs:     slices.Clone(ms.inputs),
		Method:     method(ms.opts),
		Settings:   summarize(ms.encodes, ms.tasks, top),
		Across:     compare(ms.encodes, ms.tasks, top, ms.opts.Comparable),
		Encodes:    slices.Clone(ms.encodes),
	}
}

func method(o Options) string {
	var g []string
	for _, n := range o.GOMAXPROCS {
		g = append(g, strconv.Itoa(n))
	}
	return fmt.Sprintf("Each input's raw tar is encoded by each encoder (and each of its concurrency options) at each level "+
		"%d times at GOMAXPROCS %s, in one Write, and once more at GOMAXPROCS %d in Writes of %d bytes (as io.Copy writes). "+
		"The sha256 of each output is kept. An encoder is repeatable when all its outputs of a cell are the same; "+
		"implementations are compared on their first output at the highest GOMAXPROCS, at matching levels "+
		"(zlib's 1-9 for gzip, libzstd's levels for zstd; klauspost's zstd levels as fastest=1, default=3, better=7, best=11).",
		o.Repeats, strings.Join(g, " and "), slices.Max(o.GOMAXPROCS), o.WriteSize)
}

// run encodes raw n times with v at l and records the digests in e.
func run(e Encode, v bench.Variant, l bench.Level, raw []byte, n, pieces int, progress func(string)) Encode {
	for i := range n {
		if progress != nil {
			progress(fmt.Sprintf("%s: %s level %s, GOMAXPROCS %d, %s writes, %d of %d", e.Input, v.Name(), l.Name, e.GOMAXPROCS, e.Writes, i+1, n))
		}
		d, size, err := encodeHash(v, l, raw, pieces)
		if err != nil {
			e.Err = err.Error()
			return e
		}
		if i == 0 {
			e.Bytes = size
		}
		e.Digests = append(e.Digests, d)
	}
	return e
}

type countHash struct {
	hash.Hash
	n int64
}

func (c *countHash) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return c.Hash.Write(p)
}

// encodeHash encodes raw with v at l, in one Write or in pieces of the given
// size, and returns the sha256 and size of the output.
func encodeHash(v bench.Variant, l bench.Level, raw []byte, pieces int) (string, int64, error) {
	h := &countHash{Hash: sha256.New()}
	w, err := v.NewWriter(h, l)
	if err != nil {
		return "", 0, err
	}
	write := func(p []byte) error {
		_, err := w.Write(p)
		return err
	}
	if pieces <= 0 {
		err = write(raw)
	}
	for rest := raw; pieces > 0 && len(rest) > 0 && err == nil; {
		k := min(pieces, len(rest))
		err = write(rest[:k])
		rest = rest[k:]
	}
	if err != nil {
		w.Close()
		return "", 0, fmt.Errorf("write: %w", err)
	}
	if err := w.Close(); err != nil {
		return "", 0, fmt.Errorf("close: %w", err)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), h.n, nil
}

type settingKey struct{ codec, option, level string }

// summarize makes one Setting per task and level, in task order.
func summarize(encodes []Encode, tasks []Task, top int) []Setting {
	by := map[settingKey][]Encode{}
	for _, e := range encodes {
		k := settingKey{e.Codec, e.Option, e.Level}
		by[k] = append(by[k], e)
	}
	// first output at the top GOMAXPROCS in one Write, by setting and input
	first := func(k settingKey, input string) string {
		for _, e := range by[k] {
			if e.Input == input && e.GOMAXPROCS == top && e.Writes == WritesOne && len(e.Digests) > 0 {
				return e.Digests[0]
			}
		}
		return ""
	}
	var out []Setting
	for _, t := range tasks {
		for _, l := range t.Levels {
			k := settingKey{t.Variant.Codec.Name(), t.Variant.Option, l.Name}
			s := Setting{Codec: k.codec, Option: k.option, Level: k.level, Digests: map[string]string{},
				Repeatable: true, SameAcrossGOMAXPROCS: true, SameAcrossWrites: true}
			byInput := map[string]map[int]string{} // input → GOMAXPROCS → digest
			for _, e := range by[k] {
				if e.Err != "" {
					if s.Err == "" {
						s.Err = fmt.Sprintf("%s, GOMAXPROCS %d, %s writes: %s", e.Input, e.GOMAXPROCS, e.Writes, e.Err)
					}
					continue
				}
				if e.Writes == WritesOne && !slices.Contains(s.Threads, e.Threads) {
					s.Threads = append(s.Threads, e.Threads)
				}
				for _, d := range e.Digests[1:] {
					if d != e.Digests[0] {
						s.Repeatable = false
					}
				}
				if e.Writes == WritesPieces {
					continue
				}
				if byInput[e.Input] == nil {
					byInput[e.Input] = map[int]string{}
				}
				byInput[e.Input][e.GOMAXPROCS] = e.Digests[0]
			}
			for _, e := range by[k] {
				if e.Err == "" && e.Writes == WritesPieces && e.Digests[0] != first(k, e.Input) {
					s.SameAcrossWrites = false
				}
			}
			for input, ds := range byInput {
				for _, d := range ds {
					if d != ds[top] {
						s.SameAcrossGOMAXPROCS = false
					}
				}
				s.Digests[input] = ds[top]
			}
			if k.option != "" {
				base := settingKey{k.codec, "", k.level}
				if _, ok := by[base]; ok {
					same := true
					for input, d := range s.Digests {
						if b := first(base, input); b == "" || b != d {
							same = false
						}
					}
					s.SameAsCodec = &same
				}
			}
			if s.Err != "" {
				s.Repeatable, s.SameAcrossGOMAXPROCS, s.SameAcrossWrites = false, false, false
			}
			out = append(out, s)
		}
	}
	return out
}

// compare groups, per format, matching level and input, the encoders by the
// bytes they wrote.
func compare(encodes []Encode, tasks []Task, top int, comparable func(bench.Codec, bench.Level) (int, bool)) []Comparison {
	if comparable == nil {
		return nil
	}
	type key struct {
		format string
		level  int
		input  string
	}
	type member struct{ name, digest string }
	groups := map[key][]member{}
	var keys []key
	for _, t := range tasks {
		for _, l := range t.Levels {
			n, ok := comparable(t.Variant.Codec, l)
			if !ok {
				continue
			}
			for _, e := range encodes {
				if e.Codec != t.Variant.Codec.Name() || e.Option != t.Variant.Option || e.Level != l.Name ||
					e.GOMAXPROCS != top || e.Writes != WritesOne || e.Err != "" {
					continue
				}
				k := key{t.Variant.Codec.Format(), n, e.Input}
				if _, ok := groups[k]; !ok {
					keys = append(keys, k)
				}
				groups[k] = append(groups[k], member{t.Variant.Name() + "@" + l.Name, e.Digests[0]})
			}
		}
	}
	sort.SliceStable(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.format != b.format {
			return a.format < b.format
		}
		if a.level != b.level {
			return a.level < b.level
		}
		return a.input < b.input
	})
	var out []Comparison
	for _, k := range keys {
		ms := groups[k]
		// Count distinct codecs: a comparison needs two implementations.
		impl := map[string]bool{}
		for _, m := range ms {
			name, _, _ := strings.Cut(m.name, " [")
			name, _, _ = strings.Cut(name, "@")
			impl[name] = true
		}
		if len(impl) < 2 {
			continue
		}
		var order []string
		by := map[string][]string{}
		for _, m := range ms {
			if _, ok := by[m.digest]; !ok {
				order = append(order, m.digest)
			}
			by[m.digest] = append(by[m.digest], m.name)
		}
		c := Comparison{Format: k.format, Level: k.level, Input: k.input, Identical: len(order) == 1}
		for _, d := range order {
			c.Groups = append(c.Groups, by[d])
		}
		sort.SliceStable(c.Groups, func(i, j int) bool { return len(c.Groups[i]) > len(c.Groups[j]) })
		out = append(out, c)
	}
	return out
}
