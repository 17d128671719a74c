package corpus

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// loadAll loads entries, skipping empty layers as run does.
func loadAll(t *testing.T, entries []Entry) []*Loaded {
	t.Helper()
	var out []*Loaded
	for _, e := range entries {
		l, err := Load(context.Background(), e, LoadOptions{MaxBytes: 1 << 24})
		if errors.Is(err, ErrEmptyLayer) && e.FromImage {
			continue
		}
		if err != nil {
			t.Fatalf("Load(%s): %v", e.Name, err)
		}
		out = append(out, l)
	}
	return out
}

func TestOCILayout(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "layout")
	img := imageOf(t, "linux/amd64",
		layerOf(t, gzipOf(t, sampleTar(t)), types.OCILayer),
		layerOf(t, zstdOf(t, tarOf(t, "a", "b")), types.OCILayerZStd))
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(img, layout.WithAnnotations(map[string]string{annotationRefName: "v1"})); err != nil {
		t.Fatal(err)
	}
	digest, _ := img.Digest()
	r, _ := testResolver(t, Options{})
	for _, arg := range []string{"oci:" + dir, "oci:" + dir + ":v1", "oci:" + dir + "@" + digest.String()} {
		entries, err := entriesFor(t, r, arg)
		if err != nil {
			t.Fatalf("%s: %v", arg, err)
		}
		if len(loadAll(t, entries)) != 2 || !strings.HasPrefix(entries[0].Name, "v1-l0") && !strings.HasPrefix(entries[0].Name, "layout-l0") {
			t.Errorf("%s: entries %v", arg, entries)
		}
	}
	if _, err := entriesFor(t, r, "oci:"+dir+":nosuch"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "v1") {
		t.Errorf("oci:DIR:nosuch: err = %v, want ErrNotFound listing v1", err)
	}
}

func TestDockerArchive(t *testing.T) {
	file := filepath.Join(t.TempDir(), "img.tar")
	img := imageOf(t, "linux/amd64",
		layerOf(t, gzipOf(t, sampleTar(t)), types.OCILayer),
		layerOf(t, tarOf(t, "plain", "tar layer"), types.DockerUncompressedLayer))
	tag, _ := name.NewTag("example.com/team/app:2.0")
	if err := tarball.WriteToFile(file, tag, img); err != nil {
		t.Fatal(err)
	}
	r, _ := testResolver(t, Options{})
	for _, arg := range []string{"docker-archive:" + file, "docker-archive:" + file + ":example.com/team/app:2.0"} {
		entries, err := entriesFor(t, r, arg)
		if err != nil {
			t.Fatalf("%s: %v", arg, err)
		}
		loaded := loadAll(t, entries)
		if len(loaded) != 2 || entries[0].Name != "app-2.0-l0" {
			t.Fatalf("%s: entries %v", arg, entries)
		}
		// the blobs are measured as stored: gzip stays gzip
		if loaded[0].Format != FormatGzip {
			t.Errorf("layer 0 is %s", loaded[0].Format)
		}
		cf, _ := img.ConfigFile()
		for i, l := range loaded {
			if l.DiffID != cf.RootFS.DiffIDs[i] {
				t.Errorf("layer %d diffID %s, config says %s", i, l.DiffID, cf.RootFS.DiffIDs[i])
			}
		}
	}
	if _, err := entriesFor(t, r, "docker-archive:"+file+":other:1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("wrong tag: err = %v", err)
	}
}

func TestListAndLock(t *testing.T) {
	fr := newFaultyRegistry(t)
	app, tool, _ := sampleImages(t, fr)
	dir := t.TempDir()
	blob := filepath.Join(dir, "extra.tar.gz")
	os.WriteFile(blob, gzipOf(t, tarOf(t, "x", "extra")), 0o644)
	list := filepath.Join(dir, "images.txt")
	os.WriteFile(list, []byte("# my corpus\n"+app+"   # the app\n\n"+tool+"\nextra.tar.gz\n"), 0o644)

	cache := t.TempDir()
	r, _ := testResolver(t, Options{CacheDir: cache})
	srcs, err := r.ParseAll([]string{"@" + list})
	if err != nil {
		t.Fatal(err)
	}
	images, other, err := r.Images(context.Background(), srcs)
	if err != nil {
		t.Fatal(err)
	}
	var lock bytes.Buffer
	if err := WriteLock(&lock, "test lock", images, other); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(lock.String(), "@sha256:"); n != 2 || !strings.Contains(lock.String(), "app:v1@sha256:") {
		t.Fatalf("lock pins %d images:\n%s", n, lock.String())
	}
	lockFile := filepath.Join(dir, "corpus.lock")
	os.WriteFile(lockFile, lock.Bytes(), 0o644)
	before, err := entriesFor(t, r, "@"+lockFile)
	if err != nil {
		t.Fatal(err)
	}
	loadAll(t, before)

	// The tag moves; the lock still gives the same bytes, from the cache.
	fr.push("app:v1", imageOf(t, "linux/amd64", layerOf(t, gzipOf(t, tarOf(t, "new", "content")), types.OCILayer)))
	r2, _ := testResolver(t, Options{CacheDir: cache})
	requests := fr.requests("/v2/")
	after, err := entriesFor(t, r2, "@"+lockFile)
	if err != nil {
		t.Fatal(err)
	}
	if Identity(before) != Identity(after) {
		t.Errorf("lock gave other layers after the tag moved")
	}
	if n := fr.requests("/v2/") - requests; n != 0 {
		t.Errorf("a run on a cached lock made %d requests", n)
	}
	moved, _ := entriesFor(t, r2, "@"+list)
	if Identity(moved) == Identity(before) {
		t.Errorf("the list by tag did not see the moved tag")
	}
	if got := CorpusName([]string{"@default"}); got != "default" {
		t.Errorf("CorpusName = %q", got)
	}
}

func TestListErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("alpine:3.20\n\nnot a source at all!\n"), 0o644)
	r, _ := testResolver(t, Options{})
	_, err := r.Parse("@" + bad)
	var le *ListError
	if !errors.As(err, &le) || le.Line != 3 {
		t.Errorf("err = %v, want a ListError at line 3", err)
	}
	loop := filepath.Join(dir, "loop.txt")
	os.WriteFile(loop, []byte("@loop.txt\n"), 0o644)
	if _, err := r.Parse("@" + loop); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("cycle: err = %v", err)
	}
	for in, want := range map[string]string{"a # c": "a", "# c": "", "  x\t# y": "x", "a#b": "a#b"} {
		if got := stripComment(in); got != want {
			t.Errorf("stripComment(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestListImageFails checks that an image of a list that cannot be had
// fails alone: its entry fails to load, the others load.
func TestListImageFails(t *testing.T) {
	fr := newFaultyRegistry(t)
	app, _, _ := sampleImages(t, fr)
	list := filepath.Join(t.TempDir(), "l.txt")
	os.WriteFile(list, []byte(fr.host+"/gone:1\n"+app+"\n"), 0o644)
	r, _ := testResolver(t, Options{})
	entries, err := entriesFor(t, r, "@"+list)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Load(context.Background(), entries[0], LoadOptions{})
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "gone") {
		t.Errorf("missing image in a list: err = %v", err)
	}
	loadAll(t, entries[1:])
}

func TestProbe(t *testing.T) {
	fr := newFaultyRegistry(t)
	app, _, _ := sampleImages(t, fr)
	cache := t.TempDir()
	r, _ := testResolver(t, Options{CacheDir: cache, DialTimeout: time.Second})
	srcs, _ := r.ParseAll([]string{app})
	if err := r.Probe(context.Background(), srcs); err != nil {
		t.Errorf("reachable registry: %v", err)
	}
	images, _, _ := r.Images(context.Background(), srcs)
	// A closed port: unreachable, at once.
	closed, _ := r.ParseAll([]string{"127.0.0.1:1/app:v1"})
	start := time.Now()
	err := r.Probe(context.Background(), closed)
	if !errors.Is(err, ErrUnreachable) || time.Since(start) > 2*time.Second {
		t.Errorf("closed port: err = %v after %v", err, time.Since(start))
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("probe error is more than one line: %q", err)
	}
	// In the cache by digest: no network needed.
	pinned, _ := r.ParseAll([]string{images[0].Ref})
	fr.srv.Close()
	if err := r.Probe(context.Background(), pinned); err != nil {
		t.Errorf("cached image: %v", err)
	}
}

func TestCacheAtomic(t *testing.T) {
	dir := t.TempDir()
	c, err := OpenCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	b := []byte("blob")
	h := sha256Hash(b)
	if err := c.Put(h, -1, strings.NewReader("blob, but not quite")); !errors.Is(err, ErrDigestMismatch) {
		t.Errorf("wrong bytes: err = %v", err)
	}
	if c.Has(h, -1) {
		t.Error("wrong bytes cached")
	}
	if err := c.Put(h, 10, bytes.NewReader(b)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("wrong size: err = %v", err)
	}
	if err := c.PutBytes(h, b); err != nil || !c.Has(h, 4) {
		t.Fatalf("PutBytes: %v", err)
	}
	// A stale temporary file from a killed process is removed on open.
	stale := filepath.Join(dir, "ingest", h.Hex+"-dead")
	os.WriteFile(stale, []byte("partial"), 0o644)
	old := time.Now().Add(-48 * time.Hour)
	os.Chtimes(stale, old, old)
	if _, err := OpenCache(dir); err != nil {
		t.Fatal(err)
	}
	if fileExists(stale) {
		t.Error("stale ingest file kept")
	}
	// Concurrent Tag calls keep every entry.
	done := make(chan error)
	for i := range 8 {
		go func() {
			done <- c.Tag("example.com/img:"+itoa(i), v1.Descriptor{MediaType: types.OCIManifestSchema1, Digest: h, Size: 4})
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	im, err := c.readIndex()
	if err != nil || len(im.Manifests) != 8 {
		t.Errorf("index has %d entries, want 8 (%v)", len(im.Manifests), err)
	}
	if err := os.WriteFile(c.BlobPath(h), []byte("bad!"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.Verify(h); !errors.Is(err, ErrDigestMismatch) || c.Has(h, -1) {
		t.Errorf("Verify of a damaged blob: %v", err)
	}
}

func TestDefaultCacheDir(t *testing.T) {
	t.Setenv(CacheEnv, "/tmp/zb-cache")
	if d, _ := DefaultCacheDir(); d != "/tmp/zb-cache" {
		t.Errorf("DefaultCacheDir = %q with %s set", d, CacheEnv)
	}
	t.Setenv(CacheEnv, "")
	t.Setenv("XDG_CACHE_HOME", "/tmp/xdg")
	if d, _ := DefaultCacheDir(); d != "/tmp/xdg/zbench" {
		t.Errorf("DefaultCacheDir = %q", d)
	}
}
