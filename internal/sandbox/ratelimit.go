package sandbox

import (
	"sync"
	"time"
)

// vkCallsPerSecond is VK's limit of API calls per second per user token.
const vkCallsPerSecond = 3

// Evotor's per-token request budget that the X-RateLimit-* headers report.
// NOTE: Evotor does not publish its limits, so these values are a guess and
// the sandbox only reports the budget. It responds with 429 under
// OutageRateLimit and never because the budget ran out.
const (
	evotorCallsPerWindow = 1000
	evotorRateWindow     = time.Minute
)

// pruneEvery is how many window lengths pass between sweeps that delete the
// state of keys without calls inside the current window.
const pruneEvery = 10

// slidingWindowLimiter accepts at most vkCallsPerSecond calls per key within
// any window of the configured length. Rejected calls are not recorded.
type slidingWindowLimiter struct {
	mu        sync.Mutex
	window    time.Duration
	calls     map[string]recentCalls
	lastPrune time.Time
}

// recentCalls is a ring buffer with the times, in Unix nanoseconds, of the
// last accepted calls of one key.
type recentCalls struct {
	at    [vkCallsPerSecond]int64
	next  uint8
	count uint8
}

func newSlidingWindowLimiter(window time.Duration) *slidingWindowLimiter {
	return &slidingWindowLimiter{window: window, calls: make(map[string]recentCalls)}
}

// allow records a call of key at now and reports whether it is within the
// limit.
func (l *slidingWindowLimiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pruneLocked(now)

	calls := l.calls[key]
	nowNano := now.UnixNano()
	oldest := calls.at[calls.next]
	if int(calls.count) == len(calls.at) && nowNano-oldest < int64(l.window) {
		return false
	}
	calls.at[calls.next] = nowNano
	calls.next = uint8((int(calls.next) + 1) % len(calls.at))
	calls.count = uint8(min(int(calls.count)+1, len(calls.at)))
	l.calls[key] = calls
	return true
}

// pruneLocked deletes keys whose newest call is older than the window, at
// most once every pruneEvery windows, so idle tokens do not accumulate.
func (l *slidingWindowLimiter) pruneLocked(now time.Time) {
	if now.Sub(l.lastPrune) < pruneEvery*l.window {
		return
	}
	l.lastPrune = now
	cutoff := now.UnixNano() - int64(l.window)
	for key, calls := range l.calls {
		newest := calls.at[(int(calls.next)+len(calls.at)-1)%len(calls.at)]
		if newest <= cutoff {
			delete(l.calls, key)
		}
	}
}

// fixedWindowLimiter counts calls per key in consecutive windows that start
// at a key's first call after the previous window ended.
type fixedWindowLimiter struct {
	mu        sync.Mutex
	limit     int
	window    time.Duration
	windows   map[string]fixedWindow
	lastPrune time.Time
}

type fixedWindow struct {
	start int64 // Unix nanoseconds
	count int
}

func newFixedWindowLimiter(limit int, window time.Duration) *fixedWindowLimiter {
	return &fixedWindowLimiter{limit: limit, window: window, windows: make(map[string]fixedWindow)}
}

// record counts a call of key at now. It returns the calls left in the
// current window, never below zero, and the time until the window ends.
func (l *fixedWindowLimiter) record(key string, now time.Time) (remaining int, reset time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pruneLocked(now)

	nowNano := now.UnixNano()
	current := l.windows[key]
	if current.count == 0 || nowNano-current.start >= int64(l.window) {
		current = fixedWindow{start: nowNano}
	}
	current.count++
	l.windows[key] = current
	reset = time.Duration(current.start + int64(l.window) - nowNano)
	return max(l.limit-current.count, 0), reset
}

// pruneLocked deletes windows that have ended, at most once every
// pruneEvery windows.
func (l *fixedWindowLimiter) pruneLocked(now time.Time) {
	if now.Sub(l.lastPrune) < pruneEvery*l.window {
		return
	}
	l.lastPrune = now
	cutoff := now.UnixNano() - int64(l.window)
	for key, w := range l.windows {
		if w.start <= cutoff {
			delete(l.windows, key)
		}
	}
}
