package workers_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/evosync/evosync/ent/syncrun"
	"github.com/evosync/evosync/internal/catalogsync"
	"github.com/evosync/evosync/internal/testenv"
	"github.com/evosync/evosync/workers"
)

func catalogHandlers(e *testenv.Env) *workers.CatalogHandlers {
	svc := &catalogsync.Service{
		DB: e.App.Ent, Sealer: e.App.Sealer, VK: e.App.VK, Evotor: e.App.Evotor,
		Log: testenv.Logger(e.T), Now: e.Clock.Now, RetryDelay: time.Millisecond,
	}
	return &workers.CatalogHandlers{Sync: svc, Queue: e.App.Queue, Log: testenv.Logger(e.T)}
}

func TestCatalogSyncTaskOptions(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	task, err := workers.NewCatalogSyncTask(42)
	if err != nil {
		t.Fatal(err)
	}

	info, err := e.App.Queue.Enqueue(task)

	if err != nil {
		t.Fatal(err)
	}
	if info.ID != "catalog:sync:42" || info.Queue != workers.QueueDefault {
		t.Errorf("task id %q in queue %q, want catalog:sync:42 in default", info.ID, info.Queue)
	}
	if info.Timeout != 2*time.Hour || info.MaxRetry != 3 {
		t.Errorf("timeout %v, max retry %d; want 2h, 3", info.Timeout, info.MaxRetry)
	}
	var payload workers.CatalogSyncPayload
	if err := json.Unmarshal(info.Payload, &payload); err != nil || payload.RunID != 42 {
		t.Errorf("payload %s, error %v", info.Payload, err)
	}
	if _, err := e.App.Queue.Enqueue(task); !errors.Is(err, asynq.ErrTaskIDConflict) {
		t.Errorf("second enqueue of one run: %v, want a task id conflict", err)
	}
}

func TestCatalogScheduleTaskIDContainsSlot(t *testing.T) {
	slot := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

	task, err := workers.NewCatalogScheduleTask(slot, time.Hour)

	if err != nil {
		t.Fatal(err)
	}
	if got, want := workers.CatalogScheduleTaskID(slot), "catalog:schedule:1796385600"; got != want {
		t.Errorf("task id = %q, want %q", got, want)
	}
	if task.Type() != workers.TypeCatalogSchedule {
		t.Errorf("type = %q", task.Type())
	}
	periodic := workers.CatalogSchedule(time.Hour)
	if periodic.Interval != time.Hour || periodic.Name != workers.TypeCatalogSchedule {
		t.Errorf("periodic row = %+v", periodic)
	}
}

func TestCatalogScheduleHandlerEnqueuesRuns(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	b := e.Browser()
	b.Register("owner@example.test", "correct horse")
	ctx := context.Background()
	userID := e.App.Ent.User.Query().OnlyIDX(ctx)
	e.App.Ent.SyncSettings.Create().SetUserID(userID).SetScheduleEnabled(true).ExecX(ctx)
	h := catalogHandlers(e)
	slot := e.Clock.Now().Truncate(time.Hour)
	task, err := workers.NewCatalogScheduleTask(slot, time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	if err := h.HandleSchedule(ctx, task); err != nil {
		t.Fatal(err)
	}

	run := e.App.Ent.SyncRun.Query().OnlyX(ctx)
	if run.Trigger != syncrun.TriggerScheduled || run.UserID != userID {
		t.Errorf("run = %+v, want a scheduled run of user %d", run, userID)
	}
	pending, err := e.Inspector().ListPendingTasks(workers.QueueDefault)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 1 || pending[0].ID != workers.CatalogSyncTaskID(run.ID) {
		t.Errorf("pending tasks = %v, want the run's task", pending)
	}
}

func TestCatalogSyncHandlerFinishesSkippedRun(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	b := e.Browser()
	b.Register("owner@example.test", "correct horse")
	ctx := context.Background()
	userID := e.App.Ent.User.Query().OnlyIDX(ctx)
	h := catalogHandlers(e)
	run, err := h.Sync.CreateRun(ctx, userID, syncrun.KindSync, syncrun.TriggerManual)
	if err != nil {
		t.Fatal(err)
	}
	task, err := workers.NewCatalogSyncTask(run.ID)
	if err != nil {
		t.Fatal(err)
	}

	if err := h.HandleSync(ctx, task); err != nil {
		t.Fatalf("handle sync: %v", err)
	}

	got := e.App.Ent.SyncRun.GetX(ctx, run.ID)
	if got.Status != syncrun.StatusSkipped {
		t.Errorf("status = %s, want skipped", got.Status)
	}
	if got.Message != "Аккаунт ВКонтакте не подключён: подключите его на главной странице" {
		t.Errorf("message = %q", got.Message)
	}
}

func TestCatalogSyncHandlerRejectsBadPayload(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	h := catalogHandlers(e)

	err := h.HandleSync(context.Background(), asynq.NewTask(workers.TypeCatalogSync, []byte("{")))

	if !errors.Is(err, asynq.SkipRetry) {
		t.Errorf("error = %v, want SkipRetry", err)
	}
}
