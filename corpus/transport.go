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
	return fmt.Sprintf("%v to %s: zbench allows plain HTTP only to a registry on loopback", ErrInsecure, e.Host)
}

// Is reports whether target is ErrInsecure.
func (e *InsecureError) Is(target error) bool { return target == ErrInsecure }

// schemeGuard refuses plain HTTP unless insecure is set and the host is on
// loopback. Note: ggcr falls back to http:// by itself for localhost and
// private (RFC 1918) addresses; the guard makes Options.Insecure the only way to
// plain HTTP, and only to this machine.
type schemeGuard struct {
	inner    http.RoundTripper
	insecure bool
	offline  bool // refuse every request (Options.Offline)
}

func (g *schemeGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if g.offline {
		return nil, fmt.Errorf("%w: %s: offline, no request made", ErrUnreachable, req.URL.Host)
	}
	if req.URL.Scheme == "http" {
		host := req.URL.Hostname()
		switch {
		case !isLoopback(host):
			return nil, &InsecureError{Host: req.URL.Host}
		case !g.insecure:
			return nil, &InsecureError{Host: req.URL.Host, Loopback: true}
		}
	}
	return g.inner.RoundTrip(req)
}

// isLoopback reports whether host (a name or an address, no port) is this
// machine: localhost or a loopback address.
func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
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
// short dial timeout, so that an unreachable registry is found out quickly.
func newHTTPTransport(dial, header time.Duration) *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: dial, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   dial,
		ResponseHeaderTimeout: header,
		ExpectContinueTimeout: time.Second,
	}
}
