package db

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strings"

	"entgo.io/ent/dialect"

	"github.com/evosync/evosync/ent/migrate"
)

// migrationLockID is the PostgreSQL advisory lock that keeps two release
// processes from applying migrations at the same time.
const migrationLockID = 727_001

// Migration is one versioned migration file.
type Migration struct {
	Version string // the file name without ".sql", e.g. "20261204160000_init"
	SQL     string
}

// Migrations lists the embedded migrations of a dialect in version order.
func Migrations(dialectName string) ([]Migration, error) {
	dir := path.Join("migrations", dirFor(dialectName))
	entries, err := fs.ReadDir(migrate.Files, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations for %s: %w", dialectName, err)
	}
	var out []Migration
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		body, err := fs.ReadFile(migrate.Files, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		out = append(out, Migration{Version: strings.TrimSuffix(e.Name(), ".sql"), SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

func dirFor(dialectName string) string {
	if dialectName == dialect.Postgres {
		return "postgres"
	}
	return "sqlite"
}

// Migrate applies every embedded migration that the database has not seen,
// each in its own transaction, and returns the versions it applied.
func (d *DB) Migrate(ctx context.Context, log *slog.Logger) ([]string, error) {
	all, err := Migrations(d.Dialect)
	if err != nil {
		return nil, err
	}
	return d.MigrateTo(ctx, log, all)
}

// MigrateTo applies the given migrations that are not yet recorded.
func (d *DB) MigrateTo(ctx context.Context, log *slog.Logger, migrations []Migration) ([]string, error) {
	conn, err := d.SQL.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect for migrations: %w", err)
	}
	defer conn.Close()

	if d.Dialect == dialect.Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockID); err != nil {
			return nil, fmt.Errorf("take migration lock: %w", err)
		}
		defer conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", migrationLockID)
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version VARCHAR(255) PRIMARY KEY,
		applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)`); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	applied, err := appliedVersions(ctx, conn)
	if err != nil {
		return nil, err
	}

	var done []string
	for _, m := range migrations {
		if applied[m.Version] {
			continue
		}
		if err := d.apply(ctx, conn, m); err != nil {
			return done, err
		}
		log.Info("migration applied", "version", m.Version)
		done = append(done, m.Version)
	}
	return done, nil
}

func appliedVersions(ctx context.Context, conn *sql.Conn) (map[string]bool, error) {
	rows, err := conn.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	applied := map[string]bool{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("read schema_migrations: %w", err)
		}
		applied[v] = true
	}
	return applied, rows.Err()
}

func (d *DB) apply(ctx context.Context, conn *sql.Conn, m Migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin migration %s: %w", m.Version, err)
	}
	defer tx.Rollback()

	for i, stmt := range splitStatements(m.SQL) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("migration %s, statement %d: %w", m.Version, i+1, err)
		}
	}
	insert := "INSERT INTO schema_migrations (version) VALUES (?)"
	if d.Dialect == dialect.Postgres {
		insert = "INSERT INTO schema_migrations (version) VALUES ($1)"
	}
	if _, err := tx.ExecContext(ctx, insert, m.Version); err != nil {
		return fmt.Errorf("record migration %s: %w", m.Version, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit migration %s: %w", m.Version, err)
	}
	return nil
}

// splitStatements splits an Atlas-formatted migration file into statements.
// Atlas writes one statement per line, each ending in ";", with "--"
// comment lines between them; a statement may span lines, so lines are
// joined until one ends with ";".
func splitStatements(body string) []string {
	var stmts []string
	var cur strings.Builder
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(make([]byte, 1024*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "--")) {
			continue
		}
		cur.WriteString(sc.Text())
		cur.WriteString("\n")
		if strings.HasSuffix(line, ";") {
			stmts = append(stmts, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		stmts = append(stmts, s)
	}
	return stmts
}
