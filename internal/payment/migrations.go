package payment

import (
	"embed"
	"io/fs"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations is the payment store's schema, applied with db.Migrate(ctx, d, "payment", Migrations).
var Migrations, _ = fs.Sub(migrationFiles, "migrations")
