package catalogsync_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/evosync/evosync/ent/connection"
	"github.com/evosync/evosync/ent/syncrun"
	"github.com/evosync/evosync/internal/catalog"
)

func TestPreviewListsPlannedActions(t *testing.T) {
	f := newFixture(t, fixtureOptions{catalogSize: 10})
	f.sync()
	products := f.e.Sandbox.ProductIDs(f.storeID)
	if err := f.e.Sandbox.SetProductPrice(f.storeID, products[0], "55.50"); err != nil {
		t.Fatal(err)
	}
	if err := f.e.Sandbox.SetProductAllowToSell(f.storeID, products[1], false); err != nil {
		t.Fatal(err)
	}
	if err := f.e.Sandbox.RemoveProduct(f.storeID, products[2]); err != nil {
		t.Fatal(err)
	}
	added, err := f.e.Sandbox.AddProduct(f.storeID, map[string]any{"name": "Сырок глазированный", "price": "45"})
	if err != nil {
		t.Fatal(err)
	}
	calls := f.e.Sandbox.CallCount("vk", "execute")

	plan, err := f.svc.Preview(context.Background(), f.userID)

	if err != nil {
		t.Fatal(err)
	}
	want := map[catalog.Action]int{
		catalog.ActionCreate: 1, catalog.ActionUpdate: 1, catalog.ActionHide: 1,
		catalog.ActionRemove: 1, catalog.ActionUnchanged: 7,
	}
	if diff := cmp.Diff(want, plan.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if len(plan.Entries) != 11 || plan.Truncated {
		t.Errorf("entries = %d, truncated %v; want 11, false", len(plan.Entries), plan.Truncated)
	}
	for _, entry := range plan.Entries[:4] {
		if entry.Action == catalog.ActionUnchanged {
			t.Errorf("unchanged entry %q listed before a change", entry.Name)
		}
		if entry.Reason == "" {
			t.Errorf("entry %q has no reason", entry.Name)
		}
	}
	for _, entry := range plan.Entries {
		if entry.ProductID == added && entry.Reason != "Новый товар: будет добавлен во ВКонтакте" {
			t.Errorf("reason of the new product = %q", entry.Reason)
		}
		if entry.ProductID == products[1] && entry.Reason != "Будет скрыт: продажа запрещена в Эвоторе" {
			t.Errorf("reason of the hidden product = %q", entry.Reason)
		}
	}
	if n := f.e.Sandbox.CallCount("vk", "execute"); n != calls {
		t.Errorf("preview made %d execute calls, want 0", n-calls)
	}
}

func TestRevokedEvotorTokenFailsRun(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	conn := f.e.App.Ent.Connection.Query().Where(connection.ProviderEQ(connection.ProviderEvotor)).OnlyX(ctx)
	token, err := f.e.App.Sealer.Open(conn.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	f.e.Sandbox.RevokeEvotorToken(token)

	run := f.sync()

	if run.Status != syncrun.StatusFailed || run.Message != "Эвотор отклонил доступ: переподключите аккаунт Эвотор" {
		t.Errorf("status %s, message %q", run.Status, run.Message)
	}
}

func TestScheduleRunsQueuesEnabledUsersOnce(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	f.e.App.Ent.SyncSettings.Update().SetScheduleEnabled(true).ExecX(ctx)
	slot := f.e.Clock.Now().Truncate(time.Hour)
	var queued []int
	enqueue := func(_ context.Context, runID int) error {
		queued = append(queued, runID)
		return nil
	}

	first, err := f.svc.ScheduleRuns(ctx, slot, enqueue)
	if err != nil {
		t.Fatal(err)
	}
	second, err := f.svc.ScheduleRuns(ctx, slot, enqueue)
	if err != nil {
		t.Fatal(err)
	}

	if first.Queued != 1 || len(queued) != 1 {
		t.Fatalf("first call: %+v, queued %v; want one run", first, queued)
	}
	if second.Queued != 0 || second.Done != 1 {
		t.Errorf("second call in the same slot: %+v, want the user skipped", second)
	}
	run := f.e.App.Ent.SyncRun.GetX(ctx, queued[0])
	if run.Trigger != syncrun.TriggerScheduled || run.Status != syncrun.StatusQueued {
		t.Errorf("run trigger %s, status %s; want scheduled, queued", run.Trigger, run.Status)
	}
}

func TestScheduleRunsSkipsUserWithRunInProgress(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	f.e.App.Ent.SyncSettings.Update().SetScheduleEnabled(true).ExecX(ctx)
	if _, err := f.svc.CreateRun(ctx, f.userID, syncrun.KindSync, syncrun.TriggerManual); err != nil {
		t.Fatal(err)
	}

	stats, err := f.svc.ScheduleRuns(ctx, f.e.Clock.Now().Truncate(time.Hour), func(context.Context, int) error {
		t.Error("a run was enqueued for a user with a run in progress")
		return nil
	})

	if err != nil {
		t.Fatal(err)
	}
	if stats.InProgress != 1 {
		t.Errorf("stats = %+v, want one user in progress", stats)
	}
}
