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
	Encoders []Setting       // encode cells, in order
	Decoders []Codec         // decoders, for decode and decode-original cells
	Ops      map[string]bool // which operations run; memcpy always does
	// Shard, when set, keeps only one part of the matrix (see Shard).
	Shard Shard
}

// AllOps are the operations a plan can hold, in the order a run does them.
var AllOps = []string{results.OpMemcpy, results.OpDecodeOriginal, results.OpEncode, results.OpDecode}

func (p Plan) decodersOf(format string) []Codec {
	var ds []Codec
	for _, d := range p.Decoders {
		if d.Format() == format && Decodes(d) {
			ds = append(ds, d)
		}
	}
	return ds
}

// Profiles name the level sets a run can start from.
const (
	ProfileQuick = "quick" // a few telling levels of each codec
	ProfileFull  = "full"  // every level of every codec
	// ProfileReference is the quick profile with the opt-in codecs (the
	// reference programs) added, at their quick levels.
	ProfileReference = "reference"
)

// Selection is what a user asked for, as flags spell it.
type Selection struct {
	Profile string              // ProfileQuick (default), ProfileFull or ProfileReference
	Quick   map[string][]string // the quick profile: codec name → level names
	// OptIn names codecs left out unless Codecs names them or the profile
	// is ProfileReference: the reference programs.
	OptIn  []string
	Codecs string // comma-separated codec names; empty: all
	Levels string // e.g. "gzip-std=1,6,9 zstd-cgo=1-19"; overrides the profile per codec
	Ops    string // comma-separated operations; empty: all
}

// NewPlan resolves a selection against the available codecs.
func NewPlan(all []Codec, sel Selection) (Plan, error) {
	var p Plan
	chosen := all
	if sel.Profile != ProfileReference && len(sel.OptIn) > 0 {
		chosen = nil
		for _, c := range all {
			if !slices.Contains(sel.OptIn, c.Name()) {
				chosen = append(chosen, c)
			}
		}
	}
	if strings.TrimSpace(sel.Codecs) != "" {
		chosen = nil
		for _, name := range splitList(sel.Codecs) {
			c, err := codecByName(all, name)
			if err != nil {
				return p, err
			}
			if !slices.Contains(chosen, c) {
				chosen = append(chosen, c)
			}
		}
	}
	levels := map[string][]Level{}
	for _, c := range chosen {
		switch sel.Profile {
		case "", ProfileQuick, ProfileReference:
			names, ok := sel.Quick[c.Name()]
			if !ok {
				levels[c.Name()] = c.Levels()
				continue
			}
			for _, n := range names {
				l, err := LevelByName(c, n)
				if err != nil {
					return p, fmt.Errorf("quick profile: %w", err)
				}
				levels[c.Name()] = append(levels[c.Name()], l)
			}
		case ProfileFull:
			levels[c.Name()] = c.Levels()
		default:
			return p, fmt.Errorf("unknown profile %q: want %q, %q or %q", sel.Profile, ProfileQuick, ProfileFull, ProfileReference)
		}
	}
	over, err := ParseLevels(chosen, sel.Levels)
	if err != nil {
		return p, err
	}
	for name, ls := range over {
		if _, ok := levels[name]; !ok {
			return p, fmt.Errorf("-levels names codec %q, which -codecs leaves out", name)
		}
		levels[name] = ls
	}
	for _, c := range chosen {
		for _, l := range levels[c.Name()] {
			p.Encoders = append(p.Encoders, Setting{c, l})
		}
	}
	p.Decoders = chosen

	p.Ops = map[string]bool{results.OpMemcpy: true}
	if strings.TrimSpace(sel.Ops) == "" {
		for _, op := range AllOps {
			p.Ops[op] = true
		}
	} else {
		for _, op := range splitList(sel.Ops) {
			if !slices.Contains(AllOps, op) {
				return p, fmt.Errorf("unknown operation %q: want some of %s", op, strings.Join(AllOps, ","))
			}
			p.Ops[op] = true
		}
	}
	return p, nil
}

// ParseLevels parses a -levels value: space-separated codec=levels items,
// where levels is a comma-separated list of level names and numeric ranges
// ("1-19"). It returns the levels of each named codec in the codec's order.
func ParseLevels(all []Codec, s string) (map[string][]Level, error) {
	out := map[string][]Level{}
	for _, item := range strings.Fields(s) {
		name, list, ok := strings.Cut(item, "=")
		if !ok || list == "" {
			return nil, fmt.Errorf("-levels item %q: want codec=levels, e.g. zstd-cgo=1,3,19 or gzip-std=1-9", item)
		}
		c, err := codecByName(all, name)
		if err != nil {
			return nil, err
		}
		want := map[string]bool{}
		for _, part := range strings.Split(list, ",") {
			part = strings.TrimSpace(part)
			lo, hi, isRange := strings.Cut(part, "-")
			a, errA := strconv.Atoi(lo)
			b, errB := strconv.Atoi(hi)
			if isRange && lo != "" && errA == nil && errB == nil {
				if a > b {
					return nil, fmt.Errorf("-levels %s: range %q runs backwards", name, part)
				}
				n := 0
				for _, l := range c.Levels() {
					if v, err := strconv.Atoi(l.Name); err == nil && v >= a && v <= b {
						want[l.Name] = true
						n++
					}
				}
				if n == 0 {
					return nil, fmt.Errorf("-levels %s: range %q holds none of its levels (%s)", name, part, levelNames(c))
				}
				continue
			}
			if _, err := LevelByName(c, part); err != nil {
				return nil, fmt.Errorf("-levels: %w (it has %s)", err, levelNames(c))
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
