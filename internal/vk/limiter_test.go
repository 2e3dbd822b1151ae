package vk

import (
	"context"
	"testing"
	"time"
)

// fakeClock is a clock that moves only when advance is called.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newTestLimiter() (*TokenLimiter, *fakeClock) {
	clock := &fakeClock{t: time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)}
	l := NewTokenLimiter()
	l.now = clock.now
	return l, clock
}

func TestLimiterAllowsThreeRequestsPerWindow(t *testing.T) {
	l, clock := newTestLimiter()

	for i := range RequestsPerSecond {
		if delay := l.reserve("a"); delay != 0 {
			t.Fatalf("request %d: delay %v, want none", i+1, delay)
		}
		clock.advance(100 * time.Millisecond)
	}
	// The first request went out 300 ms ago.
	if delay := l.reserve("a"); delay != limiterWindow-300*time.Millisecond {
		t.Errorf("fourth request: delay %v, want %v", delay, limiterWindow-300*time.Millisecond)
	}
	if delay := l.reserve("b"); delay != 0 {
		t.Errorf("another token: delay %v, want none", delay)
	}
	clock.advance(limiterWindow - 300*time.Millisecond)
	if delay := l.reserve("a"); delay != 0 {
		t.Errorf("fourth request after the wait: delay %v, want none", delay)
	}
}

func TestLimiterNeverSendsMoreThanThreeInAWindow(t *testing.T) {
	l, clock := newTestLimiter()

	// A caller that asks every 70 ms, with pauses, as a sync does while it
	// prepares pictures.
	var sent []time.Time
	for i := range 400 {
		if i%50 == 0 {
			clock.advance(2 * time.Second)
		}
		if l.reserve("a") == 0 {
			sent = append(sent, clock.now())
		}
		clock.advance(70 * time.Millisecond)
	}

	for i := RequestsPerSecond; i < len(sent); i++ {
		if gap := sent[i].Sub(sent[i-RequestsPerSecond]); gap < limiterWindow {
			t.Fatalf("requests %d and %d are %v apart, want at least %v", i-RequestsPerSecond, i, gap, limiterWindow)
		}
	}
	if len(sent) < 60 {
		t.Errorf("sent %d requests, want the limit's worth", len(sent))
	}
}

func TestLimiterDropsIdleTokens(t *testing.T) {
	l, clock := newTestLimiter()
	l.reserve("a")
	clock.advance(limiterIdle + time.Millisecond)

	l.reserve("b")

	if _, ok := l.tokens["a"]; ok {
		t.Error("the idle token is still kept")
	}
}

func TestLimiterWaitEndsWithContext(t *testing.T) {
	l := NewTokenLimiter()
	for range RequestsPerSecond {
		if err := l.Wait(context.Background(), "a"); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()

	if err := l.Wait(ctx, "a"); err != context.DeadlineExceeded {
		t.Errorf("Wait = %v, want the context's deadline", err)
	}
}
