package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"

	"github.com/evosync/evosync/ent/migrate"
	"github.com/evosync/evosync/internal/db"
)

// runDiff plans the migration from the current migration directory to the
// ent schema, once per dialect, against an empty development database.
func runDiff(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: migrate diff NAME")
	}
	name := args[0]

	sqliteDB, err := db.Open("sqlite://:memory:")
	if err != nil {
		return err
	}
	defer sqliteDB.Close()
	if err := diffDialect(ctx, sqliteDB.SQL, dialect.SQLite, "ent/migrate/migrations/sqlite", name); err != nil {
		return err
	}

	pgURL := os.Getenv("MIGRATE_DEV_POSTGRES_URL")
	if pgURL == "" {
		return fmt.Errorf("set MIGRATE_DEV_POSTGRES_URL to an empty PostgreSQL database to plan the postgres migration")
	}
	pgDB, err := db.Open(pgURL)
	if err != nil {
		return err
	}
	defer pgDB.Close()
	return diffDialect(ctx, pgDB.SQL, dialect.Postgres, "ent/migrate/migrations/postgres", name)
}

func diffDialect(ctx context.Context, sqlDB *sql.DB, dialectName, dirPath, name string) error {
	dir, err := atlasmigrate.NewLocalDir(dirPath)
	if err != nil {
		return fmt.Errorf("open %s: %w", dirPath, err)
	}
	m, err := schema.NewMigrate(entsql.OpenDB(dialectName, sqlDB),
		schema.WithDir(dir),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithDialect(dialectName),
		schema.WithFormatter(atlasmigrate.DefaultFormatter),
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
	)
	if err != nil {
		return fmt.Errorf("plan %s migration: %w", dialectName, err)
	}
	if err := m.NamedDiff(ctx, name, migrate.Tables...); err != nil {
		return fmt.Errorf("write %s migration: %w", dialectName, err)
	}
	return nil
}
