package results_test

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"zbench/internal/fakerun"
	"zbench/results"
)

// twoImages are web and db, which share their base layer: measured once,
// as web-1-l0, and listed under that name in both.
func twoImages() []results.Image {
	return []results.Image{
		{Ref: "web:1@sha256:aa", Name: "web-1", Platform: "linux/amd64", Layers: []results.ImageLayer{
			{Layer: "web-1-l0", Digest: fakerun.Digest("01"), Size: 100},
			{Layer: "web-1-l1", Digest: fakerun.Digest("02"), Size: 200},
		}},
		{Ref: "db:2@sha256:bb", Name: "db-2", Platform: "linux/amd64", Layers: []results.ImageLayer{
			{Layer: "web-1-l0", Digest: fakerun.Digest("01"), Size: 100},
			{Layer: "db-2-l1", Digest: fakerun.Digest("03"), Size: 300},
			{Digest: fakerun.Digest("04"), Size: 400, Skip: "foreign (non-distributable) layer, not in the registry; not fetched"},
		}},
	}
}

// TestImagesInEnv checks that env.json keeps the images through Load, a
// layer found empty, and a resume, and that they are no configuration
// line of results.txt.
func TestImagesInEnv(t *testing.T) {
	dir := t.TempDir()
	env := fakerun.Env(t0)
	env.Images = twoImages()
	rd, err := results.Create(dir, env, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := rd.MarkEmptyLayer("db-2-l1"); err != nil {
		t.Fatal(err)
	}
	if err := rd.MarkEmptyLayer("builtin"); err != nil { // of no image: nothing to mark
		t.Fatal(err)
	}
	if env.Images[1].Layers[1].Empty {
		t.Error("MarkEmptyLayer changed the caller's Env")
	}
	rd.Close()

	want := twoImages()
	want[1].Layers[1].Empty = true
	got, _, err := results.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Images, want) {
		t.Errorf("images after Load:\n got %+v\nwant %+v", got.Images, want)
	}
	for _, c := range got.Config() {
		if strings.Contains(c.Key, "image") || strings.Contains(string(c.Value), "web-1") {
			t.Errorf("configuration line %s: %s names images", c.Key, c.Value)
		}
	}

	// A resume keeps the images the run began with, whatever it is given.
	later := fakerun.Env(t0)
	rd, err = results.Create(dir, later, true)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	if !reflect.DeepEqual(rd.Env().Images, want) {
		t.Errorf("images after resume: %+v", rd.Env().Images)
	}

	if ok, why := want[0].Measured(); !ok {
		t.Errorf("web-1 not measured: %s", why)
	}
	if ok, why := want[1].Measured(); ok || !strings.Contains(why, "layer 2") || !strings.Contains(why, "foreign") {
		t.Errorf("db-2: measured %v (%s), want its foreign layer 2 named", ok, why)
	}
}

// TestMergeImages checks that shards and pooled rounds carry the images,
// each once, with the layers any part found empty, and that parts listing
// one image with other layers are refused.
func TestMergeImages(t *testing.T) {
	dir := t.TempDir()
	m := fakerun.Matrix("web-1-l0")
	var parts []string
	for i := range 2 {
		env := shardEnv(i, 2, t0)
		env.Images = twoImages()[:1+i] // shard 1 knows db-2 too, and found its layer 1 empty
		if i == 1 {
			env.Images[1].Layers[1].Empty = true
		}
		cells := m[:5]
		if i == 1 {
			cells = m[5:]
		}
		parts = append(parts, fakerun.Write(t, filepath.Join(dir, "p"+itoa(i)), env, cells, fakerun.Options{Seed: uint64(i)}))
	}
	out := filepath.Join(dir, "merged")
	if _, err := results.Merge(out, parts, results.MergeOptions{}); err != nil {
		t.Fatal(err)
	}
	env, _, err := results.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	want := twoImages()
	want[1].Layers[1].Empty = true
	if !reflect.DeepEqual(env.Images, want) {
		t.Errorf("merged images:\n got %+v\nwant %+v", env.Images, want)
	}

	// Pooled rounds of one run: the images once.
	var rounds []string
	for i := range 2 {
		e := fakerun.Env(t0)
		e.Images = twoImages()
		rounds = append(rounds, fakerun.Write(t, filepath.Join(dir, "r"+itoa(i)), e, m, fakerun.Options{Seed: uint64(i), Count: 2}))
	}
	pooled := filepath.Join(dir, "pooled")
	if _, err := results.Merge(pooled, rounds, results.MergeOptions{Pool: true}); err != nil {
		t.Fatal(err)
	}
	if env, _, err := results.Load(pooled); err != nil || !reflect.DeepEqual(env.Images, twoImages()) {
		t.Errorf("pooled images: %+v, %v", env.Images, err)
	}

	// The same image with its layers named otherwise does not merge.
	e := shardEnv(1, 2, t0)
	e.Images = twoImages()
	e.Images[0].Layers[1].Layer = "web-1-l1-2"
	bad := fakerun.Write(t, filepath.Join(dir, "bad"), e, m[5:], fakerun.Options{})
	_, err = results.Merge(filepath.Join(dir, "x"), []string{parts[0], bad}, results.MergeOptions{})
	if !errors.Is(err, results.ErrIncompatibleParts) || !strings.Contains(err.Error(), "web:1") {
		t.Errorf("images that differ: err = %v, want ErrIncompatibleParts naming the image", err)
	}
}
