package inventory

import (
	"embed"
	"io/fs"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations is the inventory store's schema, applied with db.Migrate(ctx, d, "inventory", Migrations).
var Migrations, _ = fs.Sub(migrationFiles, "migrations")
