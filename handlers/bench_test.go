package handlers_test

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evosync/evosync/internal/testenv"
)

// loadClients is the number of concurrent keep-alive connections.
const loadClients = 64

// BenchmarkBadgeVsHealthz loads /healthz and the badge fragment in turn,
// ten rounds of one second each, with 64 signed-in clients on loopback,
// and reports both throughputs and their ratio. Alternating short rounds
// spreads the noise of a shared machine over both endpoints. Run it with:
//
//	go test ./handlers/ -run '^$' -bench BadgeVsHealthz -benchtime 1x
func BenchmarkBadgeVsHealthz(b *testing.B) {
	e := testenv.New(b, testenv.Options{})
	browsers := make([]*testenv.Browser, loadClients)
	for i := range browsers {
		browsers[i] = e.Browser()
		browsers[i].Register(fmt.Sprintf("load%d@example.test", i), "correct horse")
		browsers[i].Connect("vk", "allow", map[string]string{"user_id": fmt.Sprint(9000 + i)})
	}
	const (
		rounds = 10
		window = time.Second
	)
	b.ResetTimer()
	for range b.N {
		var healthz, badge float64
		for range rounds {
			healthz += load(b, browsers, "/healthz", window) / rounds
			badge += load(b, browsers, "/connections/vk/badge", window) / rounds
		}
		b.ReportMetric(healthz, "healthz_req/s")
		b.ReportMetric(badge, "badge_req/s")
		b.ReportMetric(badge/healthz, "badge/healthz")
	}
}

// load sends GET path from every browser in a loop for window and
// returns requests per second; any non-200 answer fails the benchmark.
func load(b *testing.B, browsers []*testenv.Browser, path string, window time.Duration) float64 {
	var done atomic.Int64
	var failed atomic.Value
	deadline := time.Now().Add(window)
	var wg sync.WaitGroup
	for _, br := range browsers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client, url := br.Client(), br.URL(path)
			for time.Now().Before(deadline) {
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				req.Header.Set("HX-Request", "true")
				resp, err := client.Do(req)
				if err != nil {
					failed.Store(err.Error())
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Store(fmt.Sprintf("%s answered %d", path, resp.StatusCode))
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	if msg := failed.Load(); msg != nil {
		b.Fatal(msg)
	}
	return float64(done.Load()) / window.Seconds()
}
