package workers_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/evosync/evosync/internal/testenv"
	"github.com/evosync/evosync/workers"
)

func newScheduler(e *testenv.Env) *workers.Scheduler {
	return &workers.Scheduler{
		Client: e.App.Queue,
		Tasks:  e.App.PeriodicTasks(),
		Log:    testenv.Logger(e.T),
		Now:    e.Clock.Now,
	}
}

func sweepTasks(t *testing.T, e *testenv.Env) []*asynq.TaskInfo {
	t.Helper()
	tasks, err := e.Inspector().ListPendingTasks(workers.QueueHealth)
	if err != nil && !errors.Is(err, asynq.ErrQueueNotFound) {
		t.Fatal(err)
	}
	return tasks
}

func TestSchedulersEnqueueEachSlotOnce(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	first, second := newScheduler(e), newScheduler(e)
	ctx := context.Background()

	first.EnqueueDue(ctx)
	second.EnqueueDue(ctx)
	e.Clock.Advance(time.Minute)
	first.EnqueueDue(ctx)

	tasks := sweepTasks(t, e)
	if len(tasks) != 1 {
		t.Fatalf("pending sweeps = %d, want 1", len(tasks))
	}
	slot := e.Clock.Now().Truncate(10 * time.Minute)
	if tasks[0].ID != workers.SweepTaskID(slot) {
		t.Errorf("task id = %q, want %q", tasks[0].ID, workers.SweepTaskID(slot))
	}

	e.Clock.Advance(10 * time.Minute)
	second.EnqueueDue(ctx)
	if n := len(sweepTasks(t, e)); n != 2 {
		t.Errorf("pending sweeps after the next slot began = %d, want 2", n)
	}
}

func TestFailedSlotDoesNotBlockNext(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	s := newScheduler(e)
	ctx := context.Background()
	s.EnqueueDue(ctx)
	insp := e.Inspector()
	tasks := sweepTasks(t, e)
	if len(tasks) != 1 {
		t.Fatalf("pending sweeps = %d", len(tasks))
	}
	if err := insp.ArchiveTask(workers.QueueHealth, tasks[0].ID); err != nil {
		t.Fatal(err)
	}

	e.Clock.Advance(10 * time.Minute)
	s.EnqueueDue(ctx)

	if n := len(sweepTasks(t, e)); n != 1 {
		t.Errorf("pending sweeps after a failed slot = %d, want 1", n)
	}
}

func TestSweepTaskIDContainsSlot(t *testing.T) {
	slot := time.Date(2026, 12, 4, 12, 10, 0, 0, time.UTC)

	task, err := workers.NewSweepTask(slot, 10*time.Minute)

	if err != nil {
		t.Fatal(err)
	}
	if got, want := workers.SweepTaskID(slot), "health:sweep:1796386200"; got != want {
		t.Errorf("SweepTaskID = %q, want %q", got, want)
	}
	if task.Type() != workers.TypeHealthSweep {
		t.Errorf("type = %q", task.Type())
	}
}
