package corpus

import (
	"context"
	"errors"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	ggtransport "github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

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
