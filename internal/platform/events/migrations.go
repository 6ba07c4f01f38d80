package events

import (
	"embed"
	"io/fs"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations creates the tables the outbox and consumers use. Every service store that writes
// or consumes events applies it: db.Migrate(ctx, d, "events", events.Migrations).
var Migrations fs.FS = mustSub(migrationFiles, "migrations")

func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err) // unreachable: dir is a literal that the embed directive guarantees exists
	}
	return sub
}
