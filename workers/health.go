package workers

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"github.com/evosync/evosync/internal/health"
)

// HealthHandlers runs the health-check tasks.
type HealthHandlers struct {
	Health *health.Service
	Log    *slog.Logger
}

// HandleSweep checks every connection due in the task's slot.
func (h *HealthHandlers) HandleSweep(ctx context.Context, task *asynq.Task) error {
	var p SweepPayload
	if err := json.Unmarshal(task.Payload(), &p); err != nil {
		return fmt.Errorf("decode sweep payload: %v: %w", err, asynq.SkipRetry)
	}
	taskID, _ := asynq.GetTaskID(ctx)
	log := h.Log.With("task_id", taskID, "slot", p.SlotStart)
	log.Info("health sweep started")
	started := time.Now()

	stats, err := h.Health.Sweep(ctx, p.SlotStart)
	attrs := []any{"checked", stats.Checked, "online", stats.Online, "offline", stats.Offline,
		"inconclusive", stats.Inconclusive, "duration", time.Since(started).Round(time.Millisecond)}
	if err != nil {
		log.Warn("health sweep stopped", append(attrs, "error", err)...)
		return fmt.Errorf("health sweep: %w", err)
	}
	log.Info("health sweep finished", attrs...)
	return nil
}

// HandleCheck checks one connection.
func (h *HealthHandlers) HandleCheck(ctx context.Context, task *asynq.Task) error {
	var p CheckPayload
	if err := json.Unmarshal(task.Payload(), &p); err != nil {
		return fmt.Errorf("decode check payload: %v: %w", err, asynq.SkipRetry)
	}
	if _, err := h.Health.CheckByID(ctx, p.ConnectionID); err != nil {
		return fmt.Errorf("check connection %d: %w", p.ConnectionID, err)
	}
	return nil
}

// Register adds the handlers to a mux.
func (h *HealthHandlers) Register(mux *asynq.ServeMux) {
	mux.HandleFunc(TypeHealthSweep, h.HandleSweep)
	mux.HandleFunc(TypeHealthCheck, h.HandleCheck)
}
