package corpus

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// ProbeTimeout is the longest Probe waits for a connection.
const ProbeTimeout = 3 * time.Second

// Probe tells quickly whether the images of srcs can be had, without
// fetching anything: nil when every registry image they name is in the
// cache by digest (no network needed), or when a TCP connection (name lookup
// included) to the first registry needed, or to its proxy, succeeds within
// Options.DialTimeout; otherwise an error wrapping ErrUnreachable that says
// which registry and why, in one line.
//
// Note: a TCP connection is the cheapest answer that DNS, routing and
// firewalls all agree; the registry's /v2/ endpoint is left to the fetch,
// where an error is reported with its full context.
func (r *Resolver) Probe(ctx context.Context, srcs []Source) error {
	need := r.firstUncached(ctx, srcs)
	if need == nil {
		return nil
	}
	if r.opts.Offline {
		return fmt.Errorf("%w: offline, and %s is not in the cache by digest", ErrUnreachable, need.arg)
	}
	reg := need.ref.Context().Registry
	scheme := "https"
	if r.opts.Insecure && isLoopback(hostOnly(reg.RegistryStr())) {
		scheme = "http"
	}
	target := &url.URL{Scheme: scheme, Host: reg.RegistryStr(), Path: "/v2/"}
	addr := hostPort(target)
	if purl, err := directForPlainHTTP(http.ProxyFromEnvironment)(&http.Request{URL: target}); err == nil && purl != nil {
		addr = hostPort(purl)
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, min(r.opts.DialTimeout, ProbeTimeout))
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("%w: cannot connect to %s for %s in %v: %v", ErrUnreachable, addr, need.arg,
			time.Since(start).Round(time.Millisecond), err)
	}
	conn.Close()
	return nil
}

// hostPort is u's host with the scheme's default port when it has none.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	port := "443"
	if u.Scheme == "http" {
		port = "80"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// firstUncached returns the first registry image of srcs (lists included)
// that needs the network: named by tag, or by a digest whose manifest,
// config or layers are not all in the cache.
func (r *Resolver) firstUncached(ctx context.Context, srcs []Source) *remoteSource {
	for _, src := range srcs {
		switch s := src.(type) {
		case *listSource:
			if n := r.firstUncached(ctx, s.sources); n != nil {
				return n
			}
		case *remoteSource:
			if !r.inCacheByDigest(ctx, s) {
				return s
			}
		}
	}
	return nil
}

// inCacheByDigest reports whether s names a digest whose image is wholly in
// the cache.
func (r *Resolver) inCacheByDigest(ctx context.Context, s *remoteSource) bool {
	d, ok := s.ref.(name.Digest)
	if !ok {
		return false
	}
	c, err := r.Cache()
	if err != nil {
		return false
	}
	h, err := v1.NewHash(d.DigestStr())
	if err != nil {
		return false
	}
	b, err := c.ReadBlob(h)
	if err != nil {
		return false
	}
	img := &Image{Source: s.arg}
	if err := r.fillImage(ctx, img, b, h, cacheOnly(c), inCache(c)); err != nil {
		return false
	}
	for _, l := range img.Layers {
		if l.Skip == "" && !l.Cached {
			return false
		}
	}
	return true
}
