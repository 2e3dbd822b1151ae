package catalogsync_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evosync/evosync/ent"
	"github.com/evosync/evosync/ent/connection"
	"github.com/evosync/evosync/ent/syncrun"
	"github.com/evosync/evosync/internal/catalogsync"
	"github.com/evosync/evosync/internal/testenv"
	"github.com/evosync/evosync/internal/vk"
)

// VK allows 3 API requests per second per user token, and one execute
// request makes up to vk.MaxExecuteCalls (25) calls, so writing n items
// takes at least n ÷ 75 seconds.
const vkRequestsPerSecond = 3

// executeOnlyMethods are the VK methods the engine calls only inside an
// execute request. The sandbox counts each such call besides the one count
// of "execute", so these are left out of the API request total.
var executeOnlyMethods = []string{
	"market.add", "market.edit", "market.delete",
	"market.getProductPhotoUploadServer", "market.saveProductPhoto", "market.saveProductPhotoBulk",
	"market.addAlbum", "market.addToAlbum", "market.removeFromAlbum",
}

// itemWriteMethods are the calls that change Market items.
var itemWriteMethods = []string{"market.add", "market.edit", "market.delete"}

// reportedVKMethods are the rows of the per-method table, in its order.
// "upload" is the POST of a photo file to its upload URL, which is not an
// API request.
var reportedVKMethods = []string{
	"execute", "market.add", "market.edit", "market.delete",
	"market.getProductPhotoUploadServer", "upload", "market.saveProductPhotoBulk",
	"market.getAlbums", "market.addAlbum", "market.addToAlbum", "market.removeFromAlbum", "market.get",
}

// BenchmarkSync syncs a store of 1,000 and of 10,000 sandbox products
// into one community three times: the first sync, a repeat with nothing
// changed, and a sync after one product's price changed. It reports each
// sync's wall time, VK requests and peak growth of heap and resident set,
// and the first sync's wall time over the floor that VK's rate limit
// sets. The sandbox runs in a child process, so its memory stays out of
// the memory numbers.
// Run it with:
//
//	go test ./internal/catalogsync/ -run '^$' -bench Sync -benchtime 1x -timeout 60m
func BenchmarkSync(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("products=%d", n), func(b *testing.B) {
			for range b.N {
				benchmarkSync(b, n)
			}
		})
	}
}

// syncMeasure is what one measured sync did.
type syncMeasure struct {
	name   string
	run    *ent.SyncRun
	wall   time.Duration
	heapMB float64        // peak HeapAlloc minus HeapAlloc before the sync
	rssMB  float64        // peak resident set minus the resident set before the sync
	vk     map[string]int // sandbox call counts by method
	evotor map[string]int
}

// apiRequests counts the VK API requests of the sync: every counted
// method except the calls inside execute and the photo file uploads.
func (m syncMeasure) apiRequests() int {
	total := 0
	for method, n := range m.vk {
		if method != "upload" && !slices.Contains(executeOnlyMethods, method) {
			total += n
		}
	}
	return total
}

func (m syncMeasure) itemWrites() int {
	total := 0
	for _, method := range itemWriteMethods {
		total += m.vk[method]
	}
	return total
}

func benchmarkSync(b *testing.B, n int) {
	b.StopTimer()
	bench := newSyncBench(b, n)
	if ms := os.Getenv("SYNC_BENCH_LATENCY_MS"); ms != "" {
		bench.sandbox.control(b, "latency", url.Values{"latency_ms": {ms}})
		b.Logf("every sandbox answer is delayed by %s ms", ms)
	}

	first := bench.measure("first")
	if first.run.Created < n-len(first.run.Failures) {
		b.Errorf("first sync created %d of %d products, failures %+v", first.run.Created, n, first.run.Failures)
	}
	repeat := bench.measure("repeat")
	if repeat.run.Updated != 0 || repeat.run.Created != 0 {
		b.Errorf("repeat sync updated %d and created %d, want 0 and 0", repeat.run.Updated, repeat.run.Created)
	}
	product := bench.sandbox.productIDs(b, bench.storeID)[0]
	bench.sandbox.control(b, "evotor/products/price", url.Values{
		"store_id": {bench.storeID}, "product_id": {product}, "price": {"12345.67"},
	})
	change := bench.measure("change")
	if change.run.Updated != 1 {
		b.Errorf("sync after a price change updated %d products, want 1", change.run.Updated)
	}

	floor := time.Duration(float64(n) / (vkRequestsPerSecond * vk.MaxExecuteCalls) * float64(time.Second))
	b.ReportMetric(first.wall.Seconds(), "first_wall_s")
	b.ReportMetric(floor.Seconds(), "first_floor_s")
	b.ReportMetric(first.wall.Seconds()/floor.Seconds(), "first_wall/floor")
	b.ReportMetric(float64(first.apiRequests()), "first_api_requests")
	b.ReportMetric(first.heapMB, "first_peak_heap_growth_MB")
	b.ReportMetric(first.rssMB, "first_peak_rss_growth_MB")
	b.ReportMetric(repeat.wall.Seconds(), "repeat_wall_s")
	b.ReportMetric(float64(repeat.itemWrites()), "repeat_item_writes")
	b.ReportMetric(float64(repeat.apiRequests()), "repeat_api_requests")
	b.ReportMetric(repeat.heapMB, "repeat_peak_heap_growth_MB")
	b.ReportMetric(change.wall.Seconds(), "change_wall_s")
	b.ReportMetric(float64(change.itemWrites()), "change_item_writes")
	b.ReportMetric(float64(change.apiRequests()), "change_api_requests")
	b.ReportMetric(change.heapMB, "change_peak_heap_growth_MB")
	b.Log(syncTable(n, floor, []syncMeasure{first, repeat, change}))
}

// syncTable formats the measures as a Markdown table, one row per sync.
// It stays within the 10 lines that a benchmark's log keeps without -v.
func syncTable(n int, floor time.Duration, measures []syncMeasure) string {
	var out strings.Builder
	fmt.Fprintf(&out, "products=%d, rate limit floor for writing them all %.1f s\n", n, floor.Seconds())
	header := []string{"sync", "wall_s", "wall/floor", "peak_heap_growth_MB", "peak_rss_growth_MB",
		"created/updated/unchanged/failed", "API requests"}
	header = append(header, reportedVKMethods...)
	header = append(header, "Evotor products", "Evotor images", "Evotor image")
	out.WriteString("| " + strings.Join(header, " | ") + " |\n")
	out.WriteString("|" + strings.Repeat("---|", len(header)) + "\n")
	for _, m := range measures {
		cells := []string{
			m.name,
			fmt.Sprintf("%.1f", m.wall.Seconds()),
			fmt.Sprintf("%.2f", m.wall.Seconds()/floor.Seconds()),
			fmt.Sprintf("%.1f", m.heapMB),
			fmt.Sprintf("%.1f", m.rssMB),
			fmt.Sprintf("%d/%d/%d/%d", m.run.Created, m.run.Updated, m.run.Unchanged, m.run.Failed),
			fmt.Sprint(m.apiRequests()),
		}
		for _, method := range reportedVKMethods {
			cells = append(cells, fmt.Sprint(m.vk[method]))
		}
		for _, method := range []string{"products", "images", "image"} {
			cells = append(cells, fmt.Sprint(m.evotor[method]))
		}
		out.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	return out.String()
}

// syncBench is an owner with both providers connected to a sandbox child
// process and sync settings saved, and the Service that syncs for them.
type syncBench struct {
	b       *testing.B
	e       *testenv.Env
	sandbox *sandboxProcess
	svc     *catalogsync.Service
	userID  int
	storeID string
}

// newSyncBench connects an owner to a sandbox process whose stores have n
// products each. Tokens are minted through the sandbox's control
// endpoints, and the connections are stored as checked and online.
func newSyncBench(b *testing.B, n int) *syncBench {
	ctx := context.Background()
	e := testenv.New(b, testenv.Options{})
	sb := startSandboxProcess(b, n)
	vkClient, evotorClient := sb.clients(e)
	bench := &syncBench{b: b, e: e, sandbox: sb}

	user, err := e.App.Ent.User.Create().SetEmail("owner@example.test").SetPasswordHash("x").Save(ctx)
	if err != nil {
		b.Fatal(err)
	}
	bench.userID = user.ID

	const vkUserID, evotorUserID = "424242", "01-000000000000001"
	vkToken := sb.control(b, "vk/tokens/mint", url.Values{"user_id": {vkUserID}})["access_token"].(string)
	evotor := sb.control(b, "evotor/tokens/mint", url.Values{"user_id": {evotorUserID}})
	err = e.App.Ent.Connection.CreateBulk(
		e.App.Ent.Connection.Create().SetUserID(user.ID).SetIsOnline(true).
			SetProvider(connection.ProviderVk).SetAccountID(vkUserID).
			SetAccessToken(e.App.Sealer.Seal(vkToken)),
		e.App.Ent.Connection.Create().SetUserID(user.ID).SetIsOnline(true).
			SetProvider(connection.ProviderEvotor).SetAccountID(evotorUserID).
			SetAccessToken(e.App.Sealer.Seal(evotor["access_token"].(string))).
			SetRefreshToken(e.App.Sealer.Seal(evotor["refresh_token"].(string))),
	).Exec(ctx)
	if err != nil {
		b.Fatal(err)
	}

	bench.svc = &catalogsync.Service{
		DB: e.App.Ent, Sealer: e.App.Sealer, VK: vkClient, Evotor: evotorClient,
		Log: testenv.Logger(b), Now: e.Clock.Now,
	}
	groupID := bench.marketGroup(ctx)
	stores, err := bench.svc.Stores(ctx, user.ID)
	if err != nil || len(stores) == 0 {
		b.Fatalf("list stores: %v, %d stores", err, len(stores))
	}
	bench.storeID = stores[0].ID
	err = e.App.Ent.SyncSettings.Create().
		SetUserID(user.ID).
		SetEvotorStoreID(bench.storeID).
		SetVkGroupID(groupID).
		SetVkCategoryID(1).
		SetUpdatedAt(e.Clock.Now().Add(-time.Hour)).
		Exec(ctx)
	if err != nil {
		b.Fatal(err)
	}
	return bench
}

// marketGroup returns the id of the owner's community with Market enabled.
func (s *syncBench) marketGroup(ctx context.Context) int64 {
	groups, err := s.svc.AdminGroups(ctx, s.userID)
	if err != nil {
		s.b.Fatalf("list VK communities: %v", err)
	}
	for _, g := range groups {
		if g.MarketEnabled {
			return g.ID
		}
	}
	s.b.Fatalf("no community with Market enabled among %+v", groups)
	return 0
}

// measure runs one manual sync with the benchmark timer on and returns
// what it did. The sandbox's counters are reset before the sync.
func (s *syncBench) measure(name string) syncMeasure {
	b := s.b
	ctx := context.Background()
	// Each run starts later than the one before, as runs of a worker do.
	s.e.Clock.Advance(time.Minute)
	s.sandbox.control(b, "counts/reset", nil)
	run, err := s.svc.CreateRun(ctx, s.userID, syncrun.KindSync, syncrun.TriggerManual)
	if err != nil {
		b.Fatal(err)
	}

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	rssBefore := residentBytes()
	peak := watchMemory()

	b.StartTimer()
	started := time.Now()
	err = s.svc.Execute(ctx, run.ID)
	wall := time.Since(started)
	b.StopTimer()
	maxHeap, maxRSS := peak()

	if err != nil {
		b.Fatalf("%s sync: %v", name, err)
	}
	run, err = s.e.App.Ent.SyncRun.Get(ctx, run.ID)
	if err != nil {
		b.Fatal(err)
	}
	if run.Status != syncrun.StatusSucceeded {
		b.Fatalf("%s sync: status %s, message %q", name, run.Status, run.Message)
	}
	return syncMeasure{
		name:   name,
		run:    run,
		wall:   wall,
		heapMB: float64(maxHeap-min(maxHeap, before.HeapAlloc)) / (1 << 20),
		rssMB:  float64(maxRSS-min(maxRSS, rssBefore)) / (1 << 20),
		vk:     s.sandbox.callCounts(b, "vk"),
		evotor: s.sandbox.callCounts(b, "evotor"),
	}
}

// watchMemory samples the heap and the resident set every 10 ms until the
// returned function is called, which returns the highest HeapAlloc and
// the highest resident set size seen, in bytes. The resident set is read
// from /proc/self/statm and is 0 where that file is missing.
func watchMemory() func() (heap, rss uint64) {
	var maxHeap, maxRSS atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		ticker := time.NewTicker(10 * time.Millisecond)
		defer ticker.Stop()
		for {
			runtime.ReadMemStats(&m)
			maxHeap.Store(max(maxHeap.Load(), m.HeapAlloc))
			maxRSS.Store(max(maxRSS.Load(), residentBytes()))
			select {
			case <-stop:
				return
			case <-ticker.C:
			}
		}
	}()
	return func() (uint64, uint64) {
		close(stop)
		<-done
		return maxHeap.Load(), maxRSS.Load()
	}
}

// residentBytes returns the process's resident set size on Linux, and 0
// elsewhere or when /proc/self/statm cannot be read.
func residentBytes() uint64 {
	statm, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(statm))
	if len(fields) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(fields[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}
