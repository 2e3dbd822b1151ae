package db_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/go-cmp/cmp"

	"github.com/evosync/evosync/ent"
	"github.com/evosync/evosync/ent/connection"
	"github.com/evosync/evosync/internal/db"
	"github.com/evosync/evosync/internal/testenv"
)

func TestMigrationsList(t *testing.T) {
	for _, dialectName := range []string{dialect.SQLite, dialect.Postgres} {
		t.Run(dialectName, func(t *testing.T) {
			migrations, err := db.Migrations(dialectName)
			if err != nil {
				t.Fatalf("Migrations: %v", err)
			}

			if len(migrations) == 0 {
				t.Fatal("no embedded migrations")
			}
			versions := versionsOf(migrations)
			if !slices.IsSorted(versions) {
				t.Errorf("versions are not in order: %v", versions)
			}
			for _, m := range migrations {
				if strings.TrimSpace(m.SQL) == "" {
					t.Errorf("migration %s is empty", m.Version)
				}
				if strings.HasSuffix(m.Version, ".sql") {
					t.Errorf("version %q keeps the .sql suffix", m.Version)
				}
			}
		})
	}
}

func TestMigrationsSameVersions(t *testing.T) {
	sqlite, err := db.Migrations(dialect.SQLite)
	if err != nil {
		t.Fatalf("Migrations(sqlite): %v", err)
	}
	postgres, err := db.Migrations(dialect.Postgres)
	if err != nil {
		t.Fatalf("Migrations(postgres): %v", err)
	}

	if diff := cmp.Diff(versionsOf(sqlite), versionsOf(postgres)); diff != "" {
		t.Errorf("SQLite and PostgreSQL migration versions differ (-sqlite +postgres):\n%s", diff)
	}
}

func TestMigrateIdempotent(t *testing.T) {
	ctx := context.Background()
	d := openEmpty(t)
	all, err := db.Migrations(d.Dialect)
	if err != nil {
		t.Fatalf("Migrations: %v", err)
	}

	first, err := d.Migrate(ctx, testenv.Logger(t))
	if err != nil {
		t.Fatalf("first Migrate: %v", err)
	}
	second, err := d.Migrate(ctx, testenv.Logger(t))
	if err != nil {
		t.Fatalf("second Migrate: %v", err)
	}

	if diff := cmp.Diff(versionsOf(all), first); diff != "" {
		t.Errorf("first Migrate applied (-want +got):\n%s", diff)
	}
	if len(second) != 0 {
		t.Errorf("second Migrate applied %v, want nothing", second)
	}
	if diff := cmp.Diff(versionsOf(all), recordedVersions(t, d)); diff != "" {
		t.Errorf("schema_migrations (-want +got):\n%s", diff)
	}
}

func TestMigrateFailedMigration(t *testing.T) {
	ctx := context.Background()
	d := openEmpty(t)
	broken := db.Migration{
		Version: "20990101000000_broken",
		SQL:     "CREATE TABLE half_done (id integer);\nTHIS IS NOT SQL;\n",
	}

	applied, err := d.MigrateTo(ctx, testenv.Logger(t), []db.Migration{broken})

	if err == nil {
		t.Fatal("MigrateTo returned no error for a broken migration")
	}
	if !strings.Contains(err.Error(), broken.Version) {
		t.Errorf("error %q does not name the migration %s", err, broken.Version)
	}
	if !strings.Contains(err.Error(), "statement 2") {
		t.Errorf("error %q does not name statement 2", err)
	}
	if len(applied) != 0 {
		t.Errorf("MigrateTo reported %v as applied", applied)
	}
	if tableExists(t, d, "half_done") {
		t.Error("table half_done exists, want the migration rolled back")
	}
	if recorded := recordedVersions(t, d); len(recorded) != 0 {
		t.Errorf("schema_migrations = %v, want empty", recorded)
	}
}

func TestMigrateConcurrent(t *testing.T) {
	if !testenv.UsesPostgres() {
		t.Skip("only PostgreSQL takes a migration lock; set TEST_DATABASE_URL to run")
	}
	ctx := context.Background()
	url := testenv.EmptyDatabaseURL(t)
	all, err := db.Migrations(dialect.Postgres)
	if err != nil {
		t.Fatalf("Migrations: %v", err)
	}

	const processes = 4
	results := make([][]string, processes)
	errs := make([]error, processes)
	var wg sync.WaitGroup
	for i := range processes {
		wg.Go(func() {
			d, err := db.Open(url)
			if err != nil {
				errs[i] = err
				return
			}
			defer d.Close()
			results[i], errs[i] = d.Migrate(ctx, testenv.Logger(t))
		})
	}
	wg.Wait()

	var appliedTotal []string
	for i := range processes {
		if errs[i] != nil {
			t.Errorf("process %d: %v", i, errs[i])
		}
		appliedTotal = append(appliedTotal, results[i]...)
	}
	slices.Sort(appliedTotal)
	if diff := cmp.Diff(versionsOf(all), appliedTotal); diff != "" {
		t.Errorf("versions applied by all processes together (-want +got):\n%s", diff)
	}
}

// seededConnection is a connection row inserted with raw SQL before the
// later migrations run.
type seededConnection struct {
	Email       string
	Provider    string
	AccountID   string
	AccessToken []byte
	FirstName   string
	StoreNames  []string
	IsOnline    *bool
	ConnectedAt time.Time
}

var seedTime = time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)

// seedConnections are three connections of two users, because the unique
// index on (user_id, provider) allows one connection per provider and user.
var seedConnections = []seededConnection{
	{
		Email: "owner-one@example.test", Provider: "vk", AccountID: "424242",
		AccessToken: []byte{0x01, 0x00, 0xff, 0x10, 0x20}, FirstName: "Иван",
		IsOnline: ptr(true), ConnectedAt: seedTime,
	},
	{
		Email: "owner-one@example.test", Provider: "evotor", AccountID: "01-000000000000001",
		AccessToken: []byte{0x01, 0xde, 0xad, 0xbe, 0xef}, StoreNames: []string{"Магазин на Ленина", "Склад"},
		IsOnline: ptr(false), ConnectedAt: seedTime.Add(time.Hour),
	},
	{
		Email: "owner-two@example.test", Provider: "vk", AccountID: "424243",
		AccessToken: []byte{0x01, 0x02, 0x03}, ConnectedAt: seedTime.Add(2 * time.Hour),
	},
}

func TestMigrateSeededDatabase(t *testing.T) {
	d := openEmpty(t)
	migrations, err := db.Migrations(d.Dialect)
	if err != nil {
		t.Fatalf("Migrations: %v", err)
	}

	if err := migrateSeeded(t, d, migrations); err != nil {
		t.Fatal(err)
	}

	checkSeededRows(t, d)
}

// TestMigrateSeededHarness makes sure migrateSeeded runs later migrations
// on rows. PostgreSQL cannot add a NOT NULL column without a default to a
// table that has rows (SQLite never can), and a default fills those rows.
func TestMigrateSeededHarness(t *testing.T) {
	tests := []struct {
		name    string
		sql     string
		wantErr bool
	}{
		{
			name:    "not null without default",
			sql:     "ALTER TABLE connections ADD COLUMN region varchar(16) NOT NULL;\n",
			wantErr: true,
		},
		{
			name: "not null with default",
			sql:  "ALTER TABLE connections ADD COLUMN region varchar(16) NOT NULL DEFAULT 'ru';\n",
		},
		{
			name: "nullable",
			sql:  "ALTER TABLE connections ADD COLUMN region varchar(16) NULL;\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := openEmpty(t)
			migrations, err := db.Migrations(d.Dialect)
			if err != nil {
				t.Fatalf("Migrations: %v", err)
			}
			migrations = append(migrations, db.Migration{Version: "20991231000000_add_region", SQL: tt.sql})

			err = migrateSeeded(t, d, migrations)

			if tt.wantErr {
				if err == nil {
					t.Fatal("migrateSeeded returned no error for a NOT NULL column without a default")
				}
				if !strings.Contains(err.Error(), "add_region") {
					t.Errorf("error %q does not come from the added migration", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkSeededRows(t, d)
		})
	}
}

// migrateSeeded applies the migrations one at a time and inserts
// seedConnections as soon as the connections table exists, so every later
// migration runs on a table with rows.
func migrateSeeded(t *testing.T, d *db.DB, migrations []db.Migration) error {
	t.Helper()
	ctx := context.Background()
	seeded := false
	for i, m := range migrations {
		if _, err := d.MigrateTo(ctx, testenv.Logger(t), migrations[:i+1]); err != nil {
			return fmt.Errorf("migrate to %s with seeded rows: %w", m.Version, err)
		}
		if !seeded && tableExists(t, d, "connections") {
			seed(t, d)
			seeded = true
		}
	}
	if !seeded {
		t.Fatal("no migration creates the connections table")
	}
	return nil
}

// seed inserts seedConnections with the columns of the migration that
// created the connections table.
func seed(t *testing.T, d *db.DB) {
	t.Helper()
	ctx := context.Background()
	userIDs := map[string]int64{}
	for _, c := range seedConnections {
		if _, ok := userIDs[c.Email]; ok {
			continue
		}
		exec(t, d, "INSERT INTO users (created_at, updated_at, email, password_hash) VALUES (?, ?, ?, ?)",
			seedTime, seedTime, c.Email, "$2a$10$not.a.real.hash")
		var id int64
		if err := d.SQL.QueryRowContext(ctx, rebind(d, "SELECT id FROM users WHERE email = ?"), c.Email).Scan(&id); err != nil {
			t.Fatalf("read id of seeded user %s: %v", c.Email, err)
		}
		userIDs[c.Email] = id
	}
	for _, c := range seedConnections {
		var storeNames any
		if c.StoreNames != nil {
			storeNames = `["` + strings.Join(c.StoreNames, `","`) + `"]`
		}
		var firstName any
		if c.FirstName != "" {
			firstName = c.FirstName
		}
		var isOnline any
		if c.IsOnline != nil {
			isOnline = *c.IsOnline
		}
		exec(t, d, `INSERT INTO connections
			(created_at, updated_at, provider, access_token, account_id, first_name, store_names, is_online, connected_at, user_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			seedTime, seedTime, c.Provider, c.AccessToken, c.AccountID, firstName, storeNames, isOnline, c.ConnectedAt, userIDs[c.Email])
	}
}

// checkSeededRows reads the seeded connections through ent, which selects
// every column of the current schema, and compares them with the seed.
func checkSeededRows(t *testing.T, d *db.DB) {
	t.Helper()
	client := d.Ent()
	conns, err := client.Connection.Query().WithUser().Order(ent.Asc(connection.FieldConnectedAt)).All(context.Background())
	if err != nil {
		t.Fatalf("read seeded connections through ent: %v", err)
	}

	var got []seededConnection
	for _, c := range conns {
		got = append(got, seededConnection{
			Email:       c.Edges.User.Email,
			Provider:    string(c.Provider),
			AccountID:   c.AccountID,
			AccessToken: c.AccessToken,
			FirstName:   c.FirstName,
			StoreNames:  c.StoreNames,
			IsOnline:    c.IsOnline,
			ConnectedAt: c.ConnectedAt,
		})
	}
	if diff := cmp.Diff(seedConnections, got); diff != "" {
		t.Errorf("connections after migrating (-want +got):\n%s", diff)
	}
}

func exec(t *testing.T, d *db.DB, query string, args ...any) {
	t.Helper()
	if _, err := d.SQL.ExecContext(context.Background(), rebind(d, query), args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// rebind turns "?" placeholders into PostgreSQL's "$1", "$2", ….
func rebind(d *db.DB, query string) string {
	if d.Dialect != dialect.Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func tableExists(t *testing.T, d *db.DB, name string) bool {
	t.Helper()
	query := "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	if d.Dialect == dialect.Postgres {
		query = "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?"
	}
	var n int
	if err := d.SQL.QueryRowContext(context.Background(), rebind(d, query), name).Scan(&n); err != nil {
		t.Fatalf("look up table %s: %v", name, err)
	}
	return n > 0
}

func recordedVersions(t *testing.T, d *db.DB) []string {
	t.Helper()
	rows, err := d.SQL.QueryContext(context.Background(), "SELECT version FROM schema_migrations ORDER BY version")
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	defer rows.Close()
	var versions []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatalf("read schema_migrations: %v", err)
		}
		versions = append(versions, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	return versions
}

func versionsOf(migrations []db.Migration) []string {
	var versions []string
	for _, m := range migrations {
		versions = append(versions, m.Version)
	}
	return versions
}

func ptr[T any](v T) *T { return &v }
