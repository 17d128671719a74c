package corpus

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// overlongBody answers with prefix then zeros, up to total bytes, for as long as
// the client reads; with chunked set it sends no Content-Length. sent counts
// the bytes the server managed to write.
func overlongBody(prefix []byte, total int64, chunked bool, sent *atomic.Int64) fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if !chunked {
			w.Header().Set("Content-Length", itoa(int(total)))
		}
		w.WriteHeader(http.StatusOK)
		n, _ := w.Write(prefix)
		sent.Add(int64(n))
		buf := make([]byte, 64<<10)
		for left := total - int64(len(prefix)); left > 0; {
			n, err := w.Write(buf[:min(int64(len(buf)), left)])
			sent.Add(int64(n))
			left -= int64(n)
			if err != nil {
				break
			}
		}
		return true
	}
}

// bytesWritten is how many bytes the resolver wrote to ingest files: each
// EventBytes follows a write.
func (r *recorder) bytesWritten() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var n int64
	for _, ev := range r.events {
		if ev.Kind == EventBytes && ev.N > 0 {
			n += ev.N
		}
	}
	return n
}

// A registry that sends more than a blob's descriptor gives (100 MB for a
// small layer) had it all written to ingest/ before the size was checked,
// and again on each retry. Now the download stops at the descriptor's
// size, names the layer, and is not retried.
func TestBlobStopsAtDescriptorSize(t *testing.T) {
	blob := gzipOf(t, tarOf(t, "small", "a small layer"))
	const huge = 100 << 20
	for _, tc := range []struct {
		name    string
		prefix  []byte // what the server sends first
		chunked bool
	}{
		{"junk with Content-Length", nil, false},
		{"junk chunked", nil, true},
		{"the blob then more", blob, false},
		{"the blob then more, chunked", blob, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fr := newFaultyRegistry(t)
			l := layerOf(t, blob, types.OCILayer)
			ref := fr.push("img:1", imageOf(t, "linux/amd64", l))
			d, _ := l.Digest()
			var sent atomic.Int64
			fr.inject("/blobs/"+d.String(), 100, overlongBody(tc.prefix, huge, tc.chunked, &sent))
			cache := t.TempDir()
			r, rec := testResolver(t, Options{CacheDir: cache})
			entries, err := entriesFor(t, r, ref)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Load(context.Background(), entries[0], LoadOptions{})
			if !errors.Is(err, ErrSizeMismatch) || !strings.Contains(err.Error(), entries[0].Name) || !strings.Contains(err.Error(), "layer 0") {
				t.Fatalf("Load: %v, want ErrSizeMismatch naming the layer", err)
			}
			if w := rec.bytesWritten(); w > int64(len(blob)) {
				t.Errorf("%d bytes written to ingest/ for a %d-byte blob (the server sent %d)", w, len(blob), sent.Load())
			}
			if n := fr.requests("/blobs/" + d.String()); n != 1 {
				t.Errorf("%d requests for the blob, want 1: a size mismatch is not retried", n)
			}
			if fileExists(filepath.Join(cache, "blobs", "sha256", d.Hex)) {
				t.Error("the blob is in the cache")
			}
			if des, _ := os.ReadDir(filepath.Join(cache, "ingest")); len(des) != 0 {
				t.Errorf("ingest/ holds %d files", len(des))
			}
		})
	}
}

// A descriptor that declares more than Options.MaxBlobBytes is not
// downloaded at all.
func TestBlobOverMaxBlobBytes(t *testing.T) {
	blob := gzipOf(t, sampleTar(t))
	fr := newFaultyRegistry(t)
	l := layerOf(t, blob, types.OCILayer)
	ref := fr.push("img:1", imageOf(t, "linux/amd64", l))
	d, _ := l.Digest()
	r, _ := testResolver(t, Options{MaxBlobBytes: int64(len(blob)) - 1})
	entries, err := entriesFor(t, r, ref)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Load(context.Background(), entries[0], LoadOptions{})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "layer 0") {
		t.Fatalf("Load: %v, want ErrTooLarge naming layer 0", err)
	}
	if n := fr.requests("/blobs/" + d.String()); n != 0 {
		t.Errorf("%d requests for a blob over the limit, want none", n)
	}
}

// blobLimit: the descriptor's size, else MaxBlobBytes, else no limit.
func TestBlobLimit(t *testing.T) {
	for _, tc := range []struct{ size, max, want int64 }{
		{117, 0, 117}, {117, 1000, 117}, {0, 1000, 0}, {-1, 1000, 1000}, {-1, 0, 1<<63 - 1},
	} {
		r := &Resolver{opts: Options{MaxBlobBytes: tc.max}}
		if got := r.blobLimit(tc.size); got != tc.want {
			t.Errorf("blobLimit(%d) with MaxBlobBytes %d = %d, want %d", tc.size, tc.max, got, tc.want)
		}
	}
}

// A config blob is read up to its descriptor's size only: a registry that
// sends 100 MB for it fails at once (it was read up to 64 MiB, then
// retried), and one whose descriptor is over MaxSmallBlob is not fetched.
func TestConfigStopsAtDescriptorSize(t *testing.T) {
	fr := newFaultyRegistry(t)
	img := imageOf(t, "linux/amd64", layerOf(t, gzipOf(t, tarOf(t, "a", "b")), types.OCILayer))
	ref := fr.push("img:1", img)
	cd, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	var sent atomic.Int64
	fr.inject("/blobs/"+cd.String(), 100, overlongBody(nil, 100<<20, true, &sent))
	r, _ := testResolver(t, Options{})
	_, err = entriesFor(t, r, ref)
	if !errors.Is(err, ErrSizeMismatch) || !strings.Contains(err.Error(), cd.String()) {
		t.Fatalf("entries: %v, want ErrSizeMismatch naming the config", err)
	}
	if n := fr.requests("/blobs/" + cd.String()); n != 1 {
		t.Errorf("%d requests for the config, want 1", n)
	}
	if s := sent.Load(); s > 8<<20 {
		t.Logf("the server sent %d bytes before the client hung up", s)
	}
}

func TestFetchSmallLimits(t *testing.T) {
	r, _ := testResolver(t, Options{})
	h := v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("ab", 32)}
	_, err := r.fetchSmall(context.Background(), nil, name.MustParseReference("localhost/x:1").Context(), h, MaxSmallBlob+1, false)
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("fetchSmall of a %d-byte descriptor: %v, want ErrTooLarge before any request", MaxSmallBlob+1, err)
	}
}

// A manifest whose size differs from the size its index gives fails with
// ErrSizeMismatch.
func TestManifestSizeChecked(t *testing.T) {
	fr := newFaultyRegistry(t)
	img := imageOf(t, "linux/amd64", layerOf(t, gzipOf(t, tarOf(t, "a", "b")), types.OCILayer))
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
		mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}})
	ref := fr.pushIndex("multi:latest", idx)
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	im.Manifests[0].Size += 100 // the index lies about its child's size
	body, err := json.Marshal(im)
	if err != nil {
		t.Fatal(err)
	}
	fr.inject("/manifests/latest", 100, func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Type", string(types.OCIImageIndex))
		w.Write(body)
		return true
	})
	r, _ := testResolver(t, Options{})
	_, err = entriesFor(t, r, ref)
	if !errors.Is(err, ErrSizeMismatch) || !strings.Contains(err.Error(), im.Manifests[0].Digest.String()) {
		t.Fatalf("entries: %v, want ErrSizeMismatch naming the manifest", err)
	}
}
