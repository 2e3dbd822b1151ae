// Package testenv builds real components for tests: Redis and a migrated
// database (real servers when TEST_REDIS_URL and TEST_DATABASE_URL name
// them, otherwise an in-process Redis and a SQLite file), the sandbox
// providers over HTTP, and the product wired against them.
package testenv

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/evosync/evosync/internal/db"
)

// redisDatabases is how many logical databases a real Redis offers by
// default; database 0 is left to the developer.
const redisDatabases = 16

// RedisURL returns the URL of an empty Redis database for the test. With
// TEST_REDIS_URL set, each test takes the next logical database of that
// server in turn (tests of different packages run at the same time) and
// flushes it; otherwise it gets its own in-process Redis, returned as mr.
func RedisURL(t testing.TB) (string, *miniredis.Miniredis) {
	t.Helper()
	base := os.Getenv("TEST_REDIS_URL")
	if base == "" {
		mr := miniredis.RunT(t)
		return "redis://" + mr.Addr(), mr
	}
	opts, err := redis.ParseURL(base)
	if err != nil {
		t.Fatalf("TEST_REDIS_URL: %v", err)
	}
	ctx := context.Background()
	counter := redis.NewClient(opts)
	defer counter.Close()
	n, err := counter.Incr(ctx, "evosync:test:next_db").Result()
	if err != nil {
		t.Fatalf("reach the Redis at TEST_REDIS_URL: %v", err)
	}
	opts.DB = 1 + int(n%(redisDatabases-1))
	client := redis.NewClient(opts)
	defer client.Close()
	if err := client.FlushDB(ctx).Err(); err != nil {
		t.Fatalf("flush Redis database %d: %v", opts.DB, err)
	}
	u, _ := url.Parse(base)
	u.Path = fmt.Sprintf("/%d", opts.DB)
	return u.String(), nil
}

// DatabaseURL returns the URL of a new, migrated database for the test:
// a fresh PostgreSQL database on the server at TEST_DATABASE_URL, dropped
// at the end, or a SQLite file in the test's temporary directory.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	rawURL := EmptyDatabaseURL(t)
	d, err := db.Open(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Migrate(context.Background(), Logger(t)); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
	return rawURL
}

// EmptyDatabaseURL is DatabaseURL without the migrations.
func EmptyDatabaseURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		return "sqlite://" + filepath.Join(t.TempDir(), "test.db")
	}
	admin, err := db.Open(base)
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	defer admin.Close()
	name := fmt.Sprintf("evosync_test_%d", rand.Uint64())
	if _, err := admin.SQL.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := db.Open(base)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.SQL.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, _ := url.Parse(base)
	u.Path = "/" + name
	return u.String()
}

// UsesPostgres reports whether tests run against PostgreSQL.
func UsesPostgres() bool {
	return strings.HasPrefix(os.Getenv("TEST_DATABASE_URL"), "postgres")
}

// Logger writes to the test log when -v is given, and nowhere otherwise.
func Logger(t testing.TB) *slog.Logger {
	if !testing.Verbose() {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	w := &testWriter{t: t}
	t.Cleanup(func() { w.done.Store(true) })
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// testWriter drops lines written after the test ended, which background
// goroutines may do and which t.Log would turn into a panic.
type testWriter struct {
	t    testing.TB
	done atomic.Bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	if !w.done.Load() {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}
