package corpus

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	ggtransport "github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// A Resolver turns SOURCE arguments into sources, with one set of Options
// and one cache shared among them, so that a layer shared by several images
// is fetched once. Make one with NewResolver; it is safe for one run at a
// time.
type Resolver struct {
	opts     Options
	platform v1.Platform

	evMu sync.Mutex

	cacheOnce sync.Once
	cache     *Cache
	cacheErr  error

	pullerOnce sync.Once
	puller     *remote.Puller
	pullerErr  error
}

// NewResolver checks opts and returns a Resolver. It opens the cache only
// when a source needs it.
func NewResolver(opts Options) (*Resolver, error) {
	if opts.Platform == "" {
		opts.Platform = DefaultPlatform
	}
	p, err := v1.ParsePlatform(opts.Platform)
	if err != nil || p.OS == "" || p.Architecture == "" {
		return nil, fmt.Errorf("platform %q: want os/arch[/variant], such as linux/amd64 or linux/arm64/v8", opts.Platform)
	}
	if opts.Jobs <= 0 {
		opts.Jobs = 4
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 5 * time.Second
	}
	if opts.ResponseTimeout <= 0 {
		opts.ResponseTimeout = time.Minute
	}
	opts.Retry = opts.Retry.withDefaults()
	return &Resolver{opts: opts, platform: *p}, nil
}

// Cache returns the resolver's cache, opening it on first use.
func (r *Resolver) Cache() (*Cache, error) {
	r.cacheOnce.Do(func() {
		dir := r.opts.CacheDir
		if dir == "" {
			if dir, r.cacheErr = DefaultCacheDir(); r.cacheErr != nil {
				return
			}
		}
		r.cache, r.cacheErr = OpenCache(dir)
	})
	return r.cache, r.cacheErr
}

// Platform returns the platform the resolver picks from indexes.
func (r *Resolver) Platform() string { return r.opts.Platform }

func (r *Resolver) emit(ev Event) {
	if r.opts.Events == nil {
		return
	}
	r.evMu.Lock()
	defer r.evMu.Unlock()
	r.opts.Events(ev)
}

func (r *Resolver) note(format string, a ...any) {
	r.emit(Event{Kind: EventNote, Msg: fmt.Sprintf(format, a...)})
}

// transport is the stack under ggcr: retries over the plain-HTTP guard over
// the base transport.
func (r *Resolver) transport() http.RoundTripper {
	base := r.opts.Transport
	if base == nil {
		base = newHTTPTransport(r.opts.DialTimeout, r.opts.ResponseTimeout)
	}
	return &retryTransport{
		inner:  &schemeGuard{inner: base, insecure: r.opts.Insecure, offline: r.opts.Offline, small: r.opts.Retry.Small},
		policy: r.opts.Retry,
		onRetry: func(req *http.Request, why string, wait time.Duration) {
			r.emit(Event{Kind: EventRetry, Wait: wait,
				Err: fmt.Errorf("%s %s%s: %s", req.Method, req.URL.Host, req.URL.Path, why)})
		},
	}
}

// getPuller returns the ggcr puller shared by every request of the
// resolver: it keeps one authenticated transport per repository, so that
// the ping and the token exchange happen once, not once per blob.
func (r *Resolver) getPuller() (*remote.Puller, error) {
	r.pullerOnce.Do(func() {
		kc := r.opts.Keychain
		if kc == nil {
			kc = authn.DefaultKeychain
		}
		r.puller, r.pullerErr = remote.NewPuller(
			remote.WithTransport(r.transport()),
			remote.WithAuthFromKeychain(kc),
			remote.WithPlatform(r.platform),
			remote.WithJobs(r.opts.Jobs),
			remote.WithUserAgent("zbench"),
			// Retries are the retryTransport's; ggcr's would double them.
			remote.WithRetryBackoff(remote.Backoff{Duration: time.Millisecond, Factor: 1, Steps: 1}),
			remote.WithRetryPredicate(func(error) bool { return false }),
			remote.WithRetryStatusCodes(),
		)
	})
	return r.puller, r.pullerErr
}

// classify maps registry answers to the sentinels, keeping ggcr's message
// (which names the URL without its query).
func classify(err error) error {
	var te *ggtransport.Error
	if errors.As(err, &te) {
		switch te.StatusCode {
		case http.StatusNotFound:
			return fmt.Errorf("%w: %w", ErrNotFound, err)
		case http.StatusUnauthorized, http.StatusForbidden:
			return fmt.Errorf("%w (log in with docker login, or check the name: Docker Hub answers so for a repository that does not exist): %w", ErrUnauthorized, err)
		}
	}
	if errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return redactErr(err)
}

// layersOf is Layers for an image source: its images, fetched, as entries,
// each blob once.
func (r *Resolver) layersOf(ctx context.Context, s imageSource) ([]Entry, error) {
	images, err := s.resolve(ctx)
	if err != nil {
		return nil, err
	}
	if err := r.Fetch(ctx, images); err != nil {
		return nil, err
	}
	es := r.entriesOf(images, map[v1.Hash]string{}, map[string]bool{})
	if len(es) == 0 {
		return nil, fmt.Errorf("source %q: no layers to measure", s.Name())
	}
	return es, nil
}
