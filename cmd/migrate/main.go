// Command migrate applies the database migrations (the Procfile's release
// process). `migrate diff NAME` writes new migrations for both dialects from
// the ent schema; it needs MIGRATE_DEV_POSTGRES_URL naming an empty
// PostgreSQL database to plan against.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/evosync/evosync/internal/db"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	var err error
	if len(os.Args) > 1 && os.Args[1] == "diff" {
		err = runDiff(ctx, os.Args[2:])
	} else {
		err = runUp(ctx, log)
	}
	if err != nil {
		log.Error("migrate failed", "error", err)
		os.Exit(1)
	}
}

func runUp(ctx context.Context, log *slog.Logger) error {
	url := os.Getenv("DATABASE_URL")
	if url == "" {
		return fmt.Errorf("missing required environment variable DATABASE_URL")
	}
	database, err := db.Open(url)
	if err != nil {
		return err
	}
	defer database.Close()

	applied, err := database.Migrate(ctx, log)
	if err != nil {
		return err
	}
	log.Info("database is up to date", "applied", len(applied))
	return nil
}
