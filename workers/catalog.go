package workers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"github.com/evosync/evosync/ent"
	"github.com/evosync/evosync/internal/catalogsync"
)

// Catalog sync task types.
const (
	// TypeCatalogSync runs one catalog sync run.
	TypeCatalogSync = "catalog:sync"
	// TypeCatalogSchedule queues a scheduled run for every user who turned
	// scheduled syncs on, once per time slot.
	TypeCatalogSchedule = "catalog:schedule"
)

const (
	// catalogSyncTimeout bounds one attempt of a run. A first sync of a few
	// thousand products takes tens of minutes at VK's 3 requests per second.
	catalogSyncTimeout = 2 * time.Hour
	// catalogSyncMaxRetry is how often a run stopped by a temporary failure
	// is tried again; each attempt continues where the last one stopped.
	catalogSyncMaxRetry = 3
	// catalogSyncRetention keeps a finished task, so its ID blocks a second
	// enqueue of the same run for a day.
	catalogSyncRetention = 24 * time.Hour
	// abandonTimeout bounds marking a run failed after the last attempt.
	abandonTimeout = 10 * time.Second
)

// CatalogSyncPayload names the run to execute.
type CatalogSyncPayload struct {
	RunID int `json:"run_id"`
}

// CatalogSchedulePayload names the slot a schedule task belongs to.
type CatalogSchedulePayload struct {
	SlotStart time.Time `json:"slot_start"`
}

// CatalogSyncTaskID makes one task ID per run, so a run is queued once.
func CatalogSyncTaskID(runID int) string {
	return fmt.Sprintf("%s:%d", TypeCatalogSync, runID)
}

// NewCatalogSyncTask builds the task that executes a run created with
// catalogsync.Service.CreateRun.
func NewCatalogSyncTask(runID int) (*asynq.Task, error) {
	payload, err := json.Marshal(CatalogSyncPayload{RunID: runID})
	if err != nil {
		return nil, fmt.Errorf("encode catalog sync payload: %w", err)
	}
	return asynq.NewTask(TypeCatalogSync, payload,
		asynq.TaskID(CatalogSyncTaskID(runID)),
		asynq.Queue(QueueDefault),
		asynq.Timeout(catalogSyncTimeout),
		asynq.MaxRetry(catalogSyncMaxRetry),
		asynq.Retention(catalogSyncRetention),
	), nil
}

// CatalogScheduleTaskID makes one task ID per slot.
func CatalogScheduleTaskID(slotStart time.Time) string {
	return fmt.Sprintf("%s:%d", TypeCatalogSchedule, slotStart.Unix())
}

// NewCatalogScheduleTask builds the schedule task of the slot that starts
// at slotStart. Like the health sweep, it is kept for two intervals so its
// ID blocks duplicates from other schedulers.
func NewCatalogScheduleTask(slotStart time.Time, interval time.Duration) (*asynq.Task, error) {
	payload, err := json.Marshal(CatalogSchedulePayload{SlotStart: slotStart.UTC()})
	if err != nil {
		return nil, fmt.Errorf("encode catalog schedule payload: %w", err)
	}
	return asynq.NewTask(TypeCatalogSchedule, payload,
		asynq.TaskID(CatalogScheduleTaskID(slotStart)),
		asynq.Queue(QueueDefault),
		asynq.Timeout(interval),
		asynq.MaxRetry(3),
		asynq.Retention(2*interval),
	), nil
}

// CatalogSchedule is the row of the periodic task table that queues
// scheduled syncs every interval (SYNC_INTERVAL).
func CatalogSchedule(interval time.Duration) Periodic {
	return Periodic{
		Name:     TypeCatalogSchedule,
		Interval: interval,
		Build: func(slotStart time.Time) (*asynq.Task, error) {
			return NewCatalogScheduleTask(slotStart, interval)
		},
	}
}

// CatalogHandlers runs the catalog sync tasks.
type CatalogHandlers struct {
	Sync *catalogsync.Service
	// Queue enqueues the runs the schedule task creates.
	Queue Enqueuer
	Log   *slog.Logger
}

// HandleSync executes one run. A run stopped by a temporary failure returns
// the error, so asynq tries again and the next attempt continues the run.
// When the last attempt fails, the run is marked failed.
func (h *CatalogHandlers) HandleSync(ctx context.Context, task *asynq.Task) error {
	var p CatalogSyncPayload
	if err := json.Unmarshal(task.Payload(), &p); err != nil {
		return fmt.Errorf("decode catalog sync payload: %v: %w", err, asynq.SkipRetry)
	}
	err := h.Sync.Execute(ctx, p.RunID)
	if err == nil {
		return nil
	}
	if ent.IsNotFound(err) {
		return fmt.Errorf("catalog sync run %d: %v: %w", p.RunID, err, asynq.SkipRetry)
	}

	retried, knownRetried := asynq.GetRetryCount(ctx)
	maxRetry, knownMax := asynq.GetMaxRetry(ctx)
	// A worker shutting down cancels ctx and asynq queues the task again
	// without counting an attempt, so the run stays open for it.
	shuttingDown := errors.Is(ctx.Err(), context.Canceled)
	if knownRetried && knownMax && retried >= maxRetry && !shuttingDown {
		abandonCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abandonTimeout)
		defer cancel()
		if abandonErr := h.Sync.Abandon(abandonCtx, p.RunID, err); abandonErr != nil {
			h.Log.Error("mark catalog sync run failed", "run_id", p.RunID, "error", abandonErr)
		}
	}
	// Execute's error names the run already.
	return err
}

// HandleSchedule creates and enqueues a scheduled run for every user who
// turned scheduled syncs on and has no run in progress.
func (h *CatalogHandlers) HandleSchedule(ctx context.Context, task *asynq.Task) error {
	var p CatalogSchedulePayload
	if err := json.Unmarshal(task.Payload(), &p); err != nil {
		return fmt.Errorf("decode catalog schedule payload: %v: %w", err, asynq.SkipRetry)
	}
	taskID, _ := asynq.GetTaskID(ctx)
	log := h.Log.With("task_id", taskID, "slot", p.SlotStart)

	stats, err := h.Sync.ScheduleRuns(ctx, p.SlotStart, h.enqueueRun)
	attrs := []any{"queued", stats.Queued, "in_progress", stats.InProgress,
		"already_queued", stats.Done, "failed", stats.Failed}
	if err != nil {
		log.Warn("catalog schedule stopped", append(attrs, "error", err)...)
		return fmt.Errorf("catalog schedule: %w", err)
	}
	log.Info("catalog schedule finished", attrs...)
	return nil
}

// enqueueRun enqueues the task of a run; a task already queued for the run
// is fine.
func (h *CatalogHandlers) enqueueRun(ctx context.Context, runID int) error {
	task, err := NewCatalogSyncTask(runID)
	if err != nil {
		return err
	}
	_, err = h.Queue.EnqueueContext(ctx, task)
	if errors.Is(err, asynq.ErrTaskIDConflict) || errors.Is(err, asynq.ErrDuplicateTask) {
		return nil
	}
	return err
}

// Register adds the handlers to a mux.
func (h *CatalogHandlers) Register(mux *asynq.ServeMux) {
	mux.HandleFunc(TypeCatalogSync, h.HandleSync)
	mux.HandleFunc(TypeCatalogSchedule, h.HandleSchedule)
	mux.HandleFunc(TypeCatalogResume, h.HandleResume)
}
