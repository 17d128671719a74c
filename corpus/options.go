package corpus

import (
	"net/http"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
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
