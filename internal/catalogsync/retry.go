package catalogsync

import (
	"context"
	"time"
)

const (
	// maxAttempts bounds the attempts of one call that keeps failing with
	// a retryable error: five attempts wait 1+2+4+8 s with the default
	// RetryDelay.
	maxAttempts = 5
	// maxRetryDelay caps one wait between attempts.
	maxRetryDelay = 30 * time.Second
	// detachedTimeout bounds a VK write and the database update that
	// records it, which run on after the run's context is cancelled so
	// that a stop between the two leaves no unrecorded VK item.
	detachedTimeout = 2 * time.Minute
)

// retry calls fn until it succeeds, returns an error that is not
// retryable, or has been called maxAttempts times. It waits RetryDelay
// before the second attempt and twice as long before each next one, and
// returns ctx's error when ctx ends while it waits.
func (r *runner) retry(ctx context.Context, what string, fn func() error) error {
	delay := r.s.retryDelay()
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || !retryable(err) || attempt >= maxAttempts {
			return err
		}
		r.log.Warn("provider call failed, retrying", "call", what, "attempt", attempt, "delay", delay, "error", err)
		if err := sleep(ctx, delay); err != nil {
			return err
		}
		delay = min(2*delay, maxRetryDelay)
	}
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// detach returns a context that outlives ctx's cancellation by at most
// detachedTimeout, for a VK write and the database update that records it.
func detach(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), detachedTimeout)
}
