package notification

import (
	"embed"
	"io/fs"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations is the notification store's schema, applied with db.Migrate(ctx, d, "notification", Migrations).
var Migrations, _ = fs.Sub(migrationFiles, "migrations")

//go:embed templates
var templateFiles embed.FS

// OpenAPI is the OpenAPI 3.1 document of the webhook admin API, for the process's
// /openapi.json to merge with the other services' documents.
//
//go:embed openapi.json
var OpenAPI []byte
