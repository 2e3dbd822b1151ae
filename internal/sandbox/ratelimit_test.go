package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

func TestSlidingWindowPrunesIdleKeys(t *testing.T) {
	limiter := newSlidingWindowLimiter(time.Second)
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 1000 {
		limiter.allow(fmt.Sprint("token-", i), start)
	}
	if n := len(limiter.calls); n != 1000 {
		t.Fatalf("tracked keys = %d, want 1000", n)
	}
	limiter.allow("fresh", start.Add(pruneEvery*time.Second))
	if n := len(limiter.calls); n != 1 {
		t.Errorf("tracked keys after the prune interval = %d, want only the fresh key", n)
	}
}

func TestFixedWindowRecord(t *testing.T) {
	limiter := newFixedWindowLimiter(3, time.Minute)
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, want := range []int{2, 1, 0, 0} {
		remaining, reset := limiter.record("a", start.Add(time.Duration(i)*time.Second))
		if remaining != want {
			t.Errorf("call %d: remaining = %d, want %d", i+1, remaining, want)
		}
		if wantReset := time.Minute - time.Duration(i)*time.Second; reset != wantReset {
			t.Errorf("call %d: reset = %v, want %v", i+1, reset, wantReset)
		}
	}
	if remaining, _ := limiter.record("a", start.Add(time.Minute)); remaining != 2 {
		t.Errorf("first call of the next window: remaining = %d, want 2", remaining)
	}
	limiter.record("b", start.Add(11*time.Minute))
	if n := len(limiter.windows); n != 1 {
		t.Errorf("tracked keys after the prune interval = %d, want 1", n)
	}
}

// TestConcurrentCalls runs API calls, mints and revocations in parallel so
// that the race detector can check the locking.
func TestConcurrentCalls(t *testing.T) {
	h := newHarness(t, Config{Now: time.Now})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			vkToken := h.sb.MintVKToken(VKUser{ID: int64(i + 1), FirstName: "Иван"})
			evotorToken, _ := h.sb.MintEvotorToken(fmt.Sprintf("01-%015d", i+1))
			for range 5 {
				h.callVK("users.get", vkToken, nil)
				if r := h.stores(evotorToken); r.status != http.StatusOK {
					t.Errorf("stores status = %d", r.status)
				}
			}
			h.sb.InjectVKError(vkToken, 10, "Internal server error", nil, 1)
			h.sb.RevokeVKUser(int64(i + 1))
			h.sb.RevokeEvotorUser(fmt.Sprintf("01-%015d", i+1))
			h.get("/")
		})
	}
	wg.Wait()
	if n := h.sb.CallCount(ProviderEvotor, "stores"); n != 100 {
		t.Errorf("CallCount stores = %d, want 100", n)
	}
}

// BenchmarkSweepMintedTokens mints 100,000 VK tokens and calls users.get
// once with each through a loopback server with 50 ms latency, from 1,000
// goroutines.
func BenchmarkSweepMintedTokens(b *testing.B) {
	const tokens = 100_000
	for b.Loop() {
		sb := New(Config{})
		values := make([]string, tokens)
		for i := range values {
			values[i] = sb.MintVKToken(VKUser{ID: int64(i + 1), FirstName: "Иван", LastName: "Тестов"})
		}
		sb.SetLatency(50 * time.Millisecond)
		sweepVK(b, sb, values, 1000)
	}
}

func sweepVK(b *testing.B, sb *Sandbox, tokens []string, workers int) {
	b.Helper()
	srv := newLoopbackServer(b, sb)
	defer srv.close()
	work := make(chan string)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for token := range work {
				srv.mustGet(b, "/vk/method/users.get?v=5.199&access_token="+token)
			}
		})
	}
	for _, token := range tokens {
		work <- token
	}
	close(work)
	wg.Wait()
}

// loopbackServer is an httptest server with a client whose connection pool
// fits the number of concurrent workers.
type loopbackServer struct {
	url    string
	client *http.Client
	close  func()
}

func newLoopbackServer(b *testing.B, sb *Sandbox) loopbackServer {
	srv := httptest.NewServer(sb.Handler())
	transport := &http.Transport{MaxIdleConnsPerHost: 1000}
	return loopbackServer{
		url:    srv.URL,
		client: &http.Client{Transport: transport},
		close: func() {
			transport.CloseIdleConnections()
			srv.Close()
		},
	}
}

func (s loopbackServer) mustGet(b *testing.B, path string) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, s.url+path, nil)
	if err != nil {
		b.Error(err)
		return
	}
	resp, err := s.client.Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.Error(err)
		return
	}
	if resp.StatusCode != http.StatusOK || bytes.Contains(body, []byte(`"error"`)) {
		b.Errorf("status = %d, body: %s", resp.StatusCode, body)
	}
}
