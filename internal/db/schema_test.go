package db_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"
	"entgo.io/ent/schema/field"

	"github.com/evosync/evosync/ent/migrate"
	"github.com/evosync/evosync/internal/db"
	"github.com/evosync/evosync/internal/testenv"
)

// openMigrated opens a fresh database with every embedded migration applied.
func openMigrated(t *testing.T) *db.DB {
	t.Helper()
	d := openEmpty(t)
	if _, err := d.Migrate(context.Background(), testenv.Logger(t)); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return d
}

// openEmpty opens a fresh database with no tables.
func openEmpty(t *testing.T) *db.DB {
	t.Helper()
	d, err := db.Open(testenv.EmptyDatabaseURL(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// pendingChanges returns the SQL that ent would run to bring the database
// to the given tables, or "" when the database already matches them. It
// is client.Schema.WriteTo with column and index drops enabled, so a
// column or index that the migrations create but the schema lacks also
// counts as drift.
func pendingChanges(t *testing.T, d *db.DB, tables []*schema.Table) string {
	t.Helper()
	var buf bytes.Buffer
	driver := &schema.WriteDriver{Writer: &buf, Driver: entsql.OpenDB(d.Dialect, d.SQL)}
	m, err := schema.NewMigrate(driver, schema.WithDropColumn(true), schema.WithDropIndex(true))
	if err != nil {
		t.Fatalf("NewMigrate: %v", err)
	}
	if err := m.Create(context.Background(), tables...); err != nil {
		t.Fatalf("plan schema changes: %v", err)
	}
	return strings.TrimSpace(buf.String())
}

func TestMigrationsMatchSchema(t *testing.T) {
	d := openMigrated(t)

	if pending := pendingChanges(t, d, migrate.Tables); pending != "" {
		t.Errorf("the %s migrations differ from the ent schema; "+
			"run `go run ./cmd/migrate diff NAME` to add a migration with:\n%s", d.Dialect, pending)
	}
}

// TestDriftDetection makes sure pendingChanges notices a schema that the
// migrations do not match, so TestMigrationsMatchSchema can fail.
func TestDriftDetection(t *testing.T) {
	d := openMigrated(t)

	tests := []struct {
		name   string
		tables []*schema.Table
		want   string
	}{
		{
			name:   "added column",
			tables: withUsersColumns(append(cloneColumns(migrate.UsersColumns), &schema.Column{Name: "nickname", Type: field.TypeString, Nullable: true})),
			want:   "nickname",
		},
		{
			name:   "removed column",
			tables: withUsersColumns(withoutColumn(migrate.UsersColumns, "password_hash")),
			// SQLite drops a column by copying the table, so the SQL names
			// only the columns that stay.
			want: "DROP",
		},
		{
			name:   "nullable changed",
			tables: withUsersColumns(withNullable(migrate.UsersColumns, "password_hash")),
			want:   "password_hash",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pending := pendingChanges(t, d, tt.tables)

			if pending == "" {
				t.Fatal("pendingChanges returned no changes for a modified schema")
			}
			if !strings.Contains(pending, tt.want) {
				t.Errorf("pending changes do not mention %q:\n%s", tt.want, pending)
			}
		})
	}
}

// withUsersColumns returns migrate.Tables with the users table replaced by
// a copy that has the given columns. The connections table keeps its
// foreign key to the original users table, which has the same name.
func withUsersColumns(columns []*schema.Column) []*schema.Table {
	users := *migrate.UsersTable
	users.Columns = columns
	users.PrimaryKey = []*schema.Column{columns[0]}
	users.Indexes = nil
	var tables []*schema.Table
	for _, table := range migrate.Tables {
		if table.Name == users.Name {
			tables = append(tables, &users)
			continue
		}
		tables = append(tables, table)
	}
	return tables
}

func cloneColumns(columns []*schema.Column) []*schema.Column {
	out := make([]*schema.Column, len(columns))
	for i, c := range columns {
		copied := *c
		out[i] = &copied
	}
	return out
}

func withoutColumn(columns []*schema.Column, name string) []*schema.Column {
	var out []*schema.Column
	for _, c := range cloneColumns(columns) {
		if c.Name != name {
			out = append(out, c)
		}
	}
	return out
}

func withNullable(columns []*schema.Column, name string) []*schema.Column {
	out := cloneColumns(columns)
	for _, c := range out {
		if c.Name == name {
			c.Nullable = true
		}
	}
	return out
}
