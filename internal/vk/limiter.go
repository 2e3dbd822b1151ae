package vk

import (
	"context"
	"sync"
	"time"
)

const (
	// RequestsPerSecond is VK's limit of API requests per second per user
	// token.
	RequestsPerSecond = 3
	// limiterWindow is the span in which a token sends at most
	// RequestsPerSecond requests. It is wider than VK's second, so that
	// requests whose travel time to VK differs by up to the margin still
	// arrive within the limit.
	limiterWindow = time.Second + 100*time.Millisecond
	// limiterIdle is how long a token's send times are kept after its last
	// call. Times older than limiterWindow hold back no call, so dropping
	// them changes no decision.
	limiterIdle = 2 * time.Second
)

// TokenLimiter lets each token send at most RequestsPerSecond requests in
// any limiterWindow. Unlike a steady pace, this lets a caller that paused,
// for example to prepare the next request, send the requests it saved up.
// Idle tokens are dropped, so memory follows the tokens called in the last
// seconds, not all tokens ever seen.
type TokenLimiter struct {
	window time.Duration
	now    func() time.Time

	mu     sync.Mutex
	tokens map[string]*tokenSends
	lastGC time.Time
}

// tokenSends is a ring of the times of a token's last requests.
type tokenSends struct {
	at       [RequestsPerSecond]time.Time
	next     int
	lastUsed time.Time
}

// NewTokenLimiter returns a limiter with VK's limit.
func NewTokenLimiter() *TokenLimiter {
	return &TokenLimiter{window: limiterWindow, now: time.Now, tokens: map[string]*tokenSends{}}
}

// Wait blocks until the token may send another request, and counts the
// request as sent.
func (l *TokenLimiter) Wait(ctx context.Context, token string) error {
	for {
		delay := l.reserve(token)
		if delay <= 0 {
			return nil
		}
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
	}
}

// reserve counts a request of the token as sent now and returns 0 when the
// limit allows it, or returns how long to wait before asking again.
func (l *TokenLimiter) reserve(token string) time.Duration {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastGC) > limiterIdle {
		for k, v := range l.tokens {
			if now.Sub(v.lastUsed) > limiterIdle {
				delete(l.tokens, k)
			}
		}
		l.lastGC = now
	}
	sends, ok := l.tokens[token]
	if !ok {
		sends = &tokenSends{}
		l.tokens[token] = sends
	}
	sends.lastUsed = now
	oldest := sends.at[sends.next]
	if delay := oldest.Add(l.window).Sub(now); !oldest.IsZero() && delay > 0 {
		return delay
	}
	sends.at[sends.next] = now
	sends.next = (sends.next + 1) % len(sends.at)
	return 0
}
