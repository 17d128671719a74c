package lazy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zbench/bench/codectest"
)

// The alpine series of the shared corpus, oldest first.
var alpineSeries = []string{
	"alpine-3.12.12-x86_64-minirootfs.tar.gz",
	"alpine-3.18.9-x86_64-minirootfs.tar.gz",
	"alpine-3.20.3-x86_64-minirootfs.tar.gz",
	"alpine-edge-20240923-x86_64-minirootfs.tar.gz",
}

// TestAlpineSeries analyses the alpine series (skipped in -short mode and
// without the shared corpus): every chunk verifies; both formats cost more
// bytes than plain, by less than a tenth; each update fetches less than
// the whole blob, and the two minor updates less than the jump from 3.12.
func TestAlpineSeries(t *testing.T) {
	if testing.Short() {
		t.Skip("encodes four layers in three formats; skipped in -short mode")
	}
	dir, err := codectest.CorpusDir()
	if err != nil {
		t.Skipf("shared corpus absent: %v", err)
	}
	var layers []Layer
	for _, f := range alpineSeries {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Skipf("shared corpus lacks %s", f)
		}
		layers = append(layers, Layer{Name: strings.TrimSuffix(f, "-x86_64-minirootfs.tar.gz"), Raw: codectest.LayerTar(t, f)})
	}
	rep, err := Analyse(layers, Options{Prioritized: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Overheads) != 4*3 || len(rep.Updates) != 3*3 || len(rep.FilesFirst) != 4*3 {
		t.Fatalf("%d overheads, %d updates, %d files-first rows; want 12, 9, 12", len(rep.Overheads), len(rep.Updates), len(rep.FilesFirst))
	}
	for _, o := range rep.Overheads {
		if r := o.Ratio(); r <= 1 || r > 1.1 {
			t.Errorf("%s %s: %.3f times the plain size, want more than 1 and at most 1.1", o.Layer, o.Format, r)
		}
	}
	saved := map[string][]float64{}
	for _, u := range rep.Updates {
		if u.Total() >= u.Blob {
			t.Errorf("%s→%s %s: fetches %d of a %d-byte blob", u.From, u.To, u.Format, u.Total(), u.Blob)
		}
		saved[u.Format] = append(saved[u.Format], u.Saved())
		t.Logf("%s→%s %s: %d of %d bytes (saved %.1f%%), %d of %d chunks", u.From, u.To, u.Format, u.Total(), u.Blob, 100*u.Saved(), u.Fetched, u.Chunks)
	}
	for f, s := range saved {
		if s[1] <= s[0] || s[2] <= s[0] {
			t.Errorf("%s: saved %.3f from 3.12, then %.3f and %.3f: want the minor updates to save more", f, s[0], s[1], s[2])
		}
	}
	for _, ff := range rep.FilesFirst {
		if len(ff.Files) != 5 || len(ff.Missing) > 0 || ff.Total() >= ff.Blob {
			t.Errorf("%s %s: files first %+v", ff.Layer, ff.Format, ff)
		}
		if ff.Format == "estargz-prio" && ff.Ranges != 1 {
			t.Errorf("%s estargz-prio: the prioritized files take %d ranges, want 1", ff.Layer, ff.Ranges)
		}
	}
}
