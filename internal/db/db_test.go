package db

import (
	"context"
	"strings"
	"testing"

	"entgo.io/ent/dialect"
	"github.com/google/go-cmp/cmp"
)

func TestOpenUnknownScheme(t *testing.T) {
	const password = "s3cret-pw"
	tests := []struct {
		name       string
		url        string
		wantScheme string
	}{
		{name: "mysql URL", url: "mysql://app:" + password + "@db.example.test/evosync", wantScheme: `"mysql"`},
		{name: "password in query", url: "sqlserver://db.example.test?password=" + password, wantScheme: `"sqlserver"`},
		{name: "opaque URL", url: "jdbc:postgresql://db.example.test/evosync?password=" + password, wantScheme: `"jdbc"`},
		{name: "capitalised scheme", url: "Postgres://app:" + password + "@db.example.test/evosync", wantScheme: `"Postgres"`},
		{name: "keyword DSN", url: "host=db.example.test user=app password=" + password, wantScheme: "without a URL scheme"},
		// url.Parse reads "app" as the scheme of an opaque URL.
		{name: "user info without scheme", url: "app:" + password + "@db.example.test/evosync", wantScheme: `"app"`},
		{name: "host without scheme", url: "db.example.test/evosync?password=" + password, wantScheme: "without a URL scheme"},
		{name: "empty", url: "", wantScheme: "without a URL scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Open(tt.url)

			if err == nil {
				d.Close()
				t.Fatalf("Open(%q) returned no error", tt.url)
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("error %q contains the password", err)
			}
			if !strings.Contains(err.Error(), "postgres://") {
				t.Errorf("error %q does not name the accepted schemes", err)
			}
			if !strings.Contains(err.Error(), tt.wantScheme) {
				t.Errorf("error %q does not contain %s", err, tt.wantScheme)
			}
		})
	}
}

func TestOpenDialect(t *testing.T) {
	tests := []struct {
		url  string
		want string
	}{
		// sql.Open does not connect, so these need no server.
		{url: "postgres://app:pw@127.0.0.1:1/evosync", want: dialect.Postgres},
		{url: "postgresql://app:pw@127.0.0.1:1/evosync", want: dialect.Postgres},
		{url: "sqlite://:memory:", want: dialect.SQLite},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			d, err := Open(tt.url)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer d.Close()

			if d.Dialect != tt.want {
				t.Errorf("Dialect = %q, want %q", d.Dialect, tt.want)
			}
		})
	}
}

func TestOpenSQLiteEmptyPath(t *testing.T) {
	d, err := Open("sqlite://")

	if err == nil {
		d.Close()
		t.Fatal("Open returned no error for a SQLite URL without a path")
	}
	if !strings.Contains(err.Error(), "sqlite://") {
		t.Errorf("error %q does not show the expected form", err)
	}
}

func TestOpenSQLiteForeignKeys(t *testing.T) {
	ctx := context.Background()
	d, err := Open("sqlite://:memory:")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer d.Close()

	var enabled int
	if err := d.SQL.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&enabled); err != nil {
		t.Fatalf("PRAGMA foreign_keys: %v", err)
	}

	if enabled != 1 {
		t.Errorf("foreign_keys = %d, want 1", enabled)
	}
}

func TestSplitStatements(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string
	}{
		{
			name: "empty",
			body: "",
			want: nil,
		},
		{
			name: "only comments",
			body: "-- Create \"users\" table\n\n-- nothing else\n",
			want: nil,
		},
		{
			name: "atlas file",
			body: "-- Create \"users\" table\n" +
				"CREATE TABLE \"users\" (\"id\" bigint NOT NULL, PRIMARY KEY (\"id\"));\n" +
				"-- Create index \"users_email_key\" to table: \"users\"\n" +
				"CREATE UNIQUE INDEX \"users_email_key\" ON \"users\" (\"email\");\n",
			want: []string{
				"CREATE TABLE \"users\" (\"id\" bigint NOT NULL, PRIMARY KEY (\"id\"));",
				"CREATE UNIQUE INDEX \"users_email_key\" ON \"users\" (\"email\");",
			},
		},
		{
			name: "multi-line statement",
			body: "CREATE TABLE t (\n  a integer,\n\n  b text\n);\nDROP TABLE u;\n",
			want: []string{
				"CREATE TABLE t (\n  a integer,\n\n  b text\n);",
				"DROP TABLE u;",
			},
		},
		{
			name: "comment inside statement",
			body: "CREATE TABLE t (\n  -- the key\n  a integer\n);\n",
			want: []string{"CREATE TABLE t (\n  -- the key\n  a integer\n);"},
		},
		{
			name: "semicolon followed by spaces",
			body: "DROP TABLE a;   \nDROP TABLE b;\t\n",
			want: []string{"DROP TABLE a;", "DROP TABLE b;"},
		},
		{
			name: "CRLF line endings",
			body: "-- comment\r\nDROP TABLE a;\r\nDROP TABLE b;\r\n",
			want: []string{"DROP TABLE a;", "DROP TABLE b;"},
		},
		{
			name: "last statement without semicolon",
			body: "DROP TABLE a;\nDROP TABLE b",
			want: []string{"DROP TABLE a;", "DROP TABLE b"},
		},
		{
			name: "indented comment",
			body: "   -- indented\nDROP TABLE a;\n",
			want: []string{"DROP TABLE a;"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitStatements(tt.body)

			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("splitStatements (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSplitStatementsLongLine(t *testing.T) {
	// By default bufio.Scanner rejects lines over 64 KiB, and Atlas writes a
	// whole CREATE TABLE on one line.
	long := "CREATE TABLE t (" + strings.Repeat("c integer, ", 10_000) + "d integer);"

	got := splitStatements(long + "\n")

	if diff := cmp.Diff([]string{long}, got); diff != "" {
		t.Errorf("splitStatements (-want +got):\n%s", diff)
	}
}

func TestSplitStatementsEmbedded(t *testing.T) {
	for _, dialectName := range []string{dialect.SQLite, dialect.Postgres} {
		t.Run(dialectName, func(t *testing.T) {
			migrations, err := Migrations(dialectName)
			if err != nil {
				t.Fatalf("Migrations: %v", err)
			}
			for _, m := range migrations {
				stmts := splitStatements(m.SQL)

				if len(stmts) == 0 {
					t.Errorf("%s: no statements", m.Version)
				}
				for i, s := range stmts {
					if !strings.HasSuffix(s, ";") {
						t.Errorf("%s statement %d does not end with a semicolon: %q", m.Version, i+1, s)
					}
				}
			}
		})
	}
}
