package workers_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/evosync/evosync/internal/testenv"
)

// TestRevokedTokenGoesOfflineWithinInterval runs the worker process code
// (task server and scheduler) and watches the dashboard badge the way a
// browser polls it.
func TestRevokedTokenGoesOfflineWithinInterval(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	b := e.Browser()
	b.Register("owner@example.test", "correct horse")
	b.Connect("vk", "allow", map[string]string{"user_id": "424242"})
	e.App.SchedulerTick = 50 * time.Millisecond

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.App.RunWorker(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker returned %v, want nil", err)
		}
	})

	e.Sandbox.RevokeVKUser(424242)
	e.Clock.Advance(10 * time.Minute)

	deadline := time.Now().Add(15 * time.Second)
	for {
		doc := b.HTMX(http.MethodGet, "/connections/vk/badge").Doc(t)
		status, _ := doc.Find("[data-provider=vk]").Attr("data-status")
		if status == "offline" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("badge still %q 15 s after the next slot began", status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
