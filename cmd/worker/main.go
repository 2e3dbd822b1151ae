// Command worker is the worker process: the asynq task server and the
// scheduler that enqueues the periodic health checks.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/evosync/evosync/internal/app"
	"github.com/evosync/evosync/internal/config"
)

func main() {
	cfg, err := config.Load()
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(2)
	}
	log := app.NewLogger(cfg.LogLevel)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	if err := run(ctx, cfg); err != nil {
		log.Error("worker process failed", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg *config.Config) error {
	a, err := app.New(ctx, cfg, app.NewLogger(cfg.LogLevel))
	if err != nil {
		return err
	}
	defer a.Close()
	return a.RunWorker(ctx)
}
