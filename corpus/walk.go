package corpus

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"runtime/debug"
	"strings"
)

// ErrNoLayers is returned by Resolver.Open when the SOURCEs hold no layer to
// measure.
var ErrNoLayers = errors.New("no layers")

// A Set is the layers of a run's SOURCEs, resolved and fetched, each named
// once: what Resolver.Open returns and Set.Walk loads.
type Set struct {
	// Args are the SOURCE arguments measured: those given, or the default
	// list, or builtin (see Fallback).
	Args []string
	// Entries are the layers to measure, in order, each blob once, every
	// Name unique (image layers are named image-lN).
	Entries []Entry
	// Images are the images the SOURCEs named, in order, each layer's Entry
	// set to the name of the entry that measures it.
	Images []*Image
	// Fallback, when set, is why the default list could not be had: Open
	// was given no SOURCE, no registry could be reached for DefaultList,
	// and the set is builtin instead. It wraps ErrUnreachable.
	Fallback error
}

// Open turns SOURCE arguments into the layers to measure: it parses them,
// resolves every image and fetches the missing blobs together (Resolve), and
// returns the entries and images. With no argument it opens the default list
// (@DefaultList), or builtin when Probe finds that no registry can be
// reached for it (Set.Fallback says why). A set without layers is an error
// wrapping ErrNoLayers that names the arguments.
// An error in the SOURCE arguments themselves (a bad reference, a missing
// file, a bad corpus list), as opposed to one met while fetching, is a
// *SourceError, which matches ErrBadSource.
func (r *Resolver) Open(ctx context.Context, args []string) (*Set, error) {
	set := &Set{Args: args}
	var srcs []Source
	var err error
	if len(args) > 0 {
		srcs, err = r.ParseAll(args)
	} else {
		set.Args = []string{"@" + DefaultList}
		if srcs, err = r.ParseAll(set.Args); err == nil {
			if perr := r.Probe(ctx, srcs); perr != nil {
				set.Fallback = perr
				set.Args = []string{"builtin"}
				srcs, err = r.ParseAll(set.Args)
			}
		}
	}
	if err != nil {
		return nil, &SourceError{err}
	}
	if set.Entries, set.Images, err = r.Resolve(ctx, srcs); err != nil {
		return nil, err
	}
	if len(set.Entries) == 0 {
		return nil, fmt.Errorf("%w in %s", ErrNoLayers, strings.Join(set.Args, " "))
	}
	return set, nil
}

// Name names the set's corpus for a run's environment (see CorpusName).
func (s *Set) Name() string { return CorpusName(s.Args) }

// Identity is the set's corpus-digest (see Identity).
func (s *Set) Identity() string { return Identity(s.Entries) }

// WalkOptions say how Set.Walk loads layers.
type WalkOptions struct {
	Load LoadOptions
	// Skip, when set, is asked before each layer is loaded: a layer it
	// returns true for is yielded with Skipped set, unread (a resumed run
	// skips the layers that failed to load before).
	Skip func(Entry) bool
}

// A Step is one layer of a walk. Exactly one of Layer, Skipped, Empty and
// Err is set.
type Step struct {
	Entry Entry
	// Layer is the layer in memory, checked; valid until the loop body
	// returns, when the walk gives its memory back.
	Layer *Loaded
	// Skipped is set for a layer WalkOptions.Skip kept from loading.
	Skipped bool
	// Empty is set for a layer of an image that holds no files (the empty
	// layers builders emit for metadata steps): nothing to measure, and
	// not a failure.
	Empty bool
	// Err is why the layer failed to load: a *LayerError naming the layer
	// and its origin. The walk goes on with the next layer.
	Err error
}

// Walk loads the set's layers one at a time, in order, and yields each as a
// Step: loaded and verified (Load), skipped, empty or failed. It holds one
// layer at a time: once the loop body returns, the layer's memory is given
// back to the system before the next is loaded. A bad layer is a Step with
// Err, and the walk goes on; only an interrupt stops it: when ctx is done
// while a layer loads, Walk yields ctx's error (with a zero Step) and ends.
func (s *Set) Walk(ctx context.Context, opts WalkOptions) iter.Seq2[Step, error] {
	return func(yield func(Step, error) bool) {
		for _, e := range s.Entries {
			if opts.Skip != nil && opts.Skip(e) {
				if !yield(Step{Entry: e, Skipped: true}, nil) {
					return
				}
				continue
			}
			l, err := Load(ctx, e, opts.Load)
			if err != nil {
				if ctx.Err() != nil {
					yield(Step{}, ctx.Err())
					return
				}
				st := Step{Entry: e, Err: err}
				if e.FromImage && errors.Is(err, ErrEmptyLayer) {
					st = Step{Entry: e, Empty: true}
				}
				if !yield(st, nil) {
					return
				}
				continue
			}
			more := yield(Step{Entry: e, Layer: l}, nil)
			// Hold one layer at a time: give this one's memory back before
			// the next is loaded.
			l = nil
			runtime.GC()
			debug.FreeOSMemory()
			if !more {
				return
			}
		}
	}
}

// ErrBadSource is matched by an error in a SOURCE argument itself: it cannot
// be parsed, or names a file or list that cannot be read. Typically this
// indicates a typing mistake in the command line.
var ErrBadSource = errors.New("bad source")

// A SourceError is an error in the SOURCE arguments, not in fetching them.
type SourceError struct{ Err error }

func (e *SourceError) Error() string { return e.Err.Error() }

// Unwrap returns the parse error.
func (e *SourceError) Unwrap() error { return e.Err }

// Is reports whether target is ErrBadSource.
func (e *SourceError) Is(target error) bool { return target == ErrBadSource }
