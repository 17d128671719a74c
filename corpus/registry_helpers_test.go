package corpus

import (
	"bytes"
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// A fault answers one request in place of the registry. It returns false to
// let the request through after all (as a slow answer does).
type fault func(w http.ResponseWriter, r *http.Request) (handled bool)

// faultyRegistry is ggcr's in-process registry behind a handler that
// injects faults: each rule matches requests whose path contains a string,
// and applies its fault to the first n of them.
type faultyRegistry struct {
	t    *testing.T
	srv  *httptest.Server
	reg  http.Handler // the registry without faults
	host string

	mu    sync.Mutex
	rules []*faultRule
	hits  map[string]int // requests per path
}

type faultRule struct {
	match string
	n     int
	f     fault
}

func newFaultyRegistry(t *testing.T) *faultyRegistry {
	t.Helper()
	fr := &faultyRegistry{t: t, hits: map[string]int{}}
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	fr.reg = reg
	fr.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fr.mu.Lock()
		if r.Method == http.MethodGet {
			fr.hits[r.URL.Path]++
		}
		var f fault
		for _, rule := range fr.rules {
			if rule.n > 0 && strings.Contains(r.URL.Path, rule.match) && r.Method == http.MethodGet {
				rule.n--
				f = rule.f
				break
			}
		}
		fr.mu.Unlock()
		if f != nil && f(w, r) {
			return
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(fr.srv.Close)
	fr.host = strings.TrimPrefix(fr.srv.URL, "http://")
	return fr
}

// inject makes the first n GET requests whose path contains match fail
// with f.
func (fr *faultyRegistry) inject(match string, n int, f fault) {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	fr.rules = append(fr.rules, &faultRule{match: match, n: n, f: f})
}

// requests returns how many requests had a path containing match.
func (fr *faultyRegistry) requests(match string) int {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	n := 0
	for p, c := range fr.hits {
		if strings.Contains(p, match) {
			n += c
		}
	}
	return n
}

// push writes img to the registry as repo:tag and returns the reference.
func (fr *faultyRegistry) push(repo string, img v1.Image) string {
	fr.t.Helper()
	ref := fr.host + "/" + repo
	r, err := name.ParseReference(ref)
	if err != nil {
		fr.t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		fr.t.Fatal(err)
	}
	return ref
}

// pushIndex writes idx to the registry as repo:tag.
func (fr *faultyRegistry) pushIndex(repo string, idx v1.ImageIndex) string {
	fr.t.Helper()
	ref := fr.host + "/" + repo
	r, err := name.ParseReference(ref)
	if err != nil {
		fr.t.Fatal(err)
	}
	if err := remote.WriteIndex(r, idx); err != nil {
		fr.t.Fatal(err)
	}
	return ref
}

// Faults.

func status(code int, header ...string) fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
		return true
	}
}

// reset closes the connection with a TCP RST, before any answer.
func reset() fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		conn.Close()
		return true
	}
}

// wrongBytes answers with body, whatever was asked.
func wrongBytes(body []byte) fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Length", itoa(len(body)))
		w.Write(body)
		return true
	}
}

// cutShort sends the first n bytes the registry would send, then resets.
func cutShort(reg http.Handler, n int) fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		rec := httptest.NewRecorder()
		reg.ServeHTTP(rec, r)
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		body := rec.Body.Bytes()
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: " + itoa(len(body)) + "\r\n\r\n")
		buf.Write(body[:min(n, len(body))])
		buf.Flush()
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		conn.Close()
		return true
	}
}

// slow delays the answer by d, then lets the registry answer.
func slow(d time.Duration) fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return true
		}
		return false
	}
}

// stall sends headers and a first chunk, then nothing for d.
func stall(d time.Duration) fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Length", "1000000")
		w.WriteHeader(http.StatusOK)
		w.Write(make([]byte, 100))
		w.(http.Flusher).Flush()
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
		return true
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// anonymousKeychain keeps tests away from the machine's Docker config.
type anonymousKeychain struct{}

func (anonymousKeychain) Resolve(authn.Resource) (authn.Authenticator, error) {
	return authn.Anonymous, nil
}

// Images.

// layerOf is a layer whose compressed blob is exactly blob (gzip, zstd or a
// plain tar), with the given media type.
func layerOf(t *testing.T, blob []byte, mt types.MediaType) v1.Layer {
	t.Helper()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(blob)), nil
	}, tarball.WithMediaType(mt))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// imageOf is an image with the given layers, for platform (os/arch).
func imageOf(t *testing.T, platform string, layers ...v1.Layer) v1.Image {
	t.Helper()
	img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), layers...)
	if err != nil {
		t.Fatal(err)
	}
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	p, err := v1.ParsePlatform(platform)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// testResolver is a resolver with a fresh cache and short timeouts and
// retries, recording its events.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) add(ev Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
}

func (r *recorder) count(k EventKind) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, ev := range r.events {
		if ev.Kind == k {
			n++
		}
	}
	return n
}

// text is every message of the events, for checks that nothing leaks.
func (r *recorder) text() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, ev := range r.events {
		b.WriteString(ev.Msg + " " + ev.Image + " ")
		if ev.Err != nil {
			b.WriteString(ev.Err.Error())
		}
		b.WriteString("\n")
	}
	return b.String()
}

func testResolver(t *testing.T, opts Options) (*Resolver, *recorder) {
	t.Helper()
	rec := &recorder{}
	if opts.CacheDir == "" {
		opts.CacheDir = t.TempDir()
	}
	opts.Insecure = true
	opts.Events = rec.add
	opts.ResponseTimeout = 500 * time.Millisecond
	opts.Retry = RetryPolicy{Attempts: 4, Initial: 5 * time.Millisecond, Max: 20 * time.Millisecond, MaxRetryAfter: 2 * time.Second, Stall: 300 * time.Millisecond}
	if opts.Keychain == nil {
		opts.Keychain = anonymousKeychain{}
	}
	r, err := NewResolver(opts)
	if err != nil {
		t.Fatal(err)
	}
	return r, rec
}

// entriesFor parses args and returns their entries.
func entriesFor(t *testing.T, r *Resolver, args ...string) ([]Entry, error) {
	t.Helper()
	srcs, err := r.ParseAll(args)
	if err != nil {
		return nil, err
	}
	return r.Entries(context.Background(), srcs)
}
