package catalogsync_test

import (
	"context"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/evosync/evosync/ent"
	"github.com/evosync/evosync/ent/connection"
	"github.com/evosync/evosync/ent/syncrun"
	"github.com/evosync/evosync/internal/catalog/photo"
	"github.com/evosync/evosync/internal/catalogsync"
	"github.com/evosync/evosync/internal/sandbox"
	"github.com/evosync/evosync/internal/testenv"
)

// fixture is an owner with both providers connected and sync settings
// saved, and a Service wired to the sandbox.
type fixture struct {
	t       *testing.T
	e       *testenv.Env
	svc     *catalogsync.Service
	userID  int
	groupID int64  // the VK community with Market enabled
	storeID string // the first Evotor store
	vkToken string
}

type fixtureOptions struct {
	catalogSize int // products generated per store; 0 means 6
	batchSize   int // calls per execute; 0 means 25
}

func newFixture(t *testing.T, opts fixtureOptions) *fixture {
	t.Helper()
	size := opts.catalogSize
	if size == 0 {
		size = 6
	}
	e := testenv.New(t, testenv.Options{Sandbox: func(c *sandbox.Config) { c.CatalogSize = size }})
	followWallClock(t, e.Clock)
	b := e.Browser()
	b.Register("owner@example.test", "correct horse")
	b.Connect("vk", "allow", nil)
	b.Connect("evotor", "allow", nil)

	ctx := context.Background()
	f := &fixture{t: t, e: e}
	f.userID = e.App.Ent.User.Query().OnlyIDX(ctx)
	vkConn := e.App.Ent.Connection.Query().Where(connection.ProviderEQ(connection.ProviderVk)).OnlyX(ctx)
	vkUserID, err := strconv.ParseInt(vkConn.AccountID, 10, 64)
	if err != nil {
		t.Fatalf("VK account id %q: %v", vkConn.AccountID, err)
	}
	for _, g := range e.Sandbox.VKGroups(vkUserID) {
		if g.MarketEnabled {
			f.groupID = g.ID
		}
	}
	if f.vkToken, err = e.App.Sealer.Open(vkConn.AccessToken); err != nil {
		t.Fatal(err)
	}

	f.svc = &catalogsync.Service{
		DB: e.App.Ent, Sealer: e.App.Sealer, VK: e.App.VK, Evotor: e.App.Evotor,
		Log: testenv.Logger(t), Now: e.Clock.Now, BatchSize: opts.batchSize, RetryDelay: time.Millisecond,
	}
	stores, err := f.svc.Stores(ctx, f.userID)
	if err != nil || len(stores) == 0 {
		t.Fatalf("list stores: %v, %d stores", err, len(stores))
	}
	f.storeID = stores[0].ID

	e.App.Ent.SyncSettings.Create().
		SetUserID(f.userID).
		SetEvotorStoreID(f.storeID).
		SetVkGroupID(f.groupID).
		SetVkCategoryID(1).
		SetUpdatedAt(e.Clock.Now().Add(-time.Hour)).
		ExecX(ctx)
	return f
}

// followWallClock moves the test clock forward as real time passes. The
// sandbox checks VK's limit of three calls per second against this clock,
// so a frozen clock would reject every call after the third.
func followWallClock(t *testing.T, clock *testenv.Clock) {
	const step = 10 * time.Millisecond
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		ticker := time.NewTicker(step)
		defer ticker.Stop()
		last := time.Now()
		for {
			select {
			case <-done:
				return
			case now := <-ticker.C:
				clock.Advance(now.Sub(last))
				last = now
			}
		}
	}()
	t.Cleanup(func() {
		close(done)
		<-stopped
	})
}

// run creates and executes a run, and returns the finished row.
func (f *fixture) run(kind syncrun.Kind, trigger syncrun.Trigger) *ent.SyncRun {
	f.t.Helper()
	ctx := context.Background()
	run, err := f.svc.CreateRun(ctx, f.userID, kind, trigger)
	if err != nil {
		f.t.Fatalf("create run: %v", err)
	}
	if err := f.svc.Execute(ctx, run.ID); err != nil {
		f.t.Fatalf("execute run %d: %v", run.ID, err)
	}
	return f.e.App.Ent.SyncRun.GetX(ctx, run.ID)
}

func (f *fixture) sync() *ent.SyncRun {
	f.t.Helper()
	return f.run(syncrun.KindSync, syncrun.TriggerManual)
}

// writes counts the sandbox's market write calls so far.
func (f *fixture) writes() map[string]int {
	counts := map[string]int{}
	for _, method := range []string{"market.add", "market.edit", "market.delete", "market.addAlbum",
		"market.addToAlbum", "market.removeFromAlbum", "market.saveProductPhoto", "market.saveProductPhotoBulk"} {
		counts[method] = f.e.Sandbox.CallCount("vk", method)
	}
	return counts
}

// addManualItem adds an item to the community the way the owner would by
// hand, without EvoSync, and returns its id.
func (f *fixture) addManualItem(ctx context.Context) int64 {
	f.t.Helper()
	image, err := photo.Placeholder("Ручной товар")
	if err != nil {
		f.t.Fatal(err)
	}
	photoID, err := f.e.App.VK.UploadProductPhoto(ctx, f.vkToken, f.groupID, image, "manual.png")
	if err != nil {
		f.t.Fatalf("upload photo: %v", err)
	}
	params := url.Values{}
	params.Set("owner_id", strconv.FormatInt(-f.groupID, 10))
	params.Set("name", "Ручной товар")
	params.Set("description", "Товар, добавленный владельцем вручную.")
	params.Set("category_id", "1")
	params.Set("price", "100")
	params.Set("main_photo_id", strconv.FormatInt(photoID, 10))
	var answer struct {
		MarketItemID int64 `json:"market_item_id"`
	}
	if err := f.e.App.VK.Call(ctx, f.vkToken, "market.add", params, &answer); err != nil {
		f.t.Fatalf("add manual item: %v", err)
	}
	return answer.MarketItemID
}
