package corpus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

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
