package corpus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	ggtransport "github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Sentinel errors of registry access.
var (
	// ErrNotFound is returned when a registry answers 404 for a manifest or
	// a blob. Typically this indicates a misspelt repository or tag, or a
	// tag that was deleted.
	ErrNotFound = errors.New("not found")

	// ErrUnauthorized is returned when a registry answers 401 or 403.
	// Typically this indicates a private repository (log in with docker
	// login, or configure a credential helper), wrong credentials, or, on
	// Docker Hub, a repository that does not exist.
	ErrUnauthorized = errors.New("access denied")

	// ErrNoPlatform is returned when an index or manifest list has no image
	// for the requested platform (-platform).
	ErrNoPlatform = errors.New("no image for the platform")

	// ErrUnreachable is returned by Probe when no connection to a registry
	// could be made in time: no network, no DNS, a firewall.
	ErrUnreachable = errors.New("registry unreachable")
)

// DefaultPlatform is the platform chosen from an index or manifest list when
// Options.Platform is empty.
const DefaultPlatform = "linux/amd64"

// Options configure a Resolver: where the cache is, how registries are
// reached, and who hears about progress. The zero value is usable.
type Options struct {
	// CacheDir is the cache's OCI image layout; "" means DefaultCacheDir.
	CacheDir string
	// Platform picks an image from an index: os/arch[/variant], as
	// linux/arm64/v8; "" means DefaultPlatform.
	Platform string
	// Insecure allows plain HTTP to registries on loopback (and nowhere
	// else).
	Insecure bool
	// Jobs is how many blobs are downloaded at once; 0 means 4.
	Jobs int
	// Keychain finds credentials; nil means authn.DefaultKeychain (the
	// Docker config file, $DOCKER_CONFIG, and its credential helpers).
	Keychain authn.Keychain
	// Transport carries the requests, under the retry and plain-HTTP guard
	// layers; nil means an http.Transport with DialTimeout and
	// ResponseTimeout.
	Transport http.RoundTripper
	// DialTimeout bounds connecting to a registry (default 5s); Probe uses
	// it too.
	DialTimeout time.Duration
	// ResponseTimeout bounds waiting for an answer's headers (default 60s).
	ResponseTimeout time.Duration
	// Retry says how transient failures are retried.
	Retry RetryPolicy
	// Offline forbids every network request: images must be in the cache
	// by digest (a lock file fetched before), and Probe says so.
	Offline bool
	// VerifyCached re-hashes layer blobs found in the cache (zbench fetch
	// does; run leaves it to Load, which hashes every blob it loads).
	VerifyCached bool
	// Events, when set, is told about progress: resolved images, blob
	// downloads, retries and notes. It is called from several goroutines,
	// one call at a time.
	Events func(Event)
}

// EventKind says what an Event reports.
type EventKind int

// Kinds of Event.
const (
	// EventNote is a message for the user: a skipped layer, a layer
	// measured once for several images, a cached image used offline.
	EventNote EventKind = iota
	// EventQueued: Count blobs of N bytes in all are to be downloaded.
	EventQueued
	// EventStart: the download of blob Digest (Size bytes) begins.
	EventStart
	// EventBytes: N more bytes of blob Digest arrived. On a retry, N is
	// negative: the bytes of the failed attempt, taken back.
	EventBytes
	// EventDone: blob Digest is in the cache (Err nil) or failed for good.
	EventDone
	// EventRetry: a request or a download failed with Err and is tried
	// again after Wait.
	EventRetry
)

// An Event reports progress to Options.Events. Messages never hold
// credentials: URLs are reduced to host and path.
type Event struct {
	Kind    EventKind
	Image   string // the image reference, where there is one
	Digest  v1.Hash
	Size    int64
	N       int64
	Count   int
	Elapsed time.Duration
	Wait    time.Duration
	Err     error
	Msg     string
}

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

// defaultResolver serves the package-level Parse.
var defaultResolver = sync.OnceValue(func() *Resolver {
	r, _ := NewResolver(Options{})
	return r
})

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

// parseReference parses a registry reference (Docker Hub shorthand
// allowed), marking loopback registries insecure when -insecure is set.
func (r *Resolver) parseReference(s string) (name.Reference, error) {
	ref, err := name.ParseReference(s)
	if err != nil {
		return nil, err
	}
	if r.opts.Insecure && isLoopback(hostOnly(ref.Context().RegistryStr())) {
		ref, err = name.ParseReference(s, name.Insecure)
	}
	return ref, err
}

// hostOnly strips the port from host:port.
func hostOnly(hostport string) string {
	if i := strings.LastIndexByte(hostport, ':'); i >= 0 && !strings.HasSuffix(hostport, "]") {
		return strings.Trim(hostport[:i], "[]")
	}
	return strings.Trim(hostport, "[]")
}

// remoteSource is a registry image.
type remoteSource struct {
	r   *Resolver
	arg string
	ref name.Reference
	tag string // the tag written with a digest (repo:tag@sha256:…), if any
}

// newRemoteSource parses ref (without docker://).
func (r *Resolver) newRemoteSource(arg, s string) (Source, error) {
	ref, err := r.parseReference(s)
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", arg, err)
	}
	src := &remoteSource{r: r, arg: arg, ref: ref}
	if base, _, ok := strings.Cut(s, "@"); ok {
		if t, err := name.NewTag(base); err == nil && strings.Contains(path.Base(base), ":") {
			src.tag = t.TagStr()
		}
	}
	return src, nil
}

func (s *remoteSource) Name() string { return s.arg }

func (s *remoteSource) resolve(ctx context.Context) ([]*Image, error) {
	img, err := s.r.resolveRemote(ctx, s)
	if err != nil {
		return nil, err
	}
	return []*Image{img}, nil
}

func (s *remoteSource) Layers(ctx context.Context) ([]Entry, error) {
	return s.r.layersOf(ctx, s)
}

// Images resolves the image and fetches its layers into the cache.
func (s *remoteSource) Images(ctx context.Context) ([]*Image, error) {
	return s.r.imagesOf(ctx, s)
}

// repoName is registry/repository as people write it (docker.io/library/x).
func repoName(repo name.Repository) string {
	reg := repo.RegistryStr()
	if reg == name.DefaultRegistry {
		reg = "docker.io"
	}
	return reg + "/" + repo.RepositoryStr()
}

// shortName is the image's name for layer keys: the last path element of
// the repository, then the tag or the start of the digest.
func shortName(repo name.Repository, tag string, digest v1.Hash) string {
	base := path.Base(repo.RepositoryStr())
	switch {
	case tag != "":
		return base + "-" + tag
	case digest.Hex != "":
		return base + "-" + digest.Hex[:12]
	}
	return base
}

// resolveRemote finds the image of s: from the cache alone when s names a
// digest that is there, else from the registry (then caching the
// manifests and the config). A tag the registry cannot be reached for is
// taken from the cache when it was fetched before, with a note.
func (r *Resolver) resolveRemote(ctx context.Context, s *remoteSource) (*Image, error) {
	c, err := r.Cache()
	if err != nil {
		return nil, err
	}
	repo := s.ref.Context()
	img := &Image{Source: s.arg, Repo: repoName(repo), repoRef: &repo}
	tag := s.tag
	if t, ok := s.ref.(name.Tag); ok {
		tag = t.TagStr()
	}

	if d, ok := s.ref.(name.Digest); ok {
		h, err := v1.NewHash(d.DigestStr())
		if err != nil {
			return nil, fmt.Errorf("source %q: %w", s.arg, err)
		}
		if b, err := c.ReadBlob(h); err == nil {
			if err := r.fillImage(ctx, img, b, h, cacheOnly(c), inCache(c)); err == nil {
				img.Name, img.Ref = shortName(repo, tag, img.Digest), pinnedRef(img.Repo, tag, img.Digest)
				return img, nil
			}
		}
	}

	p, err := r.getPuller()
	if err != nil {
		return nil, err
	}
	desc, err := p.Get(ctx, s.ref)
	if err != nil {
		err = classify(err)
		if t, ok := s.ref.(name.Tag); ok && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrUnauthorized) && ctx.Err() == nil {
			if d, found, _ := c.Lookup(img.Repo + ":" + t.TagStr()); found {
				if b, cerr := c.ReadBlob(d.Digest); cerr == nil {
					if cerr := r.fillImage(ctx, img, b, d.Digest, cacheOnly(c), inCache(c)); cerr == nil {
						r.note("%s: registry not reachable (%v); using the cached %s", s.arg, err, d.Digest)
						img.Name, img.Ref = shortName(repo, tag, img.Digest), pinnedRef(img.Repo, tag, img.Digest)
						return img, nil
					}
				}
			}
		}
		return nil, fmt.Errorf("fetching %q: %w", s.arg, err)
	}
	if err := c.PutBytes(desc.Digest, desc.Manifest); err != nil {
		return nil, fmt.Errorf("fetching %q: %w", s.arg, err)
	}
	get := func(ctx context.Context, h v1.Hash, manifest bool) ([]byte, error) {
		if b, err := c.ReadBlob(h); err == nil {
			return b, nil
		}
		b, err := r.fetchSmall(ctx, p, repo, h, manifest)
		if err != nil {
			return nil, err
		}
		return b, c.PutBytes(h, b)
	}
	if err := r.fillImage(ctx, img, desc.Manifest, desc.Digest, get, inCache(c)); err != nil {
		return nil, fmt.Errorf("fetching %q: %w", s.arg, err)
	}
	img.Name, img.Ref = shortName(repo, tag, img.Digest), pinnedRef(img.Repo, tag, img.Digest)
	ref := img.Repo + "@" + img.Digest.String()
	if tag != "" && s.tag == "" {
		ref = img.Repo + ":" + tag
	}
	if err := c.Tag(ref, v1.Descriptor{MediaType: img.mediaType, Digest: img.Digest, Size: img.size, Platform: img.platform}); err != nil {
		return nil, err
	}
	return img, nil
}

// pinnedRef is repo[:tag]@digest.
func pinnedRef(repo, tag string, digest v1.Hash) string {
	if tag != "" {
		return repo + ":" + tag + "@" + digest.String()
	}
	return repo + "@" + digest.String()
}

// blobGetter returns a manifest or config blob by digest; manifest says
// which (registries serve them at different endpoints).
type blobGetter func(ctx context.Context, h v1.Hash, manifest bool) ([]byte, error)

// localBlob returns the path of a blob that is on disk with size bytes.
type localBlob func(h v1.Hash, size int64) (string, bool)

// inCache finds blobs in the cache.
func inCache(c *Cache) localBlob {
	return func(h v1.Hash, size int64) (string, bool) { return c.BlobPath(h), c.Has(h, size) }
}

// cacheOnly gets blobs from the cache only.
func cacheOnly(c *Cache) blobGetter {
	return func(_ context.Context, h v1.Hash, _ bool) ([]byte, error) { return c.ReadBlob(h) }
}

// fetchSmall downloads a manifest or config blob, retrying as blobs are.
func (r *Resolver) fetchSmall(ctx context.Context, p *remote.Puller, repo name.Repository, h v1.Hash, manifest bool) ([]byte, error) {
	var b []byte
	err := r.retryBlob(ctx, h, func(ctx context.Context) error {
		ctx, cancel := context.WithTimeoutCause(ctx, r.opts.Retry.Small,
			fmt.Errorf("%w: blob %s: no whole answer in %v", ErrRegistryLimit, h, r.opts.Retry.Small))
		defer cancel()
		if manifest {
			desc, err := p.Get(ctx, repo.Digest(h.String()))
			if err != nil {
				return err
			}
			b = desc.Manifest
			return nil // ggcr checks a manifest fetched by digest
		}
		l, err := p.Layer(ctx, repo.Digest(h.String()))
		if err != nil {
			return err
		}
		rc, err := l.Compressed()
		if err != nil {
			return err
		}
		defer rc.Close()
		b, err = io.ReadAll(io.LimitReader(rc, MaxConfigBytes+1))
		if err != nil {
			if cause := context.Cause(ctx); errors.Is(cause, ErrRegistryLimit) {
				return cause
			}
			return err
		}
		if len(b) > MaxConfigBytes {
			return fmt.Errorf("%w: blob %s: more than %d bytes", ErrRegistryLimit, h, MaxConfigBytes)
		}
		if got := sha256Hash(b); got != h {
			return fmt.Errorf("blob %s: %w: the bytes received hash to %s", h, ErrDigestMismatch, got)
		}
		return nil
	})
	return b, err
}

// fillImage fills img from the manifest or index b (digest h): picks the
// platform's manifest from an index, reads the config for the diffIDs and
// the platform, and lists the layers with their media types; layer blobs
// already in the cache are marked Cached.
func (r *Resolver) fillImage(ctx context.Context, img *Image, b []byte, h v1.Hash, get blobGetter, local localBlob) error {
	mt, err := sniffManifest(b)
	if err != nil {
		return err
	}
	if mt.IsIndex() {
		if err := checkIndexDepth(img.indexDepth, h); err != nil {
			return err
		}
		img.indexDepth++
		im, err := v1.ParseIndexManifest(strings.NewReader(string(b)))
		if err != nil {
			return fmt.Errorf("parsing index %s: %w", h, err)
		}
		child, err := r.pickPlatform(im)
		if err != nil {
			return fmt.Errorf("index %s: %w", h, err)
		}
		cb, err := get(ctx, child.Digest, true)
		if err != nil {
			return fmt.Errorf("manifest %s for %s: %w", child.Digest, r.opts.Platform, classify(err))
		}
		return r.fillImage(ctx, img, cb, child.Digest, get, local)
	}
	if mt.IsSchema1() {
		return fmt.Errorf("manifest %s is Docker schema 1 (%s), which zbench does not read", h, mt)
	}
	m, err := v1.ParseManifest(strings.NewReader(string(b)))
	if err != nil {
		return fmt.Errorf("parsing manifest %s: %w", h, err)
	}
	if err := checkManifest(m, h); err != nil {
		return err
	}
	img.Digest, img.mediaType, img.size = h, mt, int64(len(b))
	cb, err := get(ctx, m.Config.Digest, false)
	if err != nil {
		return fmt.Errorf("config %s: %w", m.Config.Digest, classify(err))
	}
	var diffIDs []v1.Hash
	if m.Config.MediaType.IsConfig() {
		cf, err := v1.ParseConfigFile(strings.NewReader(string(cb)))
		if err != nil {
			return fmt.Errorf("parsing config %s: %w", m.Config.Digest, err)
		}
		diffIDs = cf.RootFS.DiffIDs
		pl := cf.Platform()
		if pl != nil {
			img.platform = pl
			img.Platform = pl.String()
			if !pl.Satisfies(r.platform) {
				img.warning = fmt.Sprintf("%s: image is %s, not %s (a digest pinned to one platform wins over -platform)", img.Source, pl, r.opts.Platform)
			}
		}
	}
	img.Layers = nil
	for i, d := range m.Layers {
		l := ImageLayer{Index: i, Digest: d.Digest, MediaType: d.MediaType, Size: d.Size}
		if len(diffIDs) == len(m.Layers) {
			l.DiffID = diffIDs[i]
		}
		l.Skip = layerKind(d.MediaType, d.URLs)
		if l.Skip == "" {
			if p, ok := local(d.Digest, d.Size); ok {
				l.Cached = true
				l.open = fileOpener(p)
			}
		}
		img.Layers = append(img.Layers, l)
	}
	return nil
}

func fileOpener(path string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return os.Open(path) }
}

// sniffManifest returns the media type of a manifest or index, from its
// mediaType field or, when that is absent (allowed in OCI), its shape.
func sniffManifest(b []byte) (types.MediaType, error) {
	var probe struct {
		SchemaVersion int             `json:"schemaVersion"`
		MediaType     types.MediaType `json:"mediaType"`
		Manifests     []any           `json:"manifests"`
		Layers        []any           `json:"layers"`
		FSLayers      []any           `json:"fsLayers"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return "", fmt.Errorf("parsing manifest: %w", err)
	}
	switch {
	case probe.MediaType != "":
		return probe.MediaType, nil
	case probe.Manifests != nil:
		return types.OCIImageIndex, nil
	case probe.FSLayers != nil:
		return types.DockerManifestSchema1, nil
	}
	return types.OCIManifestSchema1, nil
}

// pickPlatform returns the index entry for the resolver's platform.
func (r *Resolver) pickPlatform(im *v1.IndexManifest) (v1.Descriptor, error) {
	var have []string
	for _, d := range im.Manifests {
		if d.Platform == nil {
			continue
		}
		if d.Platform.OS == "unknown" { // attestations
			continue
		}
		if d.Platform.Satisfies(r.platform) {
			return d, nil
		}
		have = append(have, registryText(d.Platform.String()))
	}
	return v1.Descriptor{}, fmt.Errorf("%w %s (it has: %s)", ErrNoPlatform, r.opts.Platform, strings.Join(have, ", "))
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
	images, err := r.imagesOf(ctx, s)
	if err != nil {
		return nil, err
	}
	es := r.entriesOf(images, map[v1.Hash]string{}, map[string]bool{})
	if len(es) == 0 {
		return nil, fmt.Errorf("source %q: no layers to measure", s.Name())
	}
	return es, nil
}

// imagesOf resolves s and fetches the layer blobs of its images.
func (r *Resolver) imagesOf(ctx context.Context, s imageSource) ([]*Image, error) {
	images, err := s.resolve(ctx)
	if err != nil {
		return nil, err
	}
	if err := r.Fetch(ctx, images); err != nil {
		return nil, err
	}
	return images, nil
}

// A blobJob is one blob to download, for one or more image layers.
type blobJob struct {
	repo   name.Repository
	image  string
	digest v1.Hash
	size   int64
	layers []*ImageLayer
}

// Fetch downloads the layer blobs of images that are not in the cache yet,
// Options.Jobs at a time, each blob once however many images share it, and
// marks each layer with where its blob is, or the error that kept it. Only
// an interrupt (ctx) makes it return an error: a blob that fails is
// reported on its layer, so that the other layers go on.
func (r *Resolver) Fetch(ctx context.Context, images []*Image) error {
	var jobs []*blobJob
	byDigest := map[v1.Hash]*blobJob{}
	for _, img := range images {
		if img.warning != "" {
			r.note("%s", img.warning)
		}
		for i := range img.Layers {
			l := &img.Layers[i]
			if l.Skip != "" {
				r.note("%s layer %d (%s): %s", img.Ref, l.Index, l.Digest, l.Skip)
				continue
			}
			if l.open != nil && l.Cached && r.opts.VerifyCached && img.repoRef != nil {
				if c, err := r.Cache(); err == nil {
					if err := c.Verify(l.Digest); err != nil {
						r.note("%v; fetching it again", err)
						l.open, l.Cached = nil, false
					}
				}
			}
			if l.open != nil || img.repoRef == nil {
				continue
			}
			if j, ok := byDigest[l.Digest]; ok {
				j.layers = append(j.layers, l)
				continue
			}
			j := &blobJob{repo: *img.repoRef, image: img.Ref, digest: l.Digest, size: l.Size, layers: []*ImageLayer{l}}
			byDigest[l.Digest] = j
			jobs = append(jobs, j)
		}
	}
	if len(jobs) == 0 {
		return ctx.Err()
	}
	var total int64
	for _, j := range jobs {
		total += j.size
	}
	r.emit(Event{Kind: EventQueued, Count: len(jobs), N: total})

	c, err := r.Cache()
	if err != nil {
		return err
	}
	p, err := r.getPuller()
	if err != nil {
		return err
	}
	work := make(chan *blobJob)
	var wg sync.WaitGroup
	for range min(r.opts.Jobs, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				err := r.fetchBlob(ctx, c, p, j)
				for _, l := range j.layers {
					if err != nil {
						l.Err = err
					} else {
						l.open = fileOpener(c.BlobPath(j.digest))
					}
				}
			}
		}()
	}
	for _, j := range jobs {
		if ctx.Err() != nil {
			break
		}
		work <- j
	}
	close(work)
	wg.Wait()
	return ctx.Err()
}

// fetchBlob downloads one layer blob into the cache, with retries.
func (r *Resolver) fetchBlob(ctx context.Context, c *Cache, p *remote.Puller, j *blobJob) error {
	start := time.Now()
	r.emit(Event{Kind: EventStart, Image: j.image, Digest: j.digest, Size: j.size})
	err := r.retryBlob(ctx, j.digest, func(ctx context.Context) error {
		if c.Has(j.digest, j.size) { // another process, or an earlier attempt
			return nil
		}
		var got int64
		err := r.downloadOnce(ctx, c, p, j, &got)
		if err != nil && got > 0 {
			r.emit(Event{Kind: EventBytes, Image: j.image, Digest: j.digest, N: -got})
		}
		return err
	})
	if err != nil {
		err = fmt.Errorf("fetching blob %s of %s: %w", j.digest, j.image, err)
	}
	r.emit(Event{Kind: EventDone, Image: j.image, Digest: j.digest, Size: j.size, Elapsed: time.Since(start), Err: err})
	return err
}

// downloadOnce makes one attempt at a blob: streams it into an ingest file,
// aborting if no byte arrives for Retry.Stall, and commits it if its size
// and digest are right.
func (r *Resolver) downloadOnce(ctx context.Context, c *Cache, p *remote.Puller, j *blobJob, got *int64) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	l, err := p.Layer(ctx, j.repo.Digest(j.digest.String()))
	if err != nil {
		return err
	}
	rc, err := l.Compressed() // waits for the headers: ResponseTimeout
	if err != nil {
		return err
	}
	defer rc.Close()
	stall := time.AfterFunc(r.opts.Retry.Stall, func() { cancel(errStalled) })
	defer stall.Stop()
	w, err := c.newIngest(j.digest)
	if err != nil {
		return err
	}
	defer w.abort()
	buf := make([]byte, 256<<10)
	for {
		n, rerr := rc.Read(buf)
		if n > 0 {
			stall.Reset(r.opts.Retry.Stall)
			if _, err := w.Write(buf[:n]); err != nil {
				return err
			}
			*got += int64(n)
			r.emit(Event{Kind: EventBytes, Image: j.image, Digest: j.digest, N: int64(n)})
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			if cause := context.Cause(ctx); errors.Is(cause, errStalled) {
				return fmt.Errorf("%w: no data for %v", errStalled, r.opts.Retry.Stall)
			}
			if errors.Is(rerr, ErrDigestMismatch) || strings.Contains(rerr.Error(), "error verifying") {
				// ggcr's verify reader checks the digest at EOF
				return fmt.Errorf("%w: %w", ErrDigestMismatch, rerr)
			}
			return rerr
		}
	}
	return w.commit(j.size)
}

// retryBlob runs attempt until it succeeds, fails for good, or
// Retry.Attempts are spent. Requests the retryTransport already retried (a
// status error) are not retried again; a body cut short, a stall and bytes
// that do not match the digest are.
func (r *Resolver) retryBlob(ctx context.Context, h v1.Hash, attempt func(context.Context) error) error {
	pol := r.opts.Retry
	for n := 0; ; n++ {
		err := attempt(ctx)
		if err == nil || ctx.Err() != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return nil
		}
		err = classify(err)
		if n+1 >= pol.Attempts || !retryBlobErr(err) {
			return err
		}
		wait := pol.backoff(n)
		r.emit(Event{Kind: EventRetry, Digest: h, Wait: wait, Err: err})
		if err := sleepCtx(ctx, wait); err != nil {
			return err
		}
	}
}

// retryBlobErr reports whether a failed blob attempt is worth another.
func retryBlobErr(err error) bool {
	var te *ggtransport.Error
	if errors.As(err, &te) {
		return false // the retryTransport has retried what may pass
	}
	return errors.Is(err, ErrDigestMismatch) || errors.Is(err, ErrCorrupt) || transientErr(err)
}
