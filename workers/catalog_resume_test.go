package workers_test

import (
	"context"
	"testing"

	"github.com/evosync/evosync/ent/syncrun"
	"github.com/evosync/evosync/internal/testenv"
	"github.com/evosync/evosync/workers"
)

func TestResumeRequeuesOrphanedRun(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	ctx := context.Background()
	open := e.App.Ent.SyncRun.Create().SetUserID(1).SetStatus(syncrun.StatusRunning).SaveX(ctx)
	e.App.Ent.SyncRun.Create().SetUserID(2).SetStatus(syncrun.StatusSucceeded).SaveX(ctx)
	h := &workers.CatalogHandlers{Sync: e.App.Sync, Queue: e.App.Queue, Log: testenv.Logger(t)}

	if err := h.HandleResume(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := h.HandleResume(ctx, nil); err != nil {
		t.Fatal(err)
	}

	tasks, err := e.Inspector().ListPendingTasks(workers.QueueDefault)
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 1 {
		t.Fatalf("pending tasks = %d, want 1", len(tasks))
	}
	if tasks[0].ID != workers.CatalogSyncTaskID(open.ID) {
		t.Errorf("task id = %q, want the open run's", tasks[0].ID)
	}
}
