// Package ent holds the code that entc generates from the schema in
// ent/schema. Run `go generate ./ent` after changing the schema, then
// `go run ./cmd/migrate diff NAME` to write the matching migrations.
package ent

//go:generate go run -mod=mod entgo.io/ent/cmd/ent generate --feature sql/versioned-migration,sql/upsert,sql/lock ./schema
