package order

import (
	"embed"
	"io/fs"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations is the order store's schema, applied with db.Migrate(ctx, d, "order", Migrations).
var Migrations, _ = fs.Sub(migrationFiles, "migrations")
