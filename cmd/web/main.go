// Command web is the web process: pages, htmx fragments and OAuth flows.
// It enqueues tasks but never consumes them.
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
		fmt.Fprintln(os.Stderr, "web:", err)
		os.Exit(2)
	}
	log := app.NewLogger(cfg.LogLevel)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	if err := run(ctx, cfg); err != nil {
		log.Error("web process failed", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg *config.Config) error {
	a, err := app.New(ctx, cfg, app.NewLogger(cfg.LogLevel))
	if err != nil {
		return err
	}
	defer a.Close()
	return a.RunWeb(ctx)
}
