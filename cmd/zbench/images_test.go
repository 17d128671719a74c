package main

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"zbench/bench/determinism"
	"zbench/evidence"
	"zbench/results"
)

// imageRegistry is an in-process registry holding web:1 (a base layer and
// one of its own) and db:2 (the same base, an empty layer, one of its
// own), every layer gzip, for linux/amd64.
func imageRegistry(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	var emptyTar bytes.Buffer
	tar.NewWriter(&emptyTar).Close()
	base := testImageLayer(t, tarLayer(t, 11), true)
	push := func(ref string, layers ...v1.Layer) {
		img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), layers...)
		if err != nil {
			t.Fatal(err)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		cf = cf.DeepCopy()
		cf.OS, cf.Architecture = "linux", "amd64"
		if img, err = mutate.ConfigFile(img, cf); err != nil {
			t.Fatal(err)
		}
		r, _ := name.ParseReference(host + "/" + ref)
		if err := remote.Write(r, img); err != nil {
			t.Fatal(err)
		}
	}
	push("web:1", base, testImageLayer(t, tarLayer(t, 12), true))
	push("db:2", base, testImageLayer(t, emptyTar.Bytes(), true), testImageLayer(t, tarLayer(t, 13), true))
	return host
}

// TestRunRecordsImages runs two images that share a base layer, and a
// layer given as a file: env.json names both images with their layers by
// the names they were measured as (the base once, as web-1-l0; db-2's
// empty layer marked), and keeps them through a resume and a merge. The
// evidence's per-image pull time and storage are the sums of their layers'
// rows, and its corpus counts the base once.
func TestRunRecordsImages(t *testing.T) {
	host := imageRegistry(t)
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	dir := t.TempDir()
	file := write(t, dir, "extra.tar.gz", gz(tarLayer(t, 14)))
	out := filepath.Join(dir, "run")
	args := append(append([]string{"run", "-insecure", "-cache", filepath.Join(dir, "cache"), "-o", out}, fastArgs...),
		host+"/web:1", host+"/db:2", file)
	if code, _, stderr := zbench(t, context.Background(), args...); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}

	want := []results.Image{
		{Name: "web-1", Platform: "linux/amd64", Layers: []results.ImageLayer{{Layer: "web-1-l0"}, {Layer: "web-1-l1"}}},
		{Name: "db-2", Platform: "linux/amd64", Layers: []results.ImageLayer{{Layer: "web-1-l0"}, {Layer: "db-2-l1", Empty: true}, {Layer: "db-2-l2"}}},
	}
	check := func(what, runDir string) {
		t.Helper()
		env, _, err := results.Load(runDir)
		if err != nil {
			t.Fatal(err)
		}
		var got []results.Image
		for _, img := range env.Images {
			if !strings.HasPrefix(img.Ref, host+"/"+strings.Replace(img.Name, "-", ":", 1)+"@sha256:") {
				t.Errorf("%s: image %s has ref %s", what, img.Name, img.Ref)
			}
			g := results.Image{Name: img.Name, Platform: img.Platform}
			for _, l := range img.Layers {
				if !strings.HasPrefix(l.Digest, "sha256:") || l.Size <= 0 {
					t.Errorf("%s: layer %s of %s: digest %q, size %d", what, l.Layer, img.Name, l.Digest, l.Size)
				}
				g.Layers = append(g.Layers, results.ImageLayer{Layer: l.Layer, Empty: l.Empty})
			}
			got = append(got, g)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: images\n got %+v\nwant %+v", what, got, want)
		}
	}
	check("run", out)

	// A resume keeps them; so does a merge.
	resume := append([]string{"run", "-resume"}, args[1:]...)
	if code, _, stderr := zbench(t, context.Background(), resume...); code != 0 {
		t.Fatalf("resume: exit %d\n%s", code, stderr)
	}
	check("resumed run", out)
	merged := filepath.Join(dir, "merged")
	if code, _, stderr := zbench(t, context.Background(), "merge", "-o", merged, out); code != 0 {
		t.Fatalf("merge: exit %d\n%s", code, stderr)
	}
	check("merged run", merged)

	js := filepath.Join(dir, "evidence.json")
	code, stdout, stderr := zbench(t, context.Background(), "evidence", "-o", js, out)
	if code != 0 {
		t.Fatalf("evidence: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "Per image for 2 image(s): web-1, db-2.") {
		t.Errorf("evidence does not name the images:\n%s", stdout)
	}
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var e evidence.Evidence
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	layersOf := map[string][]string{"web-1": {"web-1-l0", "web-1-l1"}, "db-2": {"web-1-l0", "db-2-l2"}}
	if strings.Join(e.Pull.Layers, " ") != "web-1-l0 web-1-l1 db-2-l2 extra" {
		t.Fatalf("pull time holds for %q", e.Pull.Layers)
	}
	if strings.Join(e.Pull.Images, " ") != "web-1 db-2" || strings.Join(e.Storage.Images, " ") != "web-1 db-2" {
		t.Fatalf("per-image figures for %q and %q, want web-1 db-2", e.Pull.Images, e.Storage.Images)
	}
	// gzip as published and 3 encoders at 3 bandwidths, for 2 images
	if len(e.Pull.PerImage) != 4*3*2 {
		t.Errorf("%d per-image pull rows, want 24", len(e.Pull.PerImage))
	}
	type sums struct {
		raw, comp                 int64
		down, dec, overlapped, sq float64
	}
	add := func(s *sums, r evidence.PullRow) {
		s.raw += r.RawBytes
		s.comp += r.CompressedBytes
		s.down += r.DownloadS
		s.dec += r.DecodeS
		s.overlapped += r.OverlappedS
		s.sq += r.SequentialS
	}
	sumOf := func(setting, bw string, layers []string) sums {
		var s sums
		for _, r := range e.Pull.PerLayer {
			if r.Setting == setting && r.Bandwidth == bw && slices.Contains(layers, r.Layer) {
				add(&s, r)
			}
		}
		return s
	}
	same := func(a, b float64) bool { return a == b || (a-b)/b < 1e-12 && (b-a)/b < 1e-12 }
	for _, r := range e.Pull.PerImage {
		var got sums
		add(&got, r)
		w := sumOf(r.Setting, r.Bandwidth, layersOf[r.Image])
		if got.raw != w.raw || got.comp != w.comp || !same(got.down, w.down) || !same(got.dec, w.dec) ||
			!same(got.overlapped, w.overlapped) || !same(got.sq, w.sq) {
			t.Errorf("pull time of %s, %s at %s: %+v; its layers sum to %+v", r.Image, r.Setting, r.Bandwidth, got, w)
		}
	}
	// The corpus: every layer once, the shared base too.
	var raw int64
	for _, l := range e.Layers {
		raw += l.RawBytes
	}
	for _, r := range e.Pull.Corpus {
		if w := sumOf(r.Setting, r.Bandwidth, e.Pull.Layers); r.RawBytes != raw || r.RawBytes != w.raw || r.CompressedBytes != w.comp {
			t.Errorf("corpus %s at %s: %d raw bytes, %d compressed; want %d (each layer once), %d", r.Setting, r.Bandwidth, r.RawBytes, r.CompressedBytes, raw, w.comp)
		}
	}
	if len(e.Storage.PerImage) != 2 {
		t.Errorf("%d per-image storage rows, want zstd-klauspost fastest for 2 images", len(e.Storage.PerImage))
	}
	for _, r := range e.Storage.PerImage {
		var pub, added, rawB int64
		for _, l := range e.Storage.PerLayer {
			if l.Encoder == r.Encoder && slices.Contains(layersOf[r.Image], l.Layer) {
				pub, added, rawB = pub+l.PublishedBytes, added+l.AddedBytes, rawB+l.RawBytes
			}
		}
		if r.PublishedBytes != pub || r.AddedBytes != added || r.RawBytes != rawB || r.TotalBytes != pub+added {
			t.Errorf("storage of %s: %+v; its layers sum to %d + %d of %d", r.Image, r, pub, added, rawB)
		}
	}
}

// TestReportPrices gives zbench report its own prices: the report states
// them and their source; bad values are usage errors.
func TestReportPrices(t *testing.T) {
	dir := t.TempDir()
	layer := write(t, dir, "app-layer.tar.gz", gz(tarLayer(t, 6)))
	out := filepath.Join(dir, "run")
	if code, _, stderr := zbench(t, context.Background(), append(append([]string{"run", "-o", out}, fastArgs...), layer)...); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	html := filepath.Join(dir, "r.html")
	code, _, stderr := zbench(t, context.Background(), "report", "-o", html, "-assets", "none",
		"-vcpu-hour", "0.0123", "-egress-gb", "0.0456", "-bandwidth", "1Gbit,25Gbit", out)
	if code != 0 {
		t.Fatalf("report: exit %d\n%s", code, stderr)
	}
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"$0.0123 per vCPU-hour and $0.0456 per GB (10^9 bytes) of egress. Source: given on the command line",
		"× $0.0123 per vCPU-hour", "priced at $0.0456 per GB", "At 25 Gbit/s, gzip as published takes",
		"No image membership in these runs: layers were given as files",
	} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if bytes.Contains(page, []byte("At 100 Mbit/s")) {
		t.Error("the report uses the default bandwidths")
	}

	for _, args := range [][]string{
		{"-vcpu-hour", "-1"}, {"-egress-gb", "abc"}, {"-vcpu-hour", "NaN"}, {"-egress-gb", "+Inf"},
		{"-bandwidth", "fast"}, {"-decoders", "gzip"},
	} {
		a := append(append([]string{"report", "-o", filepath.Join(dir, "bad.html")}, args...), out)
		if code, _, _ := zbench(t, context.Background(), a...); code != 2 {
			t.Errorf("zbench %s: exit %d, want 2", strings.Join(a, " "), code)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.html")); err == nil {
		t.Error("a report with bad prices was written")
	}
}

// TestDeterminismImages walks images as zbench run does: layers named
// image-lN, the base shared by web:1 and db:2 encoded once, db:2's empty
// layer skipped (not a failure), a bad file named and the others kept.
func TestDeterminismImages(t *testing.T) {
	host := imageRegistry(t)
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	dir := t.TempDir()
	bad := write(t, dir, "bad.tar.gz", gz(tarLayer(t, 15))[:200])
	out := filepath.Join(dir, "determinism.json")
	code, _, stderr := zbench(t, context.Background(), "determinism", "-insecure", "-cache", filepath.Join(dir, "cache"),
		"-o", out, "-repeat", "2", "-gomaxprocs", "1", "-variants=false", "-codecs", "gzip-std", "-levels", "gzip-std=1",
		host+"/web:1", host+"/db:2", bad)
	if code != 1 || !strings.Contains(stderr, `FAIL layer "bad"`) || !strings.Contains(stderr, "layer db-2-l1: empty") {
		t.Fatalf("exit %d, want 1 for the bad file, with db-2-l1 skipped as empty\n%s", code, stderr)
	}
	m, err := determinism.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, in := range m.Inputs {
		names = append(names, in.Name)
	}
	if want := []string{"web-1-l0", "web-1-l1", "db-2-l2"}; !slices.Equal(names, want) {
		t.Errorf("inputs %v, want %v (run's names, the shared base once)", names, want)
	}

	// Without -insecure the command says which flag it needs.
	code, _, stderr = zbench(t, context.Background(), "determinism", "-cache", filepath.Join(dir, "cache2"),
		"-o", out, "-repeat", "2", host+"/web:1")
	if code != 2 || !strings.Contains(stderr, "use -insecure for a registry on loopback without TLS") {
		t.Errorf("plain HTTP without -insecure: exit %d\n%s", code, stderr)
	}
}
