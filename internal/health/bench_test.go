package health_test

import (
	"context"
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evosync/evosync/ent"
	"github.com/evosync/evosync/ent/connection"
	"github.com/evosync/evosync/internal/testenv"
)

// BenchmarkSweep checks every connection once against the sandbox with
// 50 ms added to each answer, using the default sweep settings, and
// reports wall time, checks per second and the heap the sweep added.
// Run it with:
//
//	go test ./internal/health/ -run '^$' -bench Sweep -benchtime 1x -timeout 30m
func BenchmarkSweep(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("connections=%d", n), func(b *testing.B) {
			for range b.N {
				benchmarkSweep(b, n)
			}
		})
	}
}

func benchmarkSweep(b *testing.B, n int) {
	b.StopTimer()
	e := testenv.New(b, testenv.Options{})
	sb := startSandboxProcess(b)
	e.App.VK, e.App.Evotor = sb.clients(e)
	e.App.Health.VK, e.App.Health.Evotor = e.App.VK, e.App.Evotor
	seedMany(b, e, sb, n)
	sb.control(b, "latency", url.Values{"latency_ms": {"50"}})
	slot := e.Clock.Now()
	e.Clock.Advance(time.Second)

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	peak := watchHeap()

	b.StartTimer()
	started := time.Now()
	stats, err := e.App.Health.Sweep(context.Background(), slot)
	wall := time.Since(started)
	b.StopTimer()

	if err != nil {
		b.Fatal(err)
	}
	if stats.Checked != int64(n) || stats.Online != int64(n) {
		b.Fatalf("checked %d of %d, %d online", stats.Checked, n, stats.Online)
	}
	grown := float64(peak()-before.HeapAlloc) / (1 << 20)
	b.ReportMetric(wall.Seconds(), "wall_s")
	b.ReportMetric(float64(n)/wall.Seconds(), "checks/s")
	b.ReportMetric(grown, "peak_heap_growth_MB")
}

// watchHeap samples the heap every 10 ms until the returned function is
// called, which returns the highest HeapAlloc seen.
func watchHeap() func() uint64 {
	var maxHeap atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		ticker := time.NewTicker(10 * time.Millisecond)
		defer ticker.Stop()
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > maxHeap.Load() {
				maxHeap.Store(m.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-ticker.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		return maxHeap.Load()
	}
}

// seedMany stores n connections, half VK and half Evotor, in bulk, with
// tokens minted by the sandbox process.
func seedMany(b *testing.B, e *testenv.Env, sb *sandboxProcess, n int) {
	ctx := context.Background()
	const batch = 500
	for start := 0; start < n; start += batch {
		users := make([]*ent.UserCreate, 0, batch)
		for i := start; i < min(start+batch, n); i++ {
			users = append(users, e.App.Ent.User.Create().SetEmail(fmt.Sprintf("bench%d@example.test", i)).SetPasswordHash("x"))
		}
		created, err := e.App.Ent.User.CreateBulk(users...).Save(ctx)
		if err != nil {
			b.Fatal(err)
		}
		conns := make([]*ent.ConnectionCreate, 0, len(created))
		for j, u := range created {
			conns = append(conns, benchConnection(b, e, sb, u.ID, start+j))
		}
		if err := e.App.Ent.Connection.CreateBulk(conns...).Exec(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func benchConnection(b *testing.B, e *testenv.Env, sb *sandboxProcess, userID, i int) *ent.ConnectionCreate {
	create := e.App.Ent.Connection.Create().SetUserID(userID).SetIsOnline(true)
	if i%2 == 0 {
		vkID := strconv.Itoa(100000 + i)
		minted := sb.control(b, "vk/tokens/mint", url.Values{"user_id": {vkID}, "first_name": {"Иван"}, "last_name": {"Тестов"}})
		return create.SetProvider(connection.ProviderVk).
			SetAccessToken(e.App.Sealer.Seal(minted["access_token"].(string))).
			SetAccountID(vkID)
	}
	evotorID := fmt.Sprintf("01-%015d", i)
	minted := sb.control(b, "evotor/tokens/mint", url.Values{"user_id": {evotorID}})
	return create.SetProvider(connection.ProviderEvotor).
		SetAccessToken(e.App.Sealer.Seal(minted["access_token"].(string))).
		SetRefreshToken(e.App.Sealer.Seal(minted["refresh_token"].(string))).
		SetAccountID(evotorID)
}
