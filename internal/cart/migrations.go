package cart

import (
	"embed"
	"io/fs"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations is the cart store's schema, applied with db.Migrate(ctx, d, "cart", Migrations).
var Migrations, _ = fs.Sub(migrationFiles, "migrations")
