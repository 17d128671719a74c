package corpus

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
)

// stubLookup makes names resolve to the given addresses for one test.
func stubLookup(t *testing.T, names map[string][]string) {
	t.Helper()
	old := lookupIPAddr
	lookupIPAddr = func(_ context.Context, host string) ([]net.IPAddr, error) {
		addrs, ok := names[host]
		if !ok {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		var out []net.IPAddr
		for _, a := range addrs {
			out = append(out, net.IPAddr{IP: net.ParseIP(a)})
		}
		return out, nil
	}
	t.Cleanup(func() { lookupIPAddr = old })
}

// Issue 15 item 3: a name counts as loopback only when every address it
// resolves to is loopback; *.localhost used to be trusted unresolved.
func TestIsLoopbackResolves(t *testing.T) {
	stubLookup(t, map[string][]string{
		"localhost":      {"127.0.0.1", "::1"},
		"evil.localhost": {"203.0.113.7"},
		"mixed.test":     {"127.0.0.1", "10.1.2.3"},
		"lo.test":        {"127.0.0.2"},
	})
	for host, want := range map[string]bool{
		"localhost": true, "lo.test": true, "127.0.0.1": true, "::1": true, "[::1]": true,
		"evil.localhost": false, "other.localhost": false, "mixed.test": false, "nx.test": false,
		"10.0.0.1": false, "": false,
	} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", host, got, want)
		}
	}
	g := &schemeGuard{inner: http.DefaultTransport, insecure: true}
	req, _ := http.NewRequest("GET", "http://evil.localhost:5000/v2/", nil)
	if _, err := g.RoundTrip(req); !errors.Is(err, ErrInsecure) || !strings.Contains(err.Error(), "does not resolve to loopback") {
		t.Errorf("plain HTTP to evil.localhost: err = %v, want ErrInsecure naming the lookup", err)
	}
}

// Issue 15 item 3: with a proxy configured, a plain-HTTP request to a
// loopback registry that asks for credentials used to go to the proxy,
// Authorization header and all. Now it is refused before anything is sent
// (a transport of the caller's with a proxy), or sent direct (zbench's own
// transport).
func TestInsecureNeverThroughProxy(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.String()+" auth="+r.Header.Get("Authorization"))
		mu.Unlock()
		if r.Header.Get("Authorization") == "" {
			w.Header().Set("WWW-Authenticate", `Basic realm="registry"`)
			http.Error(w, "login", http.StatusUnauthorized)
			return
		}
		http.Error(w, "no such image", http.StatusNotFound)
	}))
	defer proxy.Close()
	pu, _ := url.Parse(proxy.URL)

	r, _ := testResolver(t, Options{
		Transport: &http.Transport{Proxy: http.ProxyURL(pu)},
		Keychain:  staticKeychain{authn.FromConfig(authn.AuthConfig{Username: "alice", Password: "s3cret"})},
	})
	_, err := entriesFor(t, r, "127.0.0.1:1/img:1")
	if !errors.Is(err, ErrInsecure) || !strings.Contains(err.Error(), "proxy") {
		t.Errorf("plain HTTP through a proxy: err = %v, want ErrInsecure naming the proxy", err)
	}
	mu.Lock()
	defer mu.Unlock()
	// ggcr tries https first: a CONNECT (a TLS tunnel) is fine; a plain
	// request is not.
	for _, s := range seen {
		if !strings.HasPrefix(s, "CONNECT ") {
			t.Errorf("the proxy saw a plain-HTTP request: %s", s)
		}
	}

	// zbench's own transport takes proxies from the environment but never
	// for plain HTTP.
	direct := directForPlainHTTP(http.ProxyURL(pu))
	for u, want := range map[string]bool{"http://evil.localhost:5000/v2/": false, "http://127.0.0.1:5000/v2/": false, "https://registry.example.com/v2/": true} {
		req, _ := http.NewRequest("GET", u, nil)
		got, err := direct(req)
		if err != nil || (got != nil) != want {
			t.Errorf("proxy for %s = %v, %v; want a proxy: %v", u, got, err, want)
		}
	}
}

// The dialer of zbench's transport checks the address it connects to for a
// plain-HTTP request, so that a name that resolved to loopback for the
// guard and elsewhere for the dial (DNS rebinding) is still refused.
func TestPlainHTTPDialsLoopbackOnly(t *testing.T) {
	tr := newHTTPTransport(time.Second, time.Second)
	ctx := context.WithValue(context.Background(), loopbackOnlyKey{}, true)
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://192.0.2.1:9/v2/", nil)
	start := time.Now()
	_, err := tr.RoundTrip(req)
	if !errors.Is(err, ErrInsecure) || time.Since(start) > 500*time.Millisecond {
		t.Errorf("dialing a non-loopback address for plain HTTP: err = %v after %v, want ErrInsecure at once", err, time.Since(start))
	}
	for addr, ok := range map[string]bool{"127.0.0.1:5000": true, "[::1]:5000": true, "10.0.0.1:80": false, "example.com:80": false} {
		if err := loopbackOnly(ctx, "tcp", addr, nil); (err == nil) != ok {
			t.Errorf("loopbackOnly(%s) = %v", addr, err)
		}
		if err := loopbackOnly(context.Background(), "tcp", addr, nil); err != nil {
			t.Errorf("loopbackOnly(%s) without the mark = %v", addr, err)
		}
	}
}

// staticKeychain answers every registry with one authenticator.
type staticKeychain struct{ a authn.Authenticator }

func (k staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) { return k.a, nil }
