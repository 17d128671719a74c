package corpus

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// sampleImages pushes two images sharing their base layer: app:v1 (base
// gzip, a zstd layer, the 32-byte empty layer) and tool:v2 (base, a plain
// tar layer). It returns the references and the base layer's digest.
func sampleImages(t *testing.T, fr *faultyRegistry) (app, tool string, base v1.Hash) {
	t.Helper()
	baseL := layerOf(t, gzipOf(t, sampleTar(t)), types.OCILayer)
	zl := layerOf(t, zstdOf(t, tarOf(t, "app/main", strings.Repeat("zstd layer ", 500))), types.OCILayerZStd)
	emptyL := layerOf(t, emptyGzipLayer, types.OCILayer)
	plain := layerOf(t, tarOf(t, "tool/bin", string(randomBytes(4000, 7))), types.OCIUncompressedLayer)
	app = fr.push("app:v1", imageOf(t, "linux/amd64", baseL, zl, emptyL))
	tool = fr.push("tool:v2", imageOf(t, "linux/amd64", baseL, plain))
	base, _ = baseL.Digest()
	return app, tool, base
}

func TestRegistryFetchAndCache(t *testing.T) {
	fr := newFaultyRegistry(t)
	app, tool, base := sampleImages(t, fr)
	cache := t.TempDir()
	r, rec := testResolver(t, Options{CacheDir: cache})

	entries, err := entriesFor(t, r, app, "docker://"+tool)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name)
		l, err := Load(context.Background(), e, LoadOptions{MaxBytes: 1 << 20})
		if errors.Is(err, ErrEmptyLayer) && e.FromImage {
			continue
		}
		if err != nil {
			t.Errorf("Load(%s): %v", e.Name, err)
			continue
		}
		if l.Digest != e.Digest || l.DiffID != e.DiffID {
			t.Errorf("%s: loaded %s/%s, entry says %s/%s", e.Name, l.Digest, l.DiffID, e.Digest, e.DiffID)
		}
		if !strings.Contains(e.Origin, e.Digest.String()) {
			t.Errorf("%s: origin %q does not name the digest", e.Name, e.Origin)
		}
	}
	// tool's base layer is app's: measured once.
	want := "app-v1-l0 app-v1-l1 app-v1-l2 tool-v2-l1"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("entries = %s, want %s", got, want)
	}
	if n := fr.requests("/blobs/" + base.String()); n != 1 {
		t.Errorf("shared base blob fetched %d times, want 1", n)
	}
	if !strings.Contains(rec.text(), "measured once") {
		t.Errorf("no note about the shared layer in:\n%s", rec.text())
	}

	// The cache is an OCI layout that ggcr's layout package (crane) reads.
	lp, err := layout.FromPath(cache)
	if err != nil {
		t.Fatal(err)
	}
	ii, err := lp.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	im, err := ii.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 2 {
		t.Fatalf("cache index names %d images, want 2", len(im.Manifests))
	}
	for _, d := range im.Manifests {
		img, err := ii.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate.Image(img, validate.Fast); err != nil { // Fast: ggcr validates zstd layers as gzip
			t.Errorf("cached image %s: %v", d.Annotations[annotationRefName], err)
		}
	}
	if des, _ := os.ReadDir(filepath.Join(cache, "ingest")); len(des) != 0 {
		t.Errorf("ingest/ holds %d files after a clean fetch", len(des))
	}

	// A second resolver finds everything in the cache.
	r2, _ := testResolver(t, Options{CacheDir: cache})
	srcs, _ := r2.ParseAll([]string{app})
	images, _, err := r2.Images(context.Background(), srcs)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range images[0].Layers {
		if !l.Cached {
			t.Errorf("layer %d not found in the cache", l.Index)
		}
	}
}

func TestRegistryPlatform(t *testing.T) {
	fr := newFaultyRegistry(t)
	amd := imageOf(t, "linux/amd64", layerOf(t, gzipOf(t, tarOf(t, "arch", "amd64")), types.OCILayer))
	arm := imageOf(t, "linux/arm64/v8", layerOf(t, gzipOf(t, tarOf(t, "arch", "arm64")), types.OCILayer))
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}}},
	)
	ref := fr.pushIndex("multi:latest", idx)
	for platform, want := range map[string]v1.Image{"": amd, "linux/arm64": arm, "linux/arm64/v8": arm} {
		r, _ := testResolver(t, Options{Platform: platform})
		srcs, _ := r.ParseAll([]string{ref})
		images, _, err := r.Images(context.Background(), srcs)
		if err != nil {
			t.Fatalf("platform %q: %v", platform, err)
		}
		wd, _ := want.Digest()
		if images[0].Digest != wd {
			t.Errorf("platform %q: got manifest %s (%s), want %s", platform, images[0].Digest, images[0].Platform, wd)
		}
		if !strings.HasSuffix(images[0].Ref, "multi:latest@"+wd.String()) {
			t.Errorf("platform %q: pinned ref %s", platform, images[0].Ref)
		}
	}
	r, _ := testResolver(t, Options{Platform: "linux/s390x"})
	_, err := entriesFor(t, r, ref)
	if !errors.Is(err, ErrNoPlatform) || !strings.Contains(err.Error(), "linux/arm64/v8") {
		t.Errorf("linux/s390x: err = %v, want ErrNoPlatform listing the platforms", err)
	}
	if _, err := NewResolver(Options{Platform: "amd64"}); err == nil {
		t.Error("platform amd64 (no OS) accepted")
	}
}

// TestRegistryFaults injects faults into blob downloads: each must be
// retried (and the layer load), or fail at once with a clear error.
func TestRegistryFaults(t *testing.T) {
	blob := gzipOf(t, sampleTar(t))
	tests := []struct {
		name    string
		n       int // how many times the fault is injected
		fault   func(fr *faultyRegistry) fault
		wantErr error // nil: the layer loads
		msg     string
		maxReq  int // at most this many blob requests (0: no check)
		minTime time.Duration
	}{
		{name: "503", n: 2, fault: func(*faultyRegistry) fault { return status(503) }},
		{name: "500-then-502", n: 3, fault: func(*faultyRegistry) fault { return status(502) }},
		{name: "429-retry-after", n: 1, fault: func(*faultyRegistry) fault { return status(429, "Retry-After", "1") }, minTime: 900 * time.Millisecond},
		{name: "reset", n: 2, fault: func(*faultyRegistry) fault { return reset() }},
		{name: "cut-short", n: 2, fault: func(fr *faultyRegistry) fault { return cutShort(fr.reg, 50) }},
		{name: "wrong-bytes", n: 2, fault: func(*faultyRegistry) fault { return wrongBytes(bytes.Repeat([]byte{1}, len(blob))) }},
		{name: "slow-answer", n: 1, fault: func(*faultyRegistry) fault { return slow(3 * time.Second) }},
		{name: "stall", n: 1, fault: func(*faultyRegistry) fault { return stall(3 * time.Second) }},
		{name: "wrong-bytes-always", n: 100, fault: func(*faultyRegistry) fault { return wrongBytes(bytes.Repeat([]byte{1}, len(blob))) }, wantErr: ErrDigestMismatch},
		{name: "404", n: 100, fault: func(*faultyRegistry) fault { return status(404) }, wantErr: ErrNotFound, maxReq: 1},
		{name: "401", n: 100, fault: func(*faultyRegistry) fault { return status(401) }, wantErr: ErrUnauthorized, maxReq: 1},
		{name: "503-always", n: 100, fault: func(*faultyRegistry) fault { return status(503) }, wantErr: ErrUnauthorized, msg: "503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fr := newFaultyRegistry(t)
			l := layerOf(t, blob, types.OCILayer)
			ref := fr.push("img:1", imageOf(t, "linux/amd64", l))
			d, _ := l.Digest()
			fr.inject("/blobs/"+d.String(), tt.n, tt.fault(fr))
			cache := t.TempDir()
			r, rec := testResolver(t, Options{CacheDir: cache})
			start := time.Now()
			entries, err := entriesFor(t, r, ref)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Load(context.Background(), entries[0], LoadOptions{})
			elapsed := time.Since(start)
			cached := fileExists(filepath.Join(cache, "blobs", "sha256", d.Hex))
			if tt.wantErr == nil && tt.msg == "" {
				if err != nil {
					t.Fatalf("Load after %s: %v\nevents:\n%s", tt.name, err, rec.text())
				}
				if rec.count(EventRetry) == 0 {
					t.Errorf("no retry reported")
				}
				if !cached {
					t.Errorf("blob not cached")
				}
				if elapsed < tt.minTime {
					t.Errorf("took %v, want at least %v (Retry-After)", elapsed, tt.minTime)
				}
			} else {
				if err == nil || (tt.wantErr != nil && tt.wantErr != ErrUnauthorized && !errors.Is(err, tt.wantErr)) ||
					(tt.wantErr == ErrUnauthorized && tt.msg == "" && !errors.Is(err, tt.wantErr)) || !strings.Contains(err.Error(), tt.msg) {
					t.Fatalf("Load: err = %v, want %v %q", err, tt.wantErr, tt.msg)
				}
				if !strings.Contains(err.Error(), entries[0].Name) {
					t.Errorf("error %q does not name the layer", err)
				}
				if cached {
					t.Errorf("a blob that failed is in the cache")
				}
				if tt.maxReq > 0 {
					if n := fr.requests("/blobs/" + d.String()); n > tt.maxReq {
						t.Errorf("%d requests for the blob, want at most %d (no retry)", n, tt.maxReq)
					}
				}
			}
			if des, _ := os.ReadDir(filepath.Join(cache, "ingest")); len(des) != 0 {
				t.Errorf("ingest/ holds %d files", len(des))
			}
		})
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestRegistryManifestErrors checks that 404 and 401 for the image itself
// fail at once, with the sentinel and the image named.
func TestRegistryManifestErrors(t *testing.T) {
	fr := newFaultyRegistry(t)
	ref := fr.push("img:1", imageOf(t, "linux/amd64", layerOf(t, gzipOf(t, sampleTar(t)), types.OCILayer)))
	r, _ := testResolver(t, Options{})
	if _, err := entriesFor(t, r, fr.host+"/nosuch:1"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("missing image: err = %v, want ErrNotFound naming it", err)
	}
	fr.inject("/manifests/", 100, status(http.StatusUnauthorized))
	start := time.Now()
	if _, err := entriesFor(t, r, ref); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("401: err = %v, want ErrUnauthorized", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("401 took %v: not at once", d)
	}
}

func TestRegistryMediaTypes(t *testing.T) {
	fr := newFaultyRegistry(t)
	good := layerOf(t, gzipOf(t, sampleTar(t)), types.OCILayer)
	foreign := layerOf(t, gzipOf(t, tarOf(t, "win", "dows")), types.DockerForeignLayer)
	unknown := layerOf(t, []byte("not a layer at all"), "application/vnd.example.thing.v1+json")
	img := imageOf(t, "linux/amd64", good, foreign, unknown)
	// A foreign layer's blob is not in the registry: its descriptor has URLs.
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	ref := fr.push("mixed:1", img)
	fd, _ := foreign.Digest()
	fr.inject("/blobs/"+fd.String(), 100, status(404))

	r, rec := testResolver(t, Options{})
	entries, err := entriesFor(t, r, ref)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name != "mixed-1-l0" {
		t.Fatalf("entries = %v, want only the gzip layer", entries)
	}
	mt, _ := entries[0].Layer.MediaType()
	if mt != types.OCILayer {
		t.Errorf("media type %s", mt)
	}
	text := rec.text()
	for _, want := range []string{"foreign (non-distributable) layer", `unknown layer media type "application/vnd.example.thing.v1+json"`} {
		if !strings.Contains(text, want) {
			t.Errorf("no note %q in:\n%s", want, text)
		}
	}
	if fr.requests("/blobs/"+fd.String()) != 0 {
		t.Errorf("the foreign layer was fetched")
	}
}

func TestInsecureOnlyLoopback(t *testing.T) {
	fr := newFaultyRegistry(t)
	ref := fr.push("img:1", imageOf(t, "linux/amd64", layerOf(t, gzipOf(t, sampleTar(t)), types.OCILayer)))
	r, err := NewResolver(Options{CacheDir: t.TempDir(), Keychain: anonymousKeychain{}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = entriesFor(t, r, ref)
	var ie *InsecureError
	if !errors.Is(err, ErrInsecure) || !errors.As(err, &ie) || !ie.Loopback {
		t.Errorf("plain HTTP to loopback without Options.Insecure: err = %v, want an *InsecureError on loopback", err)
	}
	if err != nil && strings.Contains(err.Error(), "-insecure") {
		t.Errorf("error names a flag of the command: %v", err)
	}
	g := &schemeGuard{inner: http.DefaultTransport, insecure: true}
	req, _ := http.NewRequest("GET", "http://registry.example.com/v2/", nil)
	if _, err := g.RoundTrip(req); !errors.As(err, &ie) || ie.Loopback || ie.Host != "registry.example.com" {
		t.Errorf("plain HTTP to a remote host with Options.Insecure: err = %v, want an *InsecureError off loopback", err)
	}
	for host, want := range map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true, "[::1]": true, "10.0.0.1": false, "example.com": false} {
		if isLoopback(host) != want {
			t.Errorf("isLoopback(%q) = %v", host, !want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	for h, want := range map[string]time.Duration{"3": 3 * time.Second, "0": 0, "999": time.Minute} {
		if got, ok := retryAfter(h, time.Minute); !ok || got != want {
			t.Errorf("retryAfter(%q) = %v, %v; want %v", h, got, ok, want)
		}
	}
	if d, ok := retryAfter(time.Now().Add(10*time.Second).UTC().Format(http.TimeFormat), time.Minute); !ok || d < 8*time.Second || d > 11*time.Second {
		t.Errorf("retryAfter(date in 10s) = %v, %v", d, ok)
	}
	if _, ok := retryAfter("soon", time.Minute); ok {
		t.Error("retryAfter(soon) accepted")
	}
	p := RetryPolicy{}.withDefaults()
	for n := range 8 {
		if d := p.backoff(n); d > p.Max || d < p.Initial/2 {
			t.Errorf("backoff(%d) = %v", n, d)
		}
	}
}

// TestFetchInterrupted cancels a download in the middle: nothing is left
// under the blob's digest, nor in ingest/, and a later fetch completes.
func TestFetchInterrupted(t *testing.T) {
	fr := newFaultyRegistry(t)
	l := layerOf(t, gzipOf(t, sampleTar(t)), types.OCILayer)
	ref := fr.push("img:1", imageOf(t, "linux/amd64", l))
	d, _ := l.Digest()
	fr.inject("/blobs/"+d.String(), 1, stall(5*time.Second))
	cache := t.TempDir()
	r, _ := testResolver(t, Options{CacheDir: cache})
	r.opts.Retry.Stall = 10 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	srcs, _ := r.ParseAll([]string{ref})
	if _, err := r.Entries(ctx, srcs); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("interrupted fetch: err = %v", err)
	}
	if fileExists(filepath.Join(cache, "blobs", "sha256", d.Hex)) {
		t.Error("a partial blob is visible under its digest")
	}
	if des, _ := os.ReadDir(filepath.Join(cache, "ingest")); len(des) != 0 {
		t.Errorf("ingest/ holds %d files after an interrupt", len(des))
	}
	entries, err := entriesFor(t, r, ref)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Load(context.Background(), entries[0], LoadOptions{}); err != nil {
		t.Error(err)
	}
}

// TestResolveImages checks that Resolve tells each image layer the name
// it is measured as: its own, the first image's for the shared base layer,
// and a name made unique where a file took it first. The file belongs to
// no image.
func TestResolveImages(t *testing.T) {
	fr := newFaultyRegistry(t)
	app, tool, _ := sampleImages(t, fr)
	file := filepath.Join(t.TempDir(), "app-v1-l1.tar.gz")
	os.WriteFile(file, gzipOf(t, tarOf(t, "x", "a file named as a layer of app")), 0o644)
	r, _ := testResolver(t, Options{CacheDir: t.TempDir()})
	srcs, err := r.ParseAll([]string{file, app, tool})
	if err != nil {
		t.Fatal(err)
	}
	entries, images, err := r.Resolve(context.Background(), srcs)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name)
	}
	if got, want := strings.Join(names, " "), "app-v1-l1 app-v1-l0 app-v1-l1-2 app-v1-l2 tool-v2-l1"; got != want {
		t.Errorf("entries %s, want %s", got, want)
	}
	if len(images) != 2 {
		t.Fatalf("%d images, want app and tool", len(images))
	}
	want := map[string]string{"app-v1": "app-v1-l0 app-v1-l1-2 app-v1-l2", "tool-v2": "app-v1-l0 tool-v2-l1"}
	for _, img := range images {
		var ls []string
		for _, l := range img.Layers {
			ls = append(ls, l.Entry)
		}
		if got := strings.Join(ls, " "); got != want[img.Name] || img.Platform != "linux/amd64" || !strings.Contains(img.Ref, "@sha256:") {
			t.Errorf("image %s (%s, %s): layers measured as %s, want %s", img.Name, img.Ref, img.Platform, got, want[img.Name])
		}
	}
}
