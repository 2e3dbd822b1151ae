// Package db opens the database named by DATABASE_URL and applies the
// versioned migrations kept in ent/migrate/migrations.
package db

import (
	"database/sql"
	"fmt"
	"net/url"
	"strings"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the pure-Go "sqlite" driver

	"github.com/evosync/evosync/ent"
)

// DB is an open database with its dialect.
type DB struct {
	SQL     *sql.DB
	Dialect string // dialect.Postgres or dialect.SQLite
}

// Open connects to a `postgres://` or `sqlite://PATH` URL. A SQLite URL may
// name `:memory:` for a private in-memory database.
func Open(rawURL string) (*DB, error) {
	switch {
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		sqlDB, err := sql.Open("pgx", rawURL)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB.SetMaxOpenConns(20)
		return &DB{SQL: sqlDB, Dialect: dialect.Postgres}, nil
	case strings.HasPrefix(rawURL, "sqlite://"):
		return openSQLite(strings.TrimPrefix(rawURL, "sqlite://"))
	default:
		return nil, fmt.Errorf("DATABASE_URL must start with postgres:// or sqlite://, got %s", describeScheme(rawURL))
	}
}

func openSQLite(path string) (*DB, error) {
	if path == "" {
		return nil, fmt.Errorf("DATABASE_URL sqlite:// needs a file path, e.g. sqlite://evosync.db")
	}
	dsn := "file:" + path + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)"
	if path != ":memory:" {
		dsn += "&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	}
	sqlDB, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// An in-memory database lives in one connection. A file in WAL mode
	// takes concurrent readers and one writer at a time; busy_timeout makes
	// a second writer wait instead of failing with SQLITE_BUSY.
	if path == ":memory:" {
		sqlDB.SetMaxOpenConns(1)
	} else {
		sqlDB.SetMaxOpenConns(4)
	}
	return &DB{SQL: sqlDB, Dialect: dialect.SQLite}, nil
}

// Ent returns an ent client on the database.
func (d *DB) Ent() *ent.Client {
	return ent.NewClient(ent.Driver(entsql.OpenDB(d.Dialect, d.SQL)))
}

// Close closes the underlying connection pool.
func (d *DB) Close() error {
	return d.SQL.Close()
}

// describeScheme returns only the scheme of a URL for use in an error,
// because the user info, the query or a keyword/value DSN such as
// "host=db password=…" may contain a password.
func describeScheme(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" {
		return "a value without a URL scheme"
	}
	// url.Parse lower-cases the scheme, so the original spelling is cut from
	// the input to show why, for example, "Postgres://" is rejected.
	return fmt.Sprintf("scheme %q", rawURL[:len(u.Scheme)])
}
