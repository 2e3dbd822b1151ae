package workers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/evosync/evosync/ent/syncrun"
)

// TypeCatalogResume queues again every open run whose task is gone, for
// example because Redis lost its data or a task was deleted by hand.
const TypeCatalogResume = "catalog:resume"

// resumeInterval is how often open runs are checked for a missing task.
const resumeInterval = time.Minute

// CatalogResume is the row of the periodic task table that re-queues
// orphaned runs.
func CatalogResume() Periodic {
	return Periodic{
		Name:     TypeCatalogResume,
		Interval: resumeInterval,
		Build: func(slotStart time.Time) (*asynq.Task, error) {
			return asynq.NewTask(TypeCatalogResume, nil,
				asynq.TaskID(fmt.Sprintf("%s:%d", TypeCatalogResume, slotStart.Unix())),
				asynq.Queue(QueueDefault),
				asynq.Timeout(resumeInterval),
				asynq.MaxRetry(0),
				asynq.Retention(2*resumeInterval),
			), nil
		},
	}
}

// HandleResume enqueues the task of every queued or running run. A run
// whose task still exists keeps it, because the task ID is derived from
// the run and the enqueue then conflicts.
func (h *CatalogHandlers) HandleResume(ctx context.Context, _ *asynq.Task) error {
	runs, err := h.Sync.DB.SyncRun.Query().
		Where(syncrun.StatusIn(syncrun.StatusQueued, syncrun.StatusRunning)).
		IDs(ctx)
	if err != nil {
		return fmt.Errorf("list open catalog sync runs: %w", err)
	}
	for _, id := range runs {
		task, err := NewCatalogSyncTask(id)
		if err != nil {
			return err
		}
		_, err = h.Queue.EnqueueContext(ctx, task)
		switch {
		case errors.Is(err, asynq.ErrTaskIDConflict):
		case err != nil:
			h.Log.Error("re-queue catalog sync run", "run_id", id, "error", err)
		default:
			h.Log.Warn("catalog sync run had no task; queued it again", "run_id", id)
		}
	}
	return nil
}
