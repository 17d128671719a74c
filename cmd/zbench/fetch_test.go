package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

const (
	fetchUser   = "zb-user"
	fetchSecret = "pa55-w0rd-never-shown"
)

// authRegistry is an in-process registry that needs fetchUser:fetchSecret
// once armed, holding two images that share a base layer.
func authRegistry(t *testing.T) (host string, arm func()) {
	t.Helper()
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	armed := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); armed && !(ok && u == fetchUser && p == fetchSecret) {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	host = strings.TrimPrefix(srv.URL, "http://")
	base := testImageLayer(t, tarLayer(t, 1), true)
	push := func(ref string, layers ...v1.Layer) {
		img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), layers...)
		if err != nil {
			t.Fatal(err)
		}
		r, _ := name.ParseReference(host + "/" + ref)
		if err := remote.Write(r, img); err != nil {
			t.Fatal(err)
		}
	}
	push("web:1", base, testImageLayer(t, tarLayer(t, 2), true))
	push("db:2", base, testImageLayer(t, tarLayer(t, 3), false))
	return host, func() { armed = true }
}

func testImageLayer(t *testing.T, tarBytes []byte, compress bool) v1.Layer {
	t.Helper()
	b := tarBytes
	if compress {
		b = gz(tarBytes)
	}
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil },
		tarball.WithMediaType(types.OCILayer))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestFetchLockRun pulls two images through a registry that needs
// credentials, writes a lock, and measures the lock: the shared layer is
// fetched and measured once, the run records the corpus identity, and the
// credentials appear nowhere.
func TestFetchLockRun(t *testing.T) {
	host, arm := authRegistry(t)
	arm()
	cfg := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte(fetchUser + ":" + fetchSecret))
	b, _ := json.Marshal(map[string]any{"auths": map[string]any{host: map[string]string{"auth": auth}}})
	os.WriteFile(filepath.Join(cfg, "config.json"), b, 0o600)
	t.Setenv("DOCKER_CONFIG", cfg)
	cache := t.TempDir()
	dir := t.TempDir()
	lock := filepath.Join(dir, "corpus.lock")

	code, stdout, stderr := zbench(t, context.Background(), "fetch", "-insecure", "-cache", cache, "-progress", "plain",
		"-lock", lock, host+"/web:1", "docker://"+host+"/db:2")
	if code != 0 {
		t.Fatalf("fetch: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if n := strings.Count(stdout, "fetched"); n != 4 || !strings.Contains(stdout, string(types.OCILayer)) {
		t.Errorf("fetch printed %d fetched layers, want 4, with media types:\n%s", n, stdout)
	}
	// On a non-terminal, a line per blob downloaded: the shared one once.
	if n := strings.Count(stderr, "fetch: sha256:"); n != 3 {
		t.Errorf("%d blob lines, want 3:\n%s", n, stderr)
	}
	lb, err := os.ReadFile(lock)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(lb), "@sha256:") != 2 {
		t.Errorf("lock file:\n%s", lb)
	}

	// With the bar (as on a terminal): bytes and rate, then the table.
	code, stdout, stderr = zbench(t, context.Background(), "fetch", "-insecure", "-cache", t.TempDir(), "-progress", "bar", "-j", "1", "@"+lock)
	if code != 0 || strings.Count(stdout, "fetched") != 4 || !strings.Contains(stderr, "fetching 3 blob(s)") {
		t.Errorf("fetch with a bar: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if testing.Verbose() {
		t.Logf("bar output: %q", stderr)
	}

	// Again: everything from the cache.
	code, stdout, _ = zbench(t, context.Background(), "fetch", "-insecure", "-cache", cache, "-progress", "none", "@"+lock)
	if code != 0 || strings.Contains(stdout, "fetched") || strings.Count(stdout, "cached") != 4 {
		t.Errorf("second fetch: exit %d, want every layer cached:\n%s", code, stdout)
	}

	out := filepath.Join(dir, "run")
	code, _, stderr = zbench(t, context.Background(), "run", "-insecure", "-cache", cache, "-o", out, "-count", "1", "-min-time", "0",
		"-progress", "plain", "-codecs", "gzip-std", "-levels", "gzip-std=1", "-ops", "encode", "@"+lock)
	if code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	layers := map[string]bool{}
	for _, r := range loadRun(t, out) {
		layers[r.Layer] = true
	}
	if len(layers) != 3 || !layers["web-1-l0"] || !layers["db-2-l1"] || layers["db-2-l0"] {
		t.Errorf("run measured layers %v, want web-1-l0, web-1-l1, db-2-l1", layers)
	}
	env, _ := os.ReadFile(filepath.Join(out, "env.json"))
	if !bytes.Contains(env, []byte(`"corpus-digest": "sha256:`)) && !bytes.Contains(env, []byte(`"corpus-digest":"sha256:`)) {
		t.Errorf("env.json has no corpus-digest:\n%s", env)
	}
	// No credential in anything written or printed.
	var all bytes.Buffer
	all.WriteString(stdout + stderr)
	for _, d := range []string{out, cache, dir} {
		filepath.Walk(d, func(p string, fi os.FileInfo, err error) error {
			if err == nil && fi.Mode().IsRegular() && fi.Size() < 1<<20 {
				b, _ := os.ReadFile(p)
				all.Write(b)
			}
			return nil
		})
	}
	for _, s := range []string{fetchSecret, auth} {
		if bytes.Contains(all.Bytes(), []byte(s)) {
			t.Errorf("credential %q appears in the output or the run", s)
		}
	}
}

// TestFetchErrors checks that 401 and a missing image fail at once with a
// message naming the image.
func TestFetchErrors(t *testing.T) {
	host, arm := authRegistry(t)
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	code, _, stderr := zbench(t, context.Background(), "fetch", "-insecure", "-cache", t.TempDir(), host+"/nosuch:1")
	if code != exitUsage || !strings.Contains(stderr, "nosuch") || !strings.Contains(stderr, "not found") {
		t.Errorf("missing image: exit %d, want 2 (input)\n%s", code, stderr)
	}
	arm()
	code, _, stderr = zbench(t, context.Background(), "fetch", "-insecure", "-cache", t.TempDir(), host+"/web:1")
	if code != exitCannotRun || !strings.Contains(stderr, "access denied") {
		t.Errorf("401: exit %d, want 3 (could not run)\n%s", code, stderr)
	}
	code, _, stderr = zbench(t, context.Background(), "fetch", "-cache", t.TempDir(), host+"/web:1")
	if code != exitUsage || !strings.Contains(stderr, "-insecure") {
		t.Errorf("plain HTTP without -insecure: exit %d, want 2 (usage)\n%s", code, stderr)
	}
	code, _, _ = zbench(t, context.Background(), "fetch", "-platform", "amd64", "alpine")
	if code != 2 {
		t.Errorf("bad -platform: exit %d, want 2", code)
	}
}
