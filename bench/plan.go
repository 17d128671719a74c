package bench

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"zbench/results"
)

// A Plan is the matrix a run measures on every layer.
type Plan struct {
	Encoders []Setting // encode cells, in order
	// Decoders are the streaming readers, for decode cells of streaming
	// encoders and for decode-original cells.
	Decoders []Codec
	// BufferDecoders are the codecs (each a BufferCodec) whose whole-buffer
	// decoder reads the output of the whole-buffer encoders of their format.
	BufferDecoders []Codec
	Ops            map[string]bool // which operations run; memcpy always does
	// WriteSize is the size of the writes a streaming encoder is fed (0:
	// results.DefaultWrite, 32 KiB, what io.Copy writes).
	WriteSize int
	// Shard, when set, keeps only one part of the matrix (see Shard).
	Shard Shard
}

// AllOps are the operations a plan can hold, in the order a run does them.
var AllOps = []string{results.OpMemcpy, results.OpDecodeOriginal, results.OpEncode, results.OpDecode}

// decodersOf returns the streaming decoders of format (never an
// encode-only codec).
func (p Plan) decodersOf(format string) []Codec { return ofFormat(p.Decoders, format) }

// decodersFor returns the decoders of s's output: the streaming readers of
// its format, or for a whole-buffer encoder the whole-buffer decoders.
func (p Plan) decodersFor(s Setting) []Codec {
	if s.API == results.APIBuffer {
		return ofFormat(p.BufferDecoders, s.Codec.Format())
	}
	return ofFormat(p.Decoders, s.Codec.Format())
}

func ofFormat(cs []Codec, format string) []Codec {
	var ds []Codec
	for _, d := range cs {
		if d.Format() == format && Decodes(d) {
			ds = append(ds, d)
		}
	}
	return ds
}

// A SelectionError is a Selection that NewPlan cannot resolve. Field names
// the part of the selection at fault ("profile", "codecs", "levels", "ops",
// "write-size"), so that a command can name its flag.
type SelectionError struct {
	Field string
	Err   error
}

func (e *SelectionError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *SelectionError) Unwrap() error { return e.Err }

func selErr(field string, err error) error { return &SelectionError{Field: field, Err: err} }

// Profiles name the level sets a run can start from.
const (
	ProfileQuick = "quick" // a few telling levels of each codec
	ProfileFull  = "full"  // every level of every codec
	// ProfileReference is the quick profile with the opt-in codecs (the
	// reference programs) added, at their quick levels.
	ProfileReference = "reference"
)

// Selection is what a user asked for, as flags spell it. A codec's
// whole-buffer API is named by the codec's name and BufferSuffix
// ("zstd-cgo:buffer") in Codecs, Levels and Quick.
type Selection struct {
	Profile string              // ProfileQuick (default), ProfileFull or ProfileReference
	Quick   map[string][]string // the quick profile: codec name → level names
	// OptIn names codecs left out unless Codecs names them or the profile
	// is ProfileReference: the reference programs.
	OptIn  []string
	Codecs string // comma-separated codec names; empty: all
	Levels string // e.g. "gzip-std=1,6,9 zstd-cgo=1-19"; overrides the profile per codec
	Ops    string // comma-separated operations; empty: all
	// WriteSize is the size of the writes a streaming encoder is fed (0:
	// results.DefaultWrite).
	WriteSize int
}

// A choice is a codec through one of its APIs.
type choice struct {
	c   Codec
	api string
}

func (ch choice) name() string { return apiName(ch.c.Name(), ch.api) }

// NewPlan resolves a selection against the available codecs. Its errors are
// SelectionErrors. By default a plan holds every codec's streaming API (but
// the opt-in ones) and the whole-buffer APIs the profile names: the quick
// profile those Quick lists, the full profile all.
func NewPlan(all []Codec, sel Selection) (Plan, error) {
	var p Plan
	if sel.WriteSize < 0 {
		return p, selErr("write-size", fmt.Errorf("%d bytes: want a positive size", sel.WriteSize))
	}
	p.WriteSize = sel.WriteSize
	var chosen []choice
	for _, c := range all {
		if sel.Profile != ProfileReference && slices.Contains(sel.OptIn, c.Name()) {
			continue
		}
		chosen = append(chosen, choice{c, ""})
	}
	for _, c := range all {
		if !HasBuffer(c) || sel.Profile != ProfileReference && slices.Contains(sel.OptIn, c.Name()) {
			continue
		}
		if _, inQuick := sel.Quick[c.Name()+BufferSuffix]; inQuick || sel.Profile == ProfileFull {
			chosen = append(chosen, choice{c, results.APIBuffer})
		}
	}
	if strings.TrimSpace(sel.Codecs) != "" {
		chosen = nil
		for _, name := range splitList(sel.Codecs) {
			ch, err := choiceByName(all, name)
			if err != nil {
				return p, selErr("codecs", err)
			}
			if !slices.Contains(chosen, ch) {
				chosen = append(chosen, ch)
			}
		}
	}
	levels := map[string][]Level{}
	for _, ch := range chosen {
		name := ch.name()
		switch sel.Profile {
		case "", ProfileQuick, ProfileReference:
			names, ok := sel.Quick[name]
			if !ok && ch.api != "" {
				names, ok = sel.Quick[ch.c.Name()]
			}
			if !ok {
				levels[name] = ch.c.Levels()
				continue
			}
			for _, n := range names {
				l, err := LevelByName(ch.c, n)
				if err != nil {
					return p, selErr("profile", fmt.Errorf("quick profile: %w", err))
				}
				levels[name] = append(levels[name], l)
			}
		case ProfileFull:
			levels[name] = ch.c.Levels()
		default:
			return p, selErr("profile", fmt.Errorf("unknown profile %q: want %q, %q or %q", sel.Profile, ProfileQuick, ProfileFull, ProfileReference))
		}
	}
	over, err := ParseLevels(all, sel.Levels)
	if err != nil {
		return p, selErr("levels", err)
	}
	for name, ls := range over {
		if _, ok := levels[name]; !ok {
			return p, selErr("levels", fmt.Errorf("names codec %q, which the codecs selected leave out", name))
		}
		levels[name] = ls
	}
	// Streaming encoders first, in the codecs' order, then the buffer ones.
	for _, api := range []string{"", results.APIBuffer} {
		for _, ch := range chosen {
			if ch.api != api {
				continue
			}
			for _, l := range levels[ch.name()] {
				p.Encoders = append(p.Encoders, Setting{Codec: ch.c, Level: l, API: ch.api})
			}
			if api == "" {
				p.Decoders = append(p.Decoders, ch.c)
			} else {
				p.BufferDecoders = append(p.BufferDecoders, ch.c)
			}
		}
	}

	p.Ops = map[string]bool{results.OpMemcpy: true}
	if strings.TrimSpace(sel.Ops) == "" {
		for _, op := range AllOps {
			p.Ops[op] = true
		}
	} else {
		for _, op := range splitList(sel.Ops) {
			if !slices.Contains(AllOps, op) {
				return p, selErr("ops", fmt.Errorf("unknown operation %q: want some of %s", op, strings.Join(AllOps, ",")))
			}
			p.Ops[op] = true
		}
	}
	return p, nil
}

// choiceByName finds a codec by name, with BufferSuffix for its whole-buffer
// API.
func choiceByName(all []Codec, name string) (choice, error) {
	base, isBuffer := strings.CutSuffix(name, BufferSuffix)
	c, err := codecByName(all, base)
	if err != nil {
		return choice{}, err
	}
	if !isBuffer {
		return choice{c, ""}, nil
	}
	if !HasBuffer(c) {
		var have []string
		for _, c := range all {
			if HasBuffer(c) {
				have = append(have, c.Name()+BufferSuffix)
			}
		}
		return choice{}, fmt.Errorf("codec %s has no whole-buffer API (those that have: %s)", base, strings.Join(have, ", "))
	}
	return choice{c, results.APIBuffer}, nil
}

// ParseLevels parses a level selection: space-separated codec=levels items,
// where levels is a comma-separated list of level names and numeric ranges
// ("1-19"), and codec may name a whole-buffer API ("zstd-cgo:buffer=3"). It
// returns the levels of each named codec in the codec's order.
func ParseLevels(all []Codec, s string) (map[string][]Level, error) {
	out := map[string][]Level{}
	for _, item := range strings.Fields(s) {
		name, list, ok := strings.Cut(item, "=")
		if !ok || list == "" {
			return nil, fmt.Errorf("item %q: want codec=levels, e.g. zstd-cgo=1,3,19 or gzip-std=1-9", item)
		}
		ch, err := choiceByName(all, name)
		if err != nil {
			return nil, err
		}
		c := ch.c
		want := map[string]bool{}
		for _, part := range strings.Split(list, ",") {
			part = strings.TrimSpace(part)
			lo, hi, isRange := strings.Cut(part, "-")
			a, errA := strconv.Atoi(lo)
			b, errB := strconv.Atoi(hi)
			if isRange && lo != "" && errA == nil && errB == nil {
				if a > b {
					return nil, fmt.Errorf("%s: range %q runs backwards", name, part)
				}
				n := 0
				for _, l := range c.Levels() {
					if v, err := strconv.Atoi(l.Name); err == nil && v >= a && v <= b {
						want[l.Name] = true
						n++
					}
				}
				if n == 0 {
					return nil, fmt.Errorf("%s: range %q holds none of its levels (%s)", name, part, levelNames(c))
				}
				continue
			}
			if _, err := LevelByName(c, part); err != nil {
				return nil, fmt.Errorf("%w (it has %s)", err, levelNames(c))
			}
			want[part] = true
		}
		for _, l := range c.Levels() {
			if want[l.Name] {
				out[name] = append(out[name], l)
			}
		}
	}
	return out, nil
}

func levelNames(c Codec) string {
	var names []string
	for _, l := range c.Levels() {
		names = append(names, l.Name)
	}
	return strings.Join(names, ",")
}

func codecByName(all []Codec, name string) (Codec, error) {
	var names []string
	for _, c := range all {
		if c.Name() == name {
			return c, nil
		}
		names = append(names, c.Name())
	}
	return nil, fmt.Errorf("unknown codec %q: this build has %s", name, strings.Join(names, ", "))
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		out = append(out, strings.TrimSpace(f))
	}
	return out
}
