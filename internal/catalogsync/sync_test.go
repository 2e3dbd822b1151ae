package catalogsync_test

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evosync/evosync/ent/connection"
	"github.com/evosync/evosync/ent/syncitem"
	"github.com/evosync/evosync/ent/syncrun"
	"github.com/evosync/evosync/internal/catalogsync"
	"github.com/evosync/evosync/internal/sandbox"
)

func TestFirstSyncCreatesItemsPhotosAlbums(t *testing.T) {
	f := newFixture(t, fixtureOptions{catalogSize: 10})

	run := f.sync()

	if run.Status != syncrun.StatusSucceeded {
		t.Fatalf("status = %s, message %q", run.Status, run.Message)
	}
	if run.Created != 10 || run.Processed != 10 || run.Total != 10 || run.Failed != 0 {
		t.Errorf("counts: created %d, processed %d, total %d, failed %d; want 10, 10, 10, 0",
			run.Created, run.Processed, run.Total, run.Failed)
	}
	if !strings.HasPrefix(run.Message, "Готово: добавлено 10") {
		t.Errorf("message = %q", run.Message)
	}
	items := f.e.Sandbox.MarketItems(f.groupID)
	if len(items) != 10 {
		t.Fatalf("VK items = %d, want 10", len(items))
	}
	albums := f.e.Sandbox.MarketAlbums(f.groupID)
	titles := make([]string, len(albums))
	for i, a := range albums {
		titles[i] = a.Title
	}
	slices.Sort(titles)
	if want := []string{"Молочные продукты", "Хлеб и выпечка"}; !slices.Equal(titles, want) {
		t.Errorf("album titles = %v, want %v", titles, want)
	}
	for _, item := range items {
		if item.MainPhotoID == 0 {
			t.Errorf("item %q has no main photo", item.Name)
		}
		if len(item.AlbumIDs) != 1 {
			t.Errorf("item %q is in albums %v, want one", item.Name, item.AlbumIDs)
		}
	}
	if got := f.e.Sandbox.PhotoCount(f.groupID); got != 10 {
		t.Errorf("photos saved = %d, want 10", got)
	}
	rows := f.e.App.Ent.SyncItem.Query().AllX(context.Background())
	if len(rows) != 10 {
		t.Errorf("sync items = %d, want 10", len(rows))
	}
	for _, row := range rows {
		if row.AlbumGroupID == "" {
			t.Errorf("sync item of %q has no album recorded", row.Name)
		}
	}
}

func TestFirstSyncHidesProductNotForSale(t *testing.T) {
	f := newFixture(t, fixtureOptions{catalogSize: 10})

	f.sync()

	// The sandbox forbids selling the 6th product of every catalog.
	hidden := 0
	for _, item := range f.e.Sandbox.MarketItems(f.groupID) {
		if item.Hidden {
			hidden++
		}
	}
	if hidden != 1 {
		t.Errorf("hidden VK items = %d, want 1", hidden)
	}
}

func TestSecondSyncWritesNothing(t *testing.T) {
	f := newFixture(t, fixtureOptions{catalogSize: 10})
	f.sync()
	before := f.writes()

	run := f.sync()

	if run.Status != syncrun.StatusSucceeded || run.Unchanged != 10 {
		t.Errorf("status %s, unchanged %d; want succeeded, 10", run.Status, run.Unchanged)
	}
	for method, n := range f.writes() {
		if n != before[method] {
			t.Errorf("%s calls: %d more in the second sync, want 0", method, n-before[method])
		}
	}
}

func TestPriceChangeEditsOneItem(t *testing.T) {
	f := newFixture(t, fixtureOptions{catalogSize: 10})
	f.sync()
	before := f.writes()
	product := f.e.Sandbox.ProductIDs(f.storeID)[0]
	if err := f.e.Sandbox.SetProductPrice(f.storeID, product, "99.90"); err != nil {
		t.Fatal(err)
	}

	run := f.sync()

	after := f.writes()
	if n := after["market.edit"] - before["market.edit"]; n != 1 {
		t.Errorf("market.edit calls = %d, want 1", n)
	}
	if n := after["market.add"] - before["market.add"]; n != 0 {
		t.Errorf("market.add calls = %d, want 0", n)
	}
	if run.Updated != 1 || run.Unchanged != 9 {
		t.Errorf("updated %d, unchanged %d; want 1, 9", run.Updated, run.Unchanged)
	}
	found := false
	for _, item := range f.e.Sandbox.MarketItems(f.groupID) {
		found = found || item.PriceKopecks == 9990
	}
	if !found {
		t.Error("no VK item has the new price 99.90")
	}
}

func TestProductNotForSaleIsHiddenNotDeleted(t *testing.T) {
	f := newFixture(t, fixtureOptions{catalogSize: 10})
	f.sync()
	before := f.writes()
	product := f.e.Sandbox.ProductIDs(f.storeID)[0]
	if err := f.e.Sandbox.SetProductAllowToSell(f.storeID, product, false); err != nil {
		t.Fatal(err)
	}

	run := f.sync()

	after := f.writes()
	if n := after["market.edit"] - before["market.edit"]; n != 1 {
		t.Errorf("market.edit calls = %d, want 1", n)
	}
	if n := after["market.delete"] - before["market.delete"]; n != 0 {
		t.Errorf("market.delete calls = %d, want 0", n)
	}
	if run.Hidden != 1 {
		t.Errorf("hidden count = %d, want 1", run.Hidden)
	}
	items := f.e.Sandbox.MarketItems(f.groupID)
	hidden := 0
	for _, item := range items {
		if item.Hidden {
			hidden++
		}
	}
	if len(items) != 10 || hidden != 2 {
		t.Errorf("VK items %d with %d hidden, want 10 with 2", len(items), hidden)
	}
}

func TestRemovedProductIsDeleted(t *testing.T) {
	f := newFixture(t, fixtureOptions{catalogSize: 10})
	f.sync()
	product := f.e.Sandbox.ProductIDs(f.storeID)[3]
	if err := f.e.Sandbox.RemoveProduct(f.storeID, product); err != nil {
		t.Fatal(err)
	}

	run := f.sync()

	if n := f.e.Sandbox.CallCount("vk", "market.delete"); n != 1 {
		t.Errorf("market.delete calls = %d, want 1", n)
	}
	if run.Removed != 1 || run.Unchanged != 9 {
		t.Errorf("removed %d, unchanged %d; want 1, 9", run.Removed, run.Unchanged)
	}
	if n := len(f.e.Sandbox.MarketItems(f.groupID)); n != 9 {
		t.Errorf("VK items = %d, want 9", n)
	}
	ctx := context.Background()
	if f.e.App.Ent.SyncItem.Query().Where(syncitem.EvotorProductID(product)).ExistX(ctx) {
		t.Error("the removed product's sync item is still there")
	}
}

func TestScheduledRunSameDayIsIncremental(t *testing.T) {
	f := newFixture(t, fixtureOptions{catalogSize: 10})
	f.sync()
	f.e.Clock.Advance(time.Hour)
	products := f.e.Sandbox.ProductIDs(f.storeID)
	if err := f.e.Sandbox.RemoveProduct(f.storeID, products[3]); err != nil {
		t.Fatal(err)
	}
	if err := f.e.Sandbox.SetProductPrice(f.storeID, products[0], "77.70"); err != nil {
		t.Fatal(err)
	}

	run := f.run(syncrun.KindSync, syncrun.TriggerScheduled)

	if run.Status != syncrun.StatusSucceeded {
		t.Fatalf("status = %s, message %q", run.Status, run.Message)
	}
	if n := f.e.Sandbox.CallCount("vk", "market.delete"); n != 0 {
		t.Errorf("market.delete calls = %d, want 0 in an incremental run", n)
	}
	if run.Total != 1 || run.Updated != 1 {
		t.Errorf("total %d, updated %d; want 1, 1", run.Total, run.Updated)
	}
}

func TestScheduledRunNextDayIsFull(t *testing.T) {
	f := newFixture(t, fixtureOptions{catalogSize: 10})
	f.sync()
	f.e.Clock.Advance(24 * time.Hour)
	product := f.e.Sandbox.ProductIDs(f.storeID)[3]
	if err := f.e.Sandbox.RemoveProduct(f.storeID, product); err != nil {
		t.Fatal(err)
	}

	run := f.run(syncrun.KindSync, syncrun.TriggerScheduled)

	if run.Removed != 1 || run.Total != 10 {
		t.Errorf("removed %d, total %d; want 1, 10", run.Removed, run.Total)
	}
}

func TestInterruptedRunResumesWithoutDuplicates(t *testing.T) {
	f := newFixture(t, fixtureOptions{catalogSize: 10, batchSize: 2})
	ctx := context.Background()
	run, err := f.svc.CreateRun(ctx, f.userID, syncrun.KindSync, syncrun.TriggerManual)
	if err != nil {
		t.Fatal(err)
	}

	runCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for f.e.Sandbox.CallCount("vk", "market.add") < 4 && runCtx.Err() == nil {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	err = f.svc.Execute(runCtx, run.ID)
	cancel()
	wg.Wait()

	if err == nil {
		t.Fatal("interrupted run returned no error")
	}
	interrupted := f.e.App.Ent.SyncRun.GetX(ctx, run.ID)
	if interrupted.Status != syncrun.StatusRunning {
		t.Errorf("interrupted run status = %s, want running", interrupted.Status)
	}
	written := len(f.e.Sandbox.MarketItems(f.groupID))
	if written == 0 || written == 10 {
		t.Fatalf("VK items after the interruption = %d, want some but not all", written)
	}

	if err := f.svc.Execute(ctx, run.ID); err != nil {
		t.Fatalf("resumed run: %v", err)
	}

	resumed := f.e.App.Ent.SyncRun.GetX(ctx, run.ID)
	if resumed.Status != syncrun.StatusSucceeded {
		t.Errorf("resumed run status = %s, message %q", resumed.Status, resumed.Message)
	}
	if n := len(f.e.Sandbox.MarketItems(f.groupID)); n != 10 {
		t.Errorf("VK items = %d, want 10", n)
	}
	if n := f.e.App.Ent.SyncItem.Query().CountX(ctx); n != 10 {
		t.Errorf("sync items = %d, want 10", n)
	}
	// Both attempts count as one run that created every item.
	if resumed.Created != 10 || resumed.Unchanged != 0 || resumed.Processed != 10 {
		t.Errorf("created %d, unchanged %d, processed %d; want 10, 0, 10",
			resumed.Created, resumed.Unchanged, resumed.Processed)
	}
}

func TestUnmappedItemsAreAdopted(t *testing.T) {
	f := newFixture(t, fixtureOptions{catalogSize: 10})
	first := f.sync()
	ctx := context.Background()
	// Lose three mappings as if the run had stopped between VK's response
	// and the database write, and mark the run as not finished.
	lost := f.e.App.Ent.SyncItem.Query().Limit(3).IDsX(ctx)
	f.e.App.Ent.SyncItem.Delete().Where(syncitem.IDIn(lost...)).ExecX(ctx)
	f.e.App.Ent.SyncRun.UpdateOneID(first.ID).SetStatus(syncrun.StatusFailed).ExecX(ctx)
	adds := f.e.Sandbox.CallCount("vk", "market.add")

	run := f.sync()

	if n := f.e.Sandbox.CallCount("vk", "market.add") - adds; n != 0 {
		t.Errorf("market.add calls = %d, want 0", n)
	}
	if n := len(f.e.Sandbox.MarketItems(f.groupID)); n != 10 {
		t.Errorf("VK items = %d, want 10", n)
	}
	if n := f.e.App.Ent.SyncItem.Query().CountX(ctx); n != 10 {
		t.Errorf("sync items = %d, want 10", n)
	}
	if run.Created != 3 {
		t.Errorf("created = %d, want 3 adopted items", run.Created)
	}
}

func TestItemWithLinkIsRecordedAsFailure(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	product, err := f.e.Sandbox.AddProduct(f.storeID, map[string]any{
		"name": "Кофе в зёрнах", "price": "450", "image": true,
		"description": "Подробности на www.example.com, доставка по городу.",
	})
	if err != nil {
		t.Fatal(err)
	}

	run := f.sync()

	if run.Status != syncrun.StatusSucceeded {
		t.Fatalf("status = %s, message %q", run.Status, run.Message)
	}
	if run.Failed != 1 || run.Created != 6 {
		t.Errorf("failed %d, created %d; want 1, 6", run.Failed, run.Created)
	}
	if len(run.Failures) != 1 {
		t.Fatalf("failures = %+v, want one", run.Failures)
	}
	got := run.Failures[0]
	if got.ProductID != product || got.Message != "В описании есть ссылка — ВКонтакте такие описания не принимает" {
		t.Errorf("failure = %+v", got)
	}
	if !strings.Contains(run.Message, "Не удалось выгрузить: 1") {
		t.Errorf("message = %q", run.Message)
	}
}

func TestRevokedVKTokenFailsRun(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	f.e.Sandbox.InjectVKError(f.vkToken, 5, "User authorization failed: invalid access_token (4).", nil, 1000)

	run := f.sync()

	if run.Status != syncrun.StatusFailed {
		t.Errorf("status = %s, want failed", run.Status)
	}
	if run.Message != "ВКонтакте отклонил доступ: переподключите аккаунт ВКонтакте" {
		t.Errorf("message = %q", run.Message)
	}
	if n := len(f.e.Sandbox.MarketItems(f.groupID)); n != 0 {
		t.Errorf("VK items = %d, want 0", n)
	}
}

func TestCaptchaStopsRunAfterSomeWrites(t *testing.T) {
	f := newFixture(t, fixtureOptions{catalogSize: 10, batchSize: 2})
	ctx := context.Background()
	run, err := f.svc.CreateRun(ctx, f.userID, syncrun.KindSync, syncrun.TriggerManual)
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	done := make(chan struct{})
	go func() {
		defer close(done)
		for f.e.Sandbox.CallCount("vk", "market.add") < 2 {
			time.Sleep(2 * time.Millisecond)
		}
		once.Do(func() {
			f.e.Sandbox.InjectVKError(f.vkToken, 14, "Captcha needed", map[string]any{"captcha_sid": "1"}, 1000)
		})
	}()

	err = f.svc.Execute(ctx, run.ID)
	<-done

	if err != nil {
		t.Fatalf("execute: %v", err)
	}
	got := f.e.App.Ent.SyncRun.GetX(ctx, run.ID)
	if got.Status != syncrun.StatusFailed || !strings.HasPrefix(got.Message, "ВКонтакте просит ввести капчу") {
		t.Errorf("status %s, message %q", got.Status, got.Message)
	}
	if got.Failed != 0 {
		t.Errorf("failed = %d, want 0: a stopped run marks no product", got.Failed)
	}
}

func TestTemporaryVKFailureLeavesRunForRetry(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	f.e.Sandbox.InjectVKError(f.vkToken, 10, "Internal server error", nil, 1000)
	ctx := context.Background()
	run, err := f.svc.CreateRun(ctx, f.userID, syncrun.KindSync, syncrun.TriggerManual)
	if err != nil {
		t.Fatal(err)
	}

	err = f.svc.Execute(ctx, run.ID)

	if err == nil {
		t.Fatal("execute returned no error")
	}
	got := f.e.App.Ent.SyncRun.GetX(ctx, run.ID)
	if got.Status != syncrun.StatusRunning || got.Message != "ВКонтакте временно не отвечает: повторим попытку автоматически" {
		t.Errorf("status %s, message %q; want running with a retry message", got.Status, got.Message)
	}
	if err := f.svc.Abandon(ctx, run.ID, err); err != nil {
		t.Fatal(err)
	}
	got = f.e.App.Ent.SyncRun.GetX(ctx, run.ID)
	if got.Status != syncrun.StatusFailed || got.Message != "Синхронизация прервана: ВКонтакте временно недоступен. Запустите её снова позже" {
		t.Errorf("after abandon: status %s, message %q", got.Status, got.Message)
	}
}

func TestOfflineConnectionSkipsRun(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	f.e.App.Ent.Connection.Update().
		Where(connection.ProviderEQ(connection.ProviderVk)).
		SetIsOnline(false).
		ExecX(ctx)
	calls := f.e.Sandbox.CallCount("vk", "execute")

	run := f.sync()

	if run.Status != syncrun.StatusSkipped {
		t.Errorf("status = %s, want skipped", run.Status)
	}
	if run.Message != "Подключение ВКонтакте не работает: переподключите аккаунт" {
		t.Errorf("message = %q", run.Message)
	}
	if n := f.e.Sandbox.CallCount("vk", "execute"); n != calls {
		t.Errorf("execute calls = %d, want none", n-calls)
	}
}

func TestIncompleteSettingsSkipRun(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	f.e.App.Ent.SyncSettings.Update().ClearVkCategoryID().ClearEvotorStoreID().ExecX(ctx)

	run := f.sync()

	if run.Status != syncrun.StatusSkipped {
		t.Errorf("status = %s, want skipped", run.Status)
	}
	want := "Настройки синхронизации не заполнены: выберите магазин Эвотор и категорию товаров ВКонтакте"
	if run.Message != want {
		t.Errorf("message = %q, want %q", run.Message, want)
	}
}

func TestMarketDisabledIsRecordedPerItem(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	// The sandbox's second community of every user has Market disabled.
	f.e.App.Ent.SyncSettings.Update().SetVkGroupID(f.groupID + 1).ExecX(ctx)
	const disabled = "Товары отключены в сообществе: включите раздел «Товары» в настройках"

	run := f.sync()

	if run.Status != syncrun.StatusSucceeded || run.Failed != 6 {
		t.Errorf("status %s, failed %d; want succeeded, 6", run.Status, run.Failed)
	}
	for _, failure := range run.Failures {
		if failure.Message != disabled {
			t.Errorf("failure of %q: %q, want %q", failure.Name, failure.Message, disabled)
		}
	}
	if !strings.HasSuffix(run.Message, ". "+disabled) {
		t.Errorf("message = %q, want it to end with %q", run.Message, disabled)
	}
}

func TestChosenGroupsLimitProducts(t *testing.T) {
	f := newFixture(t, fixtureOptions{catalogSize: 10})
	ctx := context.Background()
	groups, err := f.svc.ProductGroups(ctx, f.userID, f.storeID)
	if err != nil {
		t.Fatal(err)
	}
	var bread string
	for _, g := range groups {
		if g.Name == "Хлеб и выпечка" {
			bread = g.ID
		}
	}
	f.e.App.Ent.SyncSettings.Update().SetProductGroupIds([]string{bread}).ExecX(ctx)

	run := f.sync()

	// Products 8 to 10 of the generated catalog are bread.
	if run.Created != 3 || run.Total != 3 {
		t.Errorf("created %d, total %d; want 3, 3", run.Created, run.Total)
	}
	if n := len(f.e.Sandbox.MarketAlbums(f.groupID)); n != 1 {
		t.Errorf("albums = %d, want 1", n)
	}
}

func TestCleanupRemovesOnlyEvoSyncItems(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	f.sync()
	ctx := context.Background()
	manual := f.addManualItem(ctx)

	run := f.run(syncrun.KindCleanup, syncrun.TriggerManual)

	if run.Status != syncrun.StatusSucceeded || run.Removed != 6 {
		t.Errorf("status %s, removed %d; want succeeded, 6 (%q)", run.Status, run.Removed, run.Message)
	}
	items := f.e.Sandbox.MarketItems(f.groupID)
	if len(items) != 1 || items[0].ID != manual {
		t.Errorf("VK items after cleanup = %+v, want only the manual item %d", items, manual)
	}
	if n := f.e.App.Ent.SyncItem.Query().CountX(ctx); n != 0 {
		t.Errorf("sync items = %d, want 0", n)
	}
	if run.Message != "Удалено товаров из ВКонтакте: 6" {
		t.Errorf("message = %q", run.Message)
	}
}

func TestCreateRunRejectsSecondActiveRun(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()

	const attempts = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	created, rejected := 0, 0
	for range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.svc.CreateRun(ctx, f.userID, syncrun.KindSync, syncrun.TriggerManual)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				created++
			case errors.Is(err, catalogsync.ErrRunInProgress):
				rejected++
			default:
				t.Errorf("create run: %v", err)
			}
		}()
	}
	wg.Wait()

	if created != 1 || rejected != attempts-1 {
		t.Errorf("created %d, rejected %d; want 1, %d", created, rejected, attempts-1)
	}
}

func TestCreateRunReplacesStaleRun(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	stale, err := f.svc.CreateRun(ctx, f.userID, syncrun.KindSync, syncrun.TriggerManual)
	if err != nil {
		t.Fatal(err)
	}
	f.e.Clock.Advance(13 * time.Hour)

	if _, err := f.svc.CreateRun(ctx, f.userID, syncrun.KindSync, syncrun.TriggerManual); err != nil {
		t.Fatalf("create run after a stale one: %v", err)
	}

	if got := f.e.App.Ent.SyncRun.GetX(ctx, stale.ID); got.Status != syncrun.StatusFailed {
		t.Errorf("stale run status = %s, want failed", got.Status)
	}
}

func TestExecuteFinishedRunDoesNothing(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	run := f.sync()
	adds := f.e.Sandbox.CallCount("vk", "market.add")

	if err := f.svc.Execute(context.Background(), run.ID); err != nil {
		t.Fatal(err)
	}

	if n := f.e.Sandbox.CallCount("vk", "market.add"); n != adds {
		t.Errorf("market.add calls = %d after executing a finished run, want 0", n-adds)
	}
}

func TestItemDeletedInVKIsCreatedAgain(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	f.sync()
	ctx := context.Background()
	product := f.e.Sandbox.ProductIDs(f.storeID)[0]
	row := f.e.App.Ent.SyncItem.Query().Where(syncitem.EvotorProductID(product)).OnlyX(ctx)
	params := url.Values{}
	params.Set("owner_id", strconv.FormatInt(-f.groupID, 10))
	params.Set("item_id", strconv.FormatInt(row.VkItemID, 10))
	if err := f.e.App.VK.Call(ctx, f.vkToken, "market.delete", params, nil); err != nil {
		t.Fatalf("delete the item in VK: %v", err)
	}
	if err := f.e.Sandbox.SetProductPrice(f.storeID, product, "12.30"); err != nil {
		t.Fatal(err)
	}

	run := f.sync()

	if run.Status != syncrun.StatusSucceeded || run.Failed != 0 {
		t.Errorf("status %s, failed %d, failures %+v", run.Status, run.Failed, run.Failures)
	}
	if n := len(f.e.Sandbox.MarketItems(f.groupID)); n != 6 {
		t.Errorf("VK items = %d, want 6", n)
	}
	again := f.e.App.Ent.SyncItem.Query().Where(syncitem.EvotorProductID(product)).OnlyX(ctx)
	if again.VkItemID == row.VkItemID {
		t.Errorf("mapping still points to the deleted item %d", row.VkItemID)
	}
}

func TestEvotorOutageLeavesRunForRetry(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	f.e.Sandbox.SetOutage("evotor", sandbox.OutageServerError)
	ctx := context.Background()
	run, err := f.svc.CreateRun(ctx, f.userID, syncrun.KindSync, syncrun.TriggerManual)
	if err != nil {
		t.Fatal(err)
	}

	err = f.svc.Execute(ctx, run.ID)

	if err == nil {
		t.Fatal("execute returned no error")
	}
	got := f.e.App.Ent.SyncRun.GetX(ctx, run.ID)
	if got.Status != syncrun.StatusRunning || got.Message != "Эвотор временно не отвечает: повторим попытку автоматически" {
		t.Errorf("status %s, message %q; want running with a retry message", got.Status, got.Message)
	}
}

func TestFirstSyncSharesAlbumCalls(t *testing.T) {
	f := newFixture(t, fixtureOptions{catalogSize: 10})

	run := f.sync()

	if run.Status != syncrun.StatusSucceeded || run.Created != 10 {
		t.Fatalf("status %s, created %d; want succeeded, 10", run.Status, run.Created)
	}
	// The 10 products belong to two groups, so two calls add them all.
	if n := f.e.Sandbox.CallCount("vk", "market.addToAlbum"); n != 2 {
		t.Errorf("market.addToAlbum calls = %d, want 2", n)
	}
	for _, item := range f.e.Sandbox.MarketItems(f.groupID) {
		if len(item.AlbumIDs) != 1 {
			t.Errorf("item %q is in albums %v, want one", item.Name, item.AlbumIDs)
		}
	}
}

func TestFirstSyncReadsNoMarketItems(t *testing.T) {
	f := newFixture(t, fixtureOptions{catalogSize: 10})

	run := f.sync()

	if run.Status != syncrun.StatusSucceeded || run.Created != 10 {
		t.Fatalf("status %s, created %d; want succeeded, 10", run.Status, run.Created)
	}
	// A user's first run cannot find items left by an interrupted one.
	if n := f.e.Sandbox.CallCount("vk", "market.get"); n != 0 {
		t.Errorf("market.get calls = %d, want 0", n)
	}
}

func TestSharedAlbumCallFallsBackPerItem(t *testing.T) {
	f := newFixture(t, fixtureOptions{catalogSize: 10})
	f.sync()
	ctx := context.Background()
	// Take one item out of its album in VK and forget every recorded
	// album, as if a run had stopped before recording them. The shared
	// call for that album then fails with error 1404, because the other
	// items are in the album already.
	unplaced := f.e.Sandbox.MarketItems(f.groupID)[0]
	params := url.Values{}
	params.Set("owner_id", strconv.FormatInt(-f.groupID, 10))
	params.Set("item_id", strconv.FormatInt(unplaced.ID, 10))
	params.Set("album_ids", strconv.FormatInt(unplaced.AlbumIDs[0], 10))
	if err := f.e.App.VK.Call(ctx, f.vkToken, "market.removeFromAlbum", params, nil); err != nil {
		t.Fatalf("remove the item from its album in VK: %v", err)
	}
	f.e.App.Ent.SyncItem.Update().SetAlbumGroupID("").ExecX(ctx)
	adds := f.e.Sandbox.CallCount("vk", "market.addToAlbum")

	run := f.sync()

	if run.Status != syncrun.StatusSucceeded || run.Failed != 0 {
		t.Errorf("status %s, failed %d, failures %+v", run.Status, run.Failed, run.Failures)
	}
	if n := f.e.Sandbox.CallCount("vk", "market.addToAlbum") - adds; n != 2+10 {
		t.Errorf("market.addToAlbum calls = %d, want 2 shared and 10 single", n)
	}
	for _, item := range f.e.Sandbox.MarketItems(f.groupID) {
		if len(item.AlbumIDs) != 1 {
			t.Errorf("item %q is in albums %v, want one", item.Name, item.AlbumIDs)
		}
	}
	for _, row := range f.e.App.Ent.SyncItem.Query().AllX(ctx) {
		if row.AlbumGroupID == "" {
			t.Errorf("sync item of %q has no album recorded", row.Name)
		}
	}
}

func TestRejectedContentIsNotResent(t *testing.T) {
	f := newFixture(t, fixtureOptions{catalogSize: 3})
	product, err := f.e.Sandbox.AddProduct(f.storeID, map[string]any{
		"name": "Кофе со ссылкой", "price": 100, "description": "Подробнее на https://example.test/coffee",
	})
	if err != nil {
		t.Fatal(err)
	}
	first := f.sync()
	before := f.writes()

	second := f.sync()

	if first.Failed != 1 || second.Failed != 1 {
		t.Fatalf("failed items: %d then %d, want 1 and 1", first.Failed, second.Failed)
	}
	for method, n := range f.writes() {
		if n != before[method] {
			t.Errorf("%s calls: %d more for unchanged rejected content, want 0", method, n-before[method])
		}
	}
	if len(second.Failures) != 1 || second.Failures[0].Message == "" {
		t.Errorf("second run failures = %+v, want the rejection repeated", second.Failures)
	}

	if err := f.e.Sandbox.RenameProduct(f.storeID, product, "Кофе без ссылки в названии"); err != nil {
		t.Fatal(err)
	}
	f.sync()
	if got := f.e.Sandbox.CallCount("vk", "market.add"); got == before["market.add"] {
		t.Error("changed content was not sent again")
	}
}
