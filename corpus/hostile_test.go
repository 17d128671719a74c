package corpus

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// hostileRegistry serves one repository, "evil", from fixed answers: each
// path maps to a handler, so that a test can make any answer lie.
type hostileRegistry struct {
	srv      *httptest.Server
	host     string
	handlers map[string]http.HandlerFunc
	requests atomic.Int64
	blobReqs atomic.Int64
}

func newHostileRegistry(t *testing.T) *hostileRegistry {
	t.Helper()
	hr := &hostileRegistry{handlers: map[string]http.HandlerFunc{}}
	hr.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hr.requests.Add(1)
		if strings.Contains(r.URL.Path, "/blobs/") {
			hr.blobReqs.Add(1)
		}
		if r.URL.Path == "/v2/" {
			w.WriteHeader(http.StatusOK)
			return
		}
		if h, ok := hr.handlers[r.URL.Path]; ok {
			h(w, r)
			return
		}
		http.Error(w, `{"errors":[{"code":"NOT_FOUND"}]}`, http.StatusNotFound)
	}))
	t.Cleanup(hr.srv.Close)
	hr.host = strings.TrimPrefix(hr.srv.URL, "http://")
	return hr
}

func digestOf(b []byte) v1.Hash {
	s := sha256.Sum256(b)
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(s[:])}
}

// serve answers path with b (HEAD too), as a registry would.
func serve(b []byte, mt string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", mt)
		w.Header().Set("Docker-Content-Digest", digestOf(b).String())
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		if r.Method == http.MethodHead {
			return
		}
		w.Write(b)
	}
}

// endless answers with the first bytes of b, then zeros without end.
func endless(b []byte, mt string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", mt)
		if r.Method == http.MethodHead {
			w.Header().Set("Content-Length", strconv.Itoa(len(b)))
			return
		}
		w.Write(b)
		zeros := make([]byte, 64<<10)
		for {
			if _, err := w.Write(zeros); err != nil {
				return
			}
		}
	}
}

// drip answers b one byte every d, then keeps dripping zeros.
func drip(b []byte, mt string, d time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", mt)
		if r.Method == http.MethodHead {
			w.Header().Set("Content-Length", strconv.Itoa(len(b)))
			return
		}
		w.WriteHeader(http.StatusOK)
		for i := 0; ; i++ {
			c := byte(0)
			if i < len(b) {
				c = b[i]
			}
			if _, err := w.Write([]byte{c}); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(d):
			}
		}
	}
}

// redirectLoop redirects every request to the same path again.
func redirectLoop(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.Atoi(r.URL.Query().Get("n"))
	http.Redirect(w, r, fmt.Sprintf("%s?n=%d", r.URL.Path, n+1), http.StatusFound)
}

const (
	mtManifest = "application/vnd.oci.image.manifest.v1+json"
	mtIndex    = "application/vnd.oci.image.index.v1+json"
	mtConfig   = "application/vnd.oci.image.config.v1+json"
	mtLayer    = "application/vnd.oci.image.layer.v1.tar+gzip"
)

type desc struct {
	MediaType string            `json:"mediaType"`
	Digest    string            `json:"digest"`
	Size      int64             `json:"size"`
	Platform  map[string]string `json:"platform,omitempty"`
}

func descOf(b []byte, mt string) desc {
	return desc{MediaType: mt, Digest: digestOf(b).String(), Size: int64(len(b))}
}

func manifestJSON(t testing.TB, config desc, layers []desc) []byte {
	b, err := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": mtManifest, "config": config, "layers": layers})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func indexJSON(t testing.TB, child []byte, mt string) []byte {
	d := descOf(child, mt)
	d.Platform = map[string]string{"os": "linux", "architecture": "amd64"}
	b, err := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": mtIndex, "manifests": []desc{d}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHostileRegistry: a registry that lies gets a clear error from zbench
// within a bounded time and memory, and leaves nothing under a digest in
// the cache that is not the digest's bytes.
func TestHostileRegistry(t *testing.T) {
	layerBlob := gzipOf(t, sampleTar(t))
	diffID := digestOf(sampleTar(t))
	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["` + diffID.String() + `"]}}`)
	goodManifest := manifestJSON(t, descOf(config, mtConfig), []desc{descOf(layerBlob, mtLayer)})
	blobPath := func(b []byte) string { return "/v2/evil/blobs/" + digestOf(b).String() }
	const manifestPath = "/v2/evil/manifests/1"

	// The standard answers; each row replaces some.
	standard := func(hr *hostileRegistry) {
		hr.handlers[manifestPath] = serve(goodManifest, mtManifest)
		hr.handlers[blobPath(config)] = serve(config, "application/octet-stream")
		hr.handlers[blobPath(layerBlob)] = serve(layerBlob, "application/octet-stream")
	}
	bigLayers := make([]desc, 10000)
	for i := range bigLayers {
		bigLayers[i] = desc{MediaType: mtLayer, Digest: fmt.Sprintf("sha256:%064x", i), Size: 1000}
	}
	nested := goodManifest
	nestedMT := mtManifest
	for range 6 {
		nested, nestedMT = indexJSON(t, nested, nestedMT), mtIndex
	}

	rows := []struct {
		name  string
		item2 bool // its fix is issue 15 item 2: blob downloads stop at the descriptor's size
		setup func(hr *hostileRegistry)
		want  string // in the error
	}{
		{name: "layer body larger than its descriptor", item2: true, setup: func(hr *hostileRegistry) {
			hr.handlers[blobPath(layerBlob)] = serve(append(append([]byte{}, layerBlob...), make([]byte, 100<<20)...), "application/octet-stream")
		}},
		{name: "endless layer body", item2: true, setup: func(hr *hostileRegistry) {
			hr.handlers[blobPath(layerBlob)] = endless(layerBlob, "application/octet-stream")
		}},
		{name: "slow drip of an endless layer", item2: true, setup: func(hr *hostileRegistry) {
			hr.handlers[blobPath(layerBlob)] = drip(layerBlob, "application/octet-stream", 20*time.Millisecond)
		}},
		{name: "endless manifest", want: "more than", setup: func(hr *hostileRegistry) {
			hr.handlers[manifestPath] = endless(goodManifest, mtManifest)
		}},
		{name: "huge manifest (Content-Length)", want: "more than", setup: func(hr *hostileRegistry) {
			huge := append(append([]byte{}, goodManifest...), make([]byte, MaxManifestBytes)...)
			hr.handlers[manifestPath] = serve(huge, mtManifest)
		}},
		{name: "10,000-layer manifest", want: "10000 layers", setup: func(hr *hostileRegistry) {
			hr.handlers[manifestPath] = serve(manifestJSON(t, descOf(config, mtConfig), bigLayers), mtManifest)
		}},
		{name: "huge config descriptor", want: "config of", setup: func(hr *hostileRegistry) {
			d := descOf(config, mtConfig)
			d.Size = 1 << 40
			hr.handlers[manifestPath] = serve(manifestJSON(t, d, []desc{descOf(layerBlob, mtLayer)}), mtManifest)
		}},
		{name: "endless config body", want: "more than", setup: func(hr *hostileRegistry) {
			hr.handlers[blobPath(config)] = endless(config, "application/octet-stream")
		}},
		{name: "slow drip of a manifest", want: "no whole answer", setup: func(hr *hostileRegistry) {
			hr.handlers[manifestPath] = drip(goodManifest, mtManifest, 50*time.Millisecond)
		}},
		{name: "slow drip of a config", want: "no whole answer", setup: func(hr *hostileRegistry) {
			hr.handlers[blobPath(config)] = drip(config, "application/octet-stream", 50*time.Millisecond)
		}},
		{name: "redirect loop on the manifest", want: "redirects", setup: func(hr *hostileRegistry) {
			hr.handlers[manifestPath] = redirectLoop
		}},
		{name: "redirect loop on a layer", want: "redirects", setup: func(hr *hostileRegistry) {
			hr.handlers[blobPath(layerBlob)] = redirectLoop
		}},
		{name: "indexes nested 6 deep", want: "nested", setup: func(hr *hostileRegistry) {
			hr.handlers[manifestPath] = serve(nested, mtIndex)
			for b, mt := goodManifest, mtManifest; ; {
				hr.handlers["/v2/evil/manifests/"+digestOf(b).String()] = serve(b, mt)
				if string(b) == string(nested) {
					break
				}
				b, mt = indexJSON(t, b, mt), mtIndex
			}
		}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			if row.item2 {
				t.Skip("issue 15 item 2: blob downloads must stop at the descriptor's size before writing more")
			}
			hr := newHostileRegistry(t)
			standard(hr)
			row.setup(hr)
			cacheDir := t.TempDir()
			r, err := NewResolver(Options{
				CacheDir: cacheDir, Insecure: true, Keychain: anonymousKeychain{},
				ResponseTimeout: 2 * time.Second,
				Retry:           RetryPolicy{Attempts: 3, Initial: 5 * time.Millisecond, Max: 20 * time.Millisecond, Stall: 300 * time.Millisecond, Small: 500 * time.Millisecond},
			})
			if err != nil {
				t.Fatal(err)
			}
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			srcs, err := r.ParseAll([]string{hr.host + "/evil:1"})
			if err != nil {
				t.Fatal(err)
			}
			images, _, err := r.Images(ctx, srcs)
			took := time.Since(start)
			var after runtime.MemStats
			runtime.ReadMemStats(&after)

			var errs []string
			if err != nil {
				errs = append(errs, err.Error())
			}
			for _, img := range images {
				if img.Err != nil {
					errs = append(errs, img.Err.Error())
				}
				for _, l := range img.Layers {
					if l.Err != nil {
						errs = append(errs, l.Err.Error())
					}
				}
			}
			msg := strings.Join(errs, "; ")
			switch {
			case len(errs) == 0:
				t.Errorf("no error")
			case !strings.Contains(msg, row.want):
				t.Errorf("error %q does not say %q", msg, row.want)
			}
			if took > 15*time.Second {
				t.Errorf("took %v", took)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 256<<20 {
				t.Errorf("allocated %d MB", grew>>20)
			}
			if n := hr.requests.Load(); n > 200 {
				t.Errorf("%d requests", n)
			}
			checkCacheHonest(t, cacheDir)
		})
	}
}

// checkCacheHonest fails if any blob under a digest in the cache is not
// that digest's bytes.
func checkCacheHonest(t *testing.T, dir string) {
	t.Helper()
	root := filepath.Join(dir, "blobs", "sha256")
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		if got := digestOf(b); got.Hex != d.Name() {
			t.Errorf("cache blob %s holds bytes hashing to %s", d.Name(), got)
		}
		return nil
	})
}
