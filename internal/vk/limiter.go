package vk

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RequestsPerSecond is VK's limit per user token, minus a margin so clock
// skew between EvoSync and VK does not trip error 6.
const RequestsPerSecond = 2.5

// limiterIdle is how long a token's limiter is kept after its last call.
// A limiter idle this long has a full bucket, the same as a new one, so
// dropping it changes no decision.
const limiterIdle = 2 * time.Second

// TokenLimiter spaces calls per token. Idle limiters are dropped, so memory
// follows the tokens called in the last seconds, not all tokens ever seen.
type TokenLimiter struct {
	perSecond float64

	mu       sync.Mutex
	limiters map[string]*tokenRate
	lastGC   time.Time
}

type tokenRate struct {
	limiter  *rate.Limiter
	lastUsed time.Time
}

// NewTokenLimiter allows perSecond calls per token, in bursts of one.
func NewTokenLimiter(perSecond float64) *TokenLimiter {
	return &TokenLimiter{perSecond: perSecond, limiters: map[string]*tokenRate{}}
}

// Wait blocks until the token may make another call.
func (l *TokenLimiter) Wait(ctx context.Context, token string) error {
	return l.get(token).Wait(ctx)
}

func (l *TokenLimiter) get(token string) *rate.Limiter {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastGC) > limiterIdle {
		for k, v := range l.limiters {
			if now.Sub(v.lastUsed) > limiterIdle {
				delete(l.limiters, k)
			}
		}
		l.lastGC = now
	}
	tr, ok := l.limiters[token]
	if !ok {
		tr = &tokenRate{limiter: rate.NewLimiter(rate.Limit(l.perSecond), 1)}
		l.limiters[token] = tr
	}
	tr.lastUsed = now
	return tr.limiter
}
