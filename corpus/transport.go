package corpus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// RetryPolicy says how often and how long zbench retries a registry request
// or a blob download that failed in a way that may pass: 408, 429, 500, 502,
// 503 and 504 answers, connection resets, timeouts, a body cut short, and
// (for blobs) bytes that do not match their digest.
//
// Waits grow from Initial by a factor of 2 up to Max, each with jitter (a
// random time between half and all of it), so that parallel downloads do not
// retry in step. A 429 or 503 answer with Retry-After waits what the
// registry asks instead, up to MaxRetryAfter.
type RetryPolicy struct {
	Attempts      int           // tries in all, at least 1 (default 5)
	Initial       time.Duration // first wait (default 500ms)
	Max           time.Duration // longest wait from backoff (default 20s)
	MaxRetryAfter time.Duration // longest Retry-After honoured (default 60s)
	// Stall aborts a blob download, to retry it, when no byte arrived for
	// this long (default 30s).
	Stall time.Duration
	// Small bounds one attempt at a manifest or a config, body included
	// (default 60s): a registry that drips bytes slowly is cut off.
	Small time.Duration
}

// withDefaults fills in zero fields.
func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.Attempts <= 0 {
		p.Attempts = 5
	}
	if p.Initial <= 0 {
		p.Initial = 500 * time.Millisecond
	}
	if p.Max <= 0 {
		p.Max = 20 * time.Second
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = time.Minute
	}
	if p.Stall <= 0 {
		p.Stall = 30 * time.Second
	}
	if p.Small <= 0 {
		p.Small = time.Minute
	}
	return p
}

// backoff returns the wait before retry number n (0 for the first retry):
// Initial·2ⁿ capped at Max, with jitter.
func (p RetryPolicy) backoff(n int) time.Duration {
	d := p.Initial
	for i := 0; i < n && d < p.Max; i++ {
		d *= 2
	}
	d = min(d, p.Max)
	return d/2 + rand.N(d/2+1)
}

// retryAfter returns the wait a Retry-After header asks for (seconds or an
// HTTP date), capped at limit, and whether there was a usable one.
func retryAfter(h string, limit time.Duration) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	var d time.Duration
	if secs, err := strconv.Atoi(h); err == nil {
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = time.Until(t)
	} else {
		return 0, false
	}
	return min(max(d, 0), limit), true
}

// retryStatus reports whether an answer with this status may succeed later.
func retryStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// transientErr reports whether a network error may pass: a reset, a
// timeout, a connection or body cut short. A refused connection is not:
// nothing listens there, and saying so at once beats a minute of retries.
func transientErr(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var ne net.Error
	switch {
	case errors.Is(err, errStalled), errors.Is(err, context.DeadlineExceeded):
		return true
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE):
		return true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.As(err, &ne) && ne.Timeout():
		return true
	}
	// net/http reports some of these only as text.
	s := err.Error()
	return strings.Contains(s, "connection reset") || strings.Contains(s, "server closed") ||
		strings.Contains(s, "broken pipe") || strings.Contains(s, "EOF")
}

// errStalled is the cause of a blob download aborted for sending nothing
// for RetryPolicy.Stall.
var errStalled = errors.New("download stalled")

// retryTransport retries requests that may pass later (see RetryPolicy),
// honouring Retry-After. Note: ggcr's own retry (remote.WithRetryBackoff)
// neither honours Retry-After nor tells the caller it is waiting, so the
// Resolver turns it off and uses this one.
type retryTransport struct {
	inner  http.RoundTripper
	policy RetryPolicy
	// onRetry is told about each retry, for progress messages.
	onRetry func(req *http.Request, why string, wait time.Duration)
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	for attempt := 0; ; attempt++ {
		if attempt > 0 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req.Body = body
		}
		resp, err := t.inner.RoundTrip(req)
		last := attempt+1 >= t.policy.Attempts || !replayable || req.Context().Err() != nil
		var why string
		wait := t.policy.backoff(attempt)
		switch {
		case err != nil && transientErr(err):
			why = err.Error()
		case err != nil:
			return nil, err
		case retryStatus(resp.StatusCode):
			why = resp.Status
			if d, ok := retryAfter(resp.Header.Get("Retry-After"), t.policy.MaxRetryAfter); ok {
				wait, why = d, why+" (Retry-After "+d.String()+")"
			}
		default:
			return resp, nil
		}
		if last {
			return resp, err
		}
		if resp != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		if t.onRetry != nil {
			t.onRetry(req, why, wait)
		}
		if err := sleepCtx(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

// sleepCtx waits for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ErrInsecure is returned for a request over plain HTTP that zbench refuses:
// to a registry that is not on loopback, or without Options.Insecure.
// Typically this indicates a local registry without TLS. The error is an
// *InsecureError, which says which.
var ErrInsecure = errors.New("plain HTTP refused")

// An InsecureError is a request over plain HTTP refused. It matches
// ErrInsecure.
type InsecureError struct {
	Host string // host[:port] of the request
	// Loopback is set when the registry is on loopback, where
	// Options.Insecure would allow plain HTTP; unset, plain HTTP is never
	// allowed.
	Loopback bool
}

func (e *InsecureError) Error() string {
	if e.Loopback {
		return fmt.Sprintf("%v to %s", ErrInsecure, e.Host)
	}
	host := e.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return fmt.Sprintf("%v to %s: zbench allows plain HTTP only to a registry on loopback, and %s does not resolve to loopback addresses only", ErrInsecure, e.Host, host)
}

// Is reports whether target is ErrInsecure.
func (e *InsecureError) Is(target error) bool { return target == ErrInsecure }

// schemeGuard refuses plain HTTP unless insecure is set and the host is on
// loopback. Note: ggcr falls back to http:// by itself for localhost and
// private (RFC 1918) addresses; the guard makes Options.Insecure the only way to
// plain HTTP, and only to this machine.
//
// "On loopback" means that every address the host resolves to is a
// loopback address (a name such as evil.localhost is resolved, not trusted),
// and the connection itself is checked again when it is dialed (see
// loopbackOnly), so that a name that resolves elsewhere the second time is
// refused too. A plain-HTTP request never goes through a proxy: Go's proxy
// settings bypass only the literal localhost and loopback addresses, and a
// proxy would see the registry's credentials in the clear.
//
// The guard also bounds what a registry can make zbench do: at most
// maxRedirects redirects in a row (ggcr's redirect check replaces Go's
// limit of 10, so a redirect loop would never end), manifests of at most
// MaxManifestBytes, each read within small (RetryPolicy.Small).
type schemeGuard struct {
	inner    http.RoundTripper
	insecure bool
	offline  bool          // refuse every request (Options.Offline)
	small    time.Duration // bound on one manifest answer, body included; 0: none
}

// maxRedirects is the longest chain of redirects followed, as Go's default.
const maxRedirects = 10

// MaxManifestBytes is the largest manifest or index zbench reads, as the
// OCI distribution spec asks registries to accept (4 MiB); ggcr alone
// would read 100 MiB.
const MaxManifestBytes = 4 << 20

// ErrRegistryLimit is wrapped by the errors of answers that pass zbench's
// bounds on a registry: too many redirects, a manifest or config too
// large or too slow, too many layers or nested indexes.
var ErrRegistryLimit = errors.New("registry answer out of bounds")

func (g *schemeGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if g.offline {
		return nil, fmt.Errorf("%w: %s: offline, no request made", ErrUnreachable, req.URL.Host)
	}
	if n := redirectsBefore(req); n > maxRedirects {
		return nil, fmt.Errorf("%w: %s%s: more than %d redirects", ErrRegistryLimit, req.URL.Host, req.URL.Path, maxRedirects)
	}
	if req.URL.Scheme == "http" {
		host := req.URL.Hostname()
		switch {
		case !resolvesToLoopback(req.Context(), host):
			return nil, &InsecureError{Host: req.URL.Host}
		case !g.insecure:
			return nil, &InsecureError{Host: req.URL.Host, Loopback: true}
		}
		if t, ok := g.inner.(*http.Transport); ok && t.Proxy != nil {
			if u, err := t.Proxy(req); err != nil || u != nil {
				return nil, fmt.Errorf("%w to %s: a proxy would carry it (and any credentials) in the clear", ErrInsecure, req.URL.Host)
			}
		}
		req = req.WithContext(context.WithValue(req.Context(), loopbackOnlyKey{}, true))
	}
	if !strings.Contains(req.URL.Path, "/manifests/") || req.Method != http.MethodGet {
		return g.inner.RoundTrip(req)
	}
	return g.manifest(req)
}

// manifest makes a manifest request whose answer is cut off past
// MaxManifestBytes or after g.small.
func (g *schemeGuard) manifest(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(req.Context())
	var timer *time.Timer
	if g.small > 0 {
		timer = time.AfterFunc(g.small, func() {
			cancel(fmt.Errorf("%w: %s%s: no whole answer in %v", ErrRegistryLimit, req.URL.Host, req.URL.Path, g.small))
		})
	}
	done := func() {
		if timer != nil {
			timer.Stop()
		}
		cancel(nil)
	}
	resp, err := g.inner.RoundTrip(req.WithContext(ctx))
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil && req.Context().Err() == nil {
			err = cause
		}
		done()
		return nil, err
	}
	if resp.ContentLength > MaxManifestBytes {
		resp.Body.Close()
		done()
		return nil, fmt.Errorf("%w: %s%s: a manifest of %d bytes, more than %d", ErrRegistryLimit, req.URL.Host, req.URL.Path, resp.ContentLength, MaxManifestBytes)
	}
	resp.Body = &boundedBody{rc: resp.Body, ctx: ctx, parent: req.Context(), done: done, left: MaxManifestBytes,
		what: req.URL.Host + req.URL.Path}
	return resp, nil
}

// boundedBody is a manifest body: reading past left bytes, or after its
// context ends, fails with ErrRegistryLimit.
type boundedBody struct {
	rc     io.ReadCloser
	ctx    context.Context // ends at the deadline
	parent context.Context // the request's own
	done   func()
	left   int64
	what   string
}

func (b *boundedBody) Read(p []byte) (int, error) {
	// One byte more than left tells a body of exactly the limit from a
	// larger one.
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return 0, fmt.Errorf("%w: %s: a manifest of more than %d bytes", ErrRegistryLimit, b.what, MaxManifestBytes)
	}
	if err != nil && err != io.EOF && b.ctx.Err() != nil && b.parent.Err() == nil {
		err = context.Cause(b.ctx)
	}
	return n, err
}

func (b *boundedBody) Close() error {
	err := b.rc.Close()
	b.done()
	return err
}

// redirectsBefore counts the redirects that led to req.
func redirectsBefore(req *http.Request) int {
	n := 0
	for r := req; r.Response != nil && r.Response.Request != nil && n <= maxRedirects; r = r.Response.Request {
		n++
	}
	return n
}

// loopbackOnlyKey marks the context of a plain-HTTP request: the dialer of
// newHTTPTransport then refuses a connection to any address but loopback.
type loopbackOnlyKey struct{}

// loopbackOnly is a net.Dialer.ControlContext: for a request marked with
// loopbackOnlyKey, it refuses to connect to an address that is not
// loopback, whatever the name resolved to before.
func loopbackOnly(ctx context.Context, network, address string, _ syscall.RawConn) error {
	if ctx.Value(loopbackOnlyKey{}) == nil {
		return nil
	}
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		host = address
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%w: refusing to connect to %s, not a loopback address", ErrInsecure, address)
	}
	return nil
}

// lookupIPAddr resolves host names for resolvesToLoopback; tests replace it.
var lookupIPAddr = net.DefaultResolver.LookupIPAddr

// loopbackLookupTimeout bounds the name lookup of resolvesToLoopback.
const loopbackLookupTimeout = 5 * time.Second

// isLoopback reports whether host (a name or an address, no port) is this
// machine: a loopback address, or a name whose every address is loopback.
func isLoopback(host string) bool {
	return resolvesToLoopback(context.Background(), host)
}

// resolvesToLoopback is isLoopback, its name lookup bounded by ctx and
// loopbackLookupTimeout. A name that does not resolve is not loopback.
func resolvesToLoopback(ctx context.Context, host string) bool {
	host = strings.Trim(host, "[]")
	if host == "" {
		return false
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback()
	}
	ctx, cancel := context.WithTimeout(ctx, loopbackLookupTimeout)
	defer cancel()
	addrs, err := lookupIPAddr(ctx, host)
	if err != nil || len(addrs) == 0 {
		return false
	}
	for _, a := range addrs {
		if !a.IP.IsLoopback() {
			return false
		}
	}
	return true
}

// directForPlainHTTP wraps a proxy function so that plain-HTTP requests
// (only ever to loopback, see schemeGuard) never use a proxy.
func directForPlainHTTP(proxy func(*http.Request) (*url.URL, error)) func(*http.Request) (*url.URL, error) {
	return func(req *http.Request) (*url.URL, error) {
		if req.URL.Scheme == "http" {
			return nil, nil
		}
		return proxy(req)
	}
}

// redactErr removes query strings from URLs in err's message: registries
// redirect blob downloads to signed URLs whose query is a credential.
func redactErr(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	u, perr := url.Parse(ue.URL)
	if perr != nil || (u.RawQuery == "" && u.User == nil) {
		return err
	}
	clean := *u
	clean.User = nil
	if clean.RawQuery != "" {
		clean.RawQuery = "REDACTED"
	}
	msg := strings.ReplaceAll(err.Error(), ue.URL, clean.String())
	return &redactedError{msg: msg, err: err}
}

// redactedError has a cleaned message but unwraps to the original error, so
// that errors.Is still sees its causes.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// newHTTPTransport is the transport under the retry and guard layers: a
// short dial timeout, so that an unreachable registry is found out quickly;
// plain HTTP (loopback only) goes direct, never through a proxy, and its
// connections are checked to be to loopback addresses.
func newHTTPTransport(dial, header time.Duration) *http.Transport {
	return &http.Transport{
		Proxy:                 directForPlainHTTP(http.ProxyFromEnvironment),
		DialContext:           (&net.Dialer{Timeout: dial, KeepAlive: 30 * time.Second, ControlContext: loopbackOnly}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   dial,
		ResponseHeaderTimeout: header,
		ExpectContinueTimeout: time.Second,
	}
}
