package workers

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
)

// Periodic is one row of the periodic task table.
type Periodic struct {
	Name     string
	Interval time.Duration
	// Build makes the task for the slot starting at slotStart; its task ID
	// must contain the slot.
	Build func(slotStart time.Time) (*asynq.Task, error)
}

// Enqueuer is the part of asynq.Client the scheduler uses.
type Enqueuer interface {
	EnqueueContext(ctx context.Context, task *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error)
}

// Scheduler enqueues each periodic task once per time slot. asynq's own
// Scheduler enqueues a fixed task, which cannot carry the slot in its ID;
// this loop can, so any number of workers may run it side by side.
type Scheduler struct {
	Client Enqueuer
	Tasks  []Periodic
	Log    *slog.Logger
	Now    func() time.Time
	// Tick is how often the current slot is (re-)enqueued. Default 15s.
	Tick time.Duration
}

// Run enqueues the current slot at once, then on every tick, until ctx ends.
func (s *Scheduler) Run(ctx context.Context) {
	tick := s.Tick
	if tick <= 0 {
		tick = 15 * time.Second
	}
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	for {
		s.EnqueueDue(ctx)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// EnqueueDue enqueues the current slot of every periodic task; a slot
// already enqueued by anyone is left alone.
func (s *Scheduler) EnqueueDue(ctx context.Context) {
	for _, p := range s.Tasks {
		slot := s.Now().Truncate(p.Interval)
		task, err := p.Build(slot)
		if err != nil {
			s.Log.Error("build periodic task", "task", p.Name, "error", err)
			continue
		}
		info, err := s.Client.EnqueueContext(ctx, task)
		switch {
		case errors.Is(err, asynq.ErrTaskIDConflict), errors.Is(err, asynq.ErrDuplicateTask):
			continue
		case err != nil:
			s.Log.Error("enqueue periodic task", "task", p.Name, "slot", slot, "error", err)
		default:
			s.Log.Info("periodic task enqueued", "task", p.Name, "task_id", info.ID, "slot", slot)
		}
	}
}
