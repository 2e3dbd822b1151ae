package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"github.com/evosync/evosync/workers"
)

// taskShutdownTimeout is how long running tasks get to finish after
// SIGTERM before asynq puts them back in the queue.
const taskShutdownTimeout = 20 * time.Second

// PeriodicTasks is the table of tasks the scheduler enqueues.
func (a *App) PeriodicTasks() []workers.Periodic {
	interval := a.Config.HealthCheckInterval
	return []workers.Periodic{
		{
			Name:     workers.TypeHealthSweep,
			Interval: interval,
			Build: func(slot time.Time) (*asynq.Task, error) {
				return workers.NewSweepTask(slot, interval)
			},
		},
		workers.CatalogSchedule(a.Config.SyncInterval),
		workers.CatalogResume(),
	}
}

// RunWorker runs the asynq server and the scheduler until ctx ends, then
// lets running tasks finish or re-queues them, and returns nil.
func (a *App) RunWorker(ctx context.Context) error {
	srv := asynq.NewServer(a.RedisOpts.Asynq(), asynq.Config{
		Concurrency:     a.Config.WorkerConcurrency,
		Queues:          workers.Queues,
		ShutdownTimeout: taskShutdownTimeout,
		Logger:          asynqLogger{a.Log.With("component", "asynq")},
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, task *asynq.Task, err error) {
			id, _ := asynq.GetTaskID(ctx)
			a.Log.Error("task failed", "task_type", task.Type(), "task_id", id, "error", err)
		}),
	})
	mux := asynq.NewServeMux()
	(&workers.HealthHandlers{Health: a.Health, Log: a.Log}).Register(mux)
	(&workers.CatalogHandlers{Sync: a.Sync, Queue: a.Queue, Log: a.Log}).Register(mux)
	if err := srv.Start(mux); err != nil {
		return fmt.Errorf("start task server: %w", err)
	}

	sched := &workers.Scheduler{Client: a.Queue, Tasks: a.PeriodicTasks(), Log: a.Log, Now: a.Now, Tick: a.SchedulerTick}
	schedCtx, stopSched := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { sched.Run(schedCtx); close(done) }()
	a.Log.Info("worker started", "concurrency", a.Config.WorkerConcurrency,
		"health_check_interval", a.Config.HealthCheckInterval.String())

	<-ctx.Done()
	stopSched()
	<-done
	a.Log.Info("worker stopping", "timeout", taskShutdownTimeout.String())
	srv.Shutdown()
	a.Log.Info("worker stopped")
	return nil
}

// asynqLogger routes asynq's own log lines to slog.
type asynqLogger struct{ log *slog.Logger }

func (l asynqLogger) Debug(args ...any) { l.log.Debug(fmt.Sprint(args...)) }
func (l asynqLogger) Info(args ...any)  { l.log.Info(fmt.Sprint(args...)) }
func (l asynqLogger) Warn(args ...any)  { l.log.Warn(fmt.Sprint(args...)) }
func (l asynqLogger) Error(args ...any) { l.log.Error(fmt.Sprint(args...)) }
func (l asynqLogger) Fatal(args ...any) { l.log.Error(fmt.Sprint(args...)) }
