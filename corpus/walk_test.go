package corpus

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// stepString says what a step is, for comparing walks.
func stepString(st Step) string {
	switch {
	case st.Layer != nil:
		return st.Entry.Name + ": " + st.Layer.Format
	case st.Skipped:
		return st.Entry.Name + ": skipped"
	case st.Empty:
		return st.Entry.Name + ": empty"
	case st.Err != nil:
		return st.Entry.Name + ": FAIL"
	}
	return st.Entry.Name + ": ?"
}

func TestWalk(t *testing.T) {
	raw := sampleTar(t)
	emptyInImage := entryOf("img-l2", emptyGzipLayer)
	emptyInImage.FromImage = true
	set := &Set{Entries: []Entry{
		entryOf("good", gzipOf(t, raw)),
		entryOf("bad", gzipOf(t, raw)[:100]),
		emptyInImage,
		entryOf("empty-file", emptyGzipLayer), // not from an image: bad input
		entryOf("resumed", zstdOf(t, raw)),
		entryOf("plain", raw),
	}}
	var got []string
	var errs []error
	walk := set.Walk(context.Background(), WalkOptions{Skip: func(e Entry) bool { return e.Name == "resumed" }})
	for st, err := range walk {
		if err != nil {
			t.Fatalf("walk stopped: %v", err)
		}
		got = append(got, stepString(st))
		if st.Err != nil {
			errs = append(errs, st.Err)
		}
		if st.Layer != nil && st.Layer.DiffID != sha256Hash(raw) {
			t.Errorf("%s: diffID %s, want the raw tar's", st.Entry.Name, st.Layer.DiffID)
		}
	}
	want := []string{"good: gzip", "bad: FAIL", "img-l2: empty", "empty-file: FAIL", "resumed: skipped", "plain: tar"}
	if !slices.Equal(got, want) {
		t.Errorf("walk =\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	for _, err := range errs {
		var le *LayerError
		if !errors.As(err, &le) || !strings.Contains(err.Error(), le.Name) {
			t.Errorf("failure %v: want a *LayerError naming the layer", err)
		}
	}
	if len(errs) == 2 && (!errors.Is(errs[0], ErrCorrupt) || !errors.Is(errs[1], ErrEmptyLayer)) {
		t.Errorf("failures %v, want ErrCorrupt then ErrEmptyLayer", errs)
	}

	// Breaking out of the loop ends the walk.
	n := 0
	for range set.Walk(context.Background(), WalkOptions{}) {
		n++
		break
	}
	if n != 1 {
		t.Errorf("walk went on after break: %d steps", n)
	}
}

func TestWalkInterrupt(t *testing.T) {
	raw := sampleTar(t)
	set := &Set{Entries: []Entry{entryOf("a", gzipOf(t, raw)), entryOf("b", gzipOf(t, raw))}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got []string
	var stop error
	for st, err := range set.Walk(ctx, WalkOptions{}) {
		if err != nil {
			stop = err
			continue // the walk must end by itself
		}
		got = append(got, stepString(st))
		cancel() // Ctrl-C while a's cells are measured
	}
	if !errors.Is(stop, context.Canceled) || !slices.Equal(got, []string{"a: gzip"}) {
		t.Errorf("interrupted walk: steps %v, stopped by %v; want [a: gzip], stopped by context.Canceled", got, stop)
	}
}

func TestOpen(t *testing.T) {
	fr := newFaultyRegistry(t)
	app, tool, base := sampleImages(t, fr)
	r, rec := testResolver(t, Options{})
	set, err := r.Open(context.Background(), []string{app, tool})
	if err != nil {
		t.Fatal(err)
	}
	if set.Fallback != nil || len(set.Images) != 2 || !slices.Equal(set.Args, []string{app, tool}) {
		t.Errorf("Open: args %v, %d image(s), fallback %v", set.Args, len(set.Images), set.Fallback)
	}
	var got []string
	for st, err := range set.Walk(context.Background(), WalkOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, stepString(st))
	}
	// tool's base layer is app's: measured once, as app-v1-l0.
	want := []string{"app-v1-l0: gzip", "app-v1-l1: zstd", "app-v1-l2: empty", "tool-v2-l1: gzip"} // ggcr gzips the plain tar it is given
	if !slices.Equal(got, want) {
		t.Errorf("walk =\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if e := set.Images[1].Layers[0].Entry; e != "app-v1-l0" {
		t.Errorf("tool's base layer is measured as %q, want app-v1-l0", e)
	}
	if !strings.Contains(rec.text(), "measured once") || !strings.Contains(rec.text(), base.Hex[:12]) {
		t.Errorf("no note of the shared layer:\n%s", rec.text())
	}
	if set.Name() != CorpusName(set.Args) || set.Identity() != Identity(set.Entries) {
		t.Errorf("Name %q, Identity %q: want CorpusName and Identity of the set", set.Name(), set.Identity())
	}

	// A directory without layers.
	dir := t.TempDir()
	if _, err := r.Open(context.Background(), []string{dir}); err == nil {
		t.Errorf("Open of an empty directory: no error")
	}
	if _, err := r.Open(context.Background(), []string{filepath.Join(dir, "missing")}); err == nil {
		t.Errorf("Open of a missing file: no error")
	}
}

// TestOpenDefaultOffline checks that with no SOURCE and no registry, Open
// measures builtin and says why.
func TestOpenDefaultOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the builtin layer (23 MB of tar); skipped with -short")
	}
	r, _ := testResolver(t, Options{Offline: true})
	set, err := r.Open(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(set.Fallback, ErrUnreachable) || !slices.Equal(set.Args, []string{"builtin"}) || len(set.Entries) != 1 {
		t.Errorf("Open offline with no SOURCE: args %v, %d entries, fallback %v; want builtin, one entry, ErrUnreachable",
			set.Args, len(set.Entries), set.Fallback)
	}
}
