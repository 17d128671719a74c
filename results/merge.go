package results

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// A DuplicateCellError is Merge's error when, without pooling, two parts
// measured one cell. It is an ErrIncompatibleParts.
type DuplicateCellError struct {
	Cell          CellKey
	First, Second string // the parts
}

func (e *DuplicateCellError) Error() string {
	return fmt.Sprintf("merging: cell %s is in both %q and %q: %v", e.Cell, e.First, e.Second, ErrIncompatibleParts)
}

func (e *DuplicateCellError) Unwrap() error { return ErrIncompatibleParts }

// ErrIncompatibleParts means the run directories given to Merge were not
// measured by the same build on the same kind of machine, or measured
// different layers under one name, or (without pooling) measured one cell
// twice. Their numbers do not belong in one run.
var ErrIncompatibleParts = errors.New("parts do not belong to one run")

// MergeOptions say how Merge joins parts.
type MergeOptions struct {
	// Pool joins the samples of a cell found in several parts, as when one
	// binary ran the same cells in several rounds (scripts/ab.sh). Without
	// it a cell in two parts is an error: shards are disjoint, and a cell
	// twice means a shard was given twice.
	Pool bool
}

// Merge joins run directories into a new run directory dst: the parts of
// a sharded run (`zbench run -shard i/n`), or with opt.Pool the rounds of
// one binary. It returns warnings for people (missing shards, machines
// that differ in kernel or governor).
//
//  1. Every part is read with Load; cells cut short are left out, as Load
//     does.
//  2. The parts' environments must agree on the machine and the build
//     (goos, goarch, cpu, cores, gomaxprocs, Go, zbench commit, libzstd,
//     module versions); os, kernel, governor and Extra values that differ
//     are joined with " | " and warned about. The merged run starts when
//     the earliest part started; Extra's shard is replaced by parts. The
//     images are those of every part, each once (see mergeImages).
//  3. A layer name must have the same digest and diffID in every part.
//  4. Cells are written in the order first seen. With Pool, a cell's
//     samples are those of every part, renumbered; a cell that failed in
//     any part is written as that failure. Rounds are numbered on across
//     parts (a part's round 0 follows the previous part's last round).
//
// dst must not hold a run, nor be written by another process (the lock of
// Create). Files are written atomically, so an interrupted
// merge leaves no half-written run that a reader would take for whole.
func Merge(dst string, parts []string, opt MergeOptions) (warnings []error, err error) {
	if len(parts) == 0 {
		return nil, errors.New("merging: no parts given")
	}
	for _, name := range []string{EnvFile, ResultsFile, SamplesFile} {
		if _, err := os.Stat(filepath.Join(dst, name)); err == nil {
			return nil, fmt.Errorf("merging into %q: it holds %s: %w", dst, name, ErrRunExists)
		}
	}
	envs := make([]Env, len(parts))
	recsOf := make([][]Record, len(parts))
	for i, p := range parts {
		if envs[i], recsOf[i], err = Load(p); err != nil {
			return nil, fmt.Errorf("merging %q: %w", p, err)
		}
	}
	// Rounds of different parts were measured at different moments (or on
	// different machines): number them apart, so that a round names samples
	// taken together.
	offset := 0
	for _, recs := range recsOf {
		last := 0
		for i := range recs {
			last = max(last, recs[i].Round)
			recs[i].Round += offset
		}
		offset += last + 1
	}
	env, warnings, err := mergeEnv(parts, envs)
	if err != nil {
		return nil, err
	}

	type layerID struct{ digest, diffID, part string }
	layers := map[string]layerID{}
	var order []CellKey
	byCell := map[CellKey][][]Record{} // per part that has it
	seenIn := map[CellKey]string{}
	for i, recs := range recsOf {
		for cell := range cells(recs) {
			k := cell[0].Key()
			for _, r := range cell {
				id := layerID{r.LayerDigest, r.DiffID, parts[i]}
				old, ok := layers[k.Layer]
				if !ok || old.digest == "" && old.diffID == "" {
					layers[k.Layer] = id
					continue
				}
				if id.digest != "" && old.digest != "" && id.digest != old.digest || id.diffID != "" && old.diffID != "" && id.diffID != old.diffID {
					return nil, fmt.Errorf("merging: layer %q is %s (diffID %s) in %q and %s (diffID %s) in %q: %w",
						k.Layer, old.digest, old.diffID, old.part, id.digest, id.diffID, id.part, ErrIncompatibleParts)
				}
			}
			prev, seen := seenIn[k]
			switch {
			case seen && k.Op == OpLoad:
				// Every shard loads every layer, so a layer that failed
				// to load failed in each of them: keep the first.
				continue
			case seen && !opt.Pool:
				return nil, &DuplicateCellError{Cell: k, First: prev, Second: parts[i]}
			}
			if _, ok := byCell[k]; !ok {
				order = append(order, k)
				seenIn[k] = parts[i]
			}
			byCell[k] = append(byCell[k], cell)
		}
	}

	var cells [][]Record
	for _, k := range order {
		var merged []Record
		for _, cell := range byCell[k] {
			if cell[0].Err != "" {
				merged = slices.Clone(cell)
				if len(byCell[k]) > 1 {
					warnings = append(warnings, fmt.Errorf("cell %s failed in one of its parts, so it is written as failed: %s", k, cell[0].Err))
				}
				break
			}
			merged = append(merged, cell...)
		}
		for i := range merged {
			if merged[i].Err == "" {
				merged[i].Sample = i
			}
		}
		cells = append(cells, merged)
	}
	if err := WriteRun(dst, env, cells); err != nil {
		return nil, fmt.Errorf("merging: %w", err)
	}
	return warnings, nil
}

// mergeEnv checks that envs describe one machine and build, and returns
// the merged run's environment.
func mergeEnv(parts []string, envs []Env) (Env, []error, error) {
	var warnings []error
	env := envs[0]
	env.Extra = maps.Clone(env.Extra)
	if env.Extra == nil {
		env.Extra = map[string]string{}
	}
	joined := func(get func(Env) string) string {
		var vals []string
		for _, e := range envs {
			if v := get(e); !slices.Contains(vals, v) {
				vals = append(vals, v)
			}
		}
		return strings.Join(vals, " | ")
	}
	for i, e := range envs[1:] {
		var hard, soft []string
		for _, d := range envs[0].differences(e) {
			key, _, _ := strings.Cut(d, " ")
			switch key {
			case "os", "kernel", "governor":
				soft = append(soft, d)
			default:
				hard = append(hard, d)
			}
		}
		if len(hard) > 0 {
			return env, nil, fmt.Errorf("merging: %q and %q come from different machines or builds (%s): %w",
				parts[0], parts[i+1], strings.Join(hard, ", "), ErrIncompatibleParts)
		}
		if len(soft) > 0 {
			warnings = append(warnings, fmt.Errorf("%q and %q ran on differing systems (%s)", parts[0], parts[i+1], strings.Join(soft, ", ")))
		}
		if e.Start.Before(env.Start) {
			env.Start = e.Start
		}
	}
	env.OS = joined(func(e Env) string { return e.OS })
	env.Kernel = joined(func(e Env) string { return e.Kernel })
	env.Governor = joined(func(e Env) string { return e.Governor })

	keys := map[string]bool{}
	for _, e := range envs {
		for k := range e.Extra {
			keys[k] = true
		}
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if k == ExtraShard || k == ExtraParts {
			continue
		}
		v := joined(func(e Env) string { return e.Extra[k] })
		if v != env.Extra[k] {
			warnings = append(warnings, fmt.Errorf("the parts differ in %s: %s", k, v))
		}
		env.Extra[k] = v
	}
	delete(env.Extra, ExtraShard)
	env.Extra[ExtraParts] = strconv.Itoa(len(envs))
	warnings = append(warnings, checkShards(parts, envs)...)
	images, err := mergeImages(parts, envs)
	if err != nil {
		return env, nil, err
	}
	env.Images = images
	return env, warnings, nil
}

// mergeImages joins the parts' images: each image (by Ref and Platform)
// once, in the order first seen. An image must list the same layers under
// the same names in every part that resolved it; a layer is empty if a
// part found it so (a part cut short may not have loaded it).
func mergeImages(parts []string, envs []Env) ([]Image, error) {
	type key struct{ ref, platform string }
	var out []Image
	at := map[key]int{}
	from := map[key]string{}
	for p, e := range envs {
		for _, img := range e.Images {
			k := key{img.Ref, img.Platform}
			i, ok := at[k]
			switch {
			case !ok:
				at[k], from[k] = len(out), parts[p]
				out = append(out, cloneImages([]Image{img})[0])
				continue
			case img.Err != "":
				continue
			case out[i].Err != "":
				out[i], from[k] = cloneImages([]Image{img})[0], parts[p]
				continue
			}
			have := out[i].Layers
			same := len(have) == len(img.Layers)
			for j := 0; same && j < len(have); j++ {
				same = have[j].Layer == img.Layers[j].Layer && have[j].Digest == img.Layers[j].Digest && have[j].Skip == img.Layers[j].Skip
			}
			if !same {
				return nil, fmt.Errorf("merging: image %s has other layers, or layers named otherwise, in %q than in %q: %w",
					img.Ref, parts[p], from[k], ErrIncompatibleParts)
			}
			for j, l := range img.Layers {
				have[j].Empty = have[j].Empty || l.Empty
			}
		}
	}
	return out, nil
}

// checkShards warns when parts recording a shard do not make a whole:
// shards of different counts, a shard given twice, shards missing.
func checkShards(parts []string, envs []Env) []error {
	n := 0
	have := map[int]string{}
	var warnings []error
	for i, e := range envs {
		s, ok := e.Extra[ExtraShard]
		if !ok {
			continue
		}
		is, ns, _ := strings.Cut(s, "/")
		idx, err1 := strconv.Atoi(is)
		cnt, err2 := strconv.Atoi(ns)
		if err1 != nil || err2 != nil {
			warnings = append(warnings, fmt.Errorf("%q records shard %q, which is not i/n", parts[i], s))
			continue
		}
		if n != 0 && cnt != n {
			warnings = append(warnings, fmt.Errorf("%q is shard %s, of a different count than the parts before it (%d)", parts[i], s, n))
		}
		n = cnt
		if prev, ok := have[idx]; ok {
			warnings = append(warnings, fmt.Errorf("shard %d/%d is given twice: %q and %q", idx, cnt, prev, parts[i]))
		}
		have[idx] = parts[i]
	}
	if n == 0 {
		return warnings
	}
	var missing []string
	for i := range n {
		if _, ok := have[i]; !ok {
			missing = append(missing, fmt.Sprintf("%d/%d", i, n))
		}
	}
	if len(missing) > 0 {
		warnings = append(warnings, fmt.Errorf("shards missing from the merge: %s; the merged run lacks their cells", strings.Join(missing, ", ")))
	}
	return warnings
}
