package catalog

import (
	"embed"
	"io/fs"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations is the catalog store's schema, applied with db.Migrate(ctx, d, "catalog", Migrations).
var Migrations, _ = fs.Sub(migrationFiles, "migrations")
