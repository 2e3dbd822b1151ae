package migrate

import "embed"

// Files holds the versioned migrations, one directory per dialect
// (migrations/sqlite, migrations/postgres), written by `go run ./cmd/migrate diff`.
//
//go:embed migrations
var Files embed.FS
