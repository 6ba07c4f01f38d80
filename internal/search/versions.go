package search

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/pasarhq/pasar/internal/platform/db"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations is the search store's schema, applied with db.Migrate(ctx, d, "search", Migrations).
var Migrations, _ = fs.Sub(migrationFiles, "migrations")

// The versions live in the search store rather than inside the Bleve index: Bleve rewrites all
// of its internal values on every commit, which made each write cost as much as the catalog was
// large. In SQL the check and the record share the consumer's transaction.

// lastVersion returns the version last applied for product id, if any.
func lastVersion(ctx context.Context, q db.Querier, id string) (v int64, deleted, ok bool, err error) {
	var d int
	err = q.QueryRowContext(ctx, `SELECT version, deleted FROM search_versions WHERE product_id = $1`, id).Scan(&v, &d)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, false, nil
	}
	if err != nil {
		return 0, false, false, fmt.Errorf("search version of %s: %w", id, err)
	}
	return v, d == 1, true, nil
}

func setVersion(ctx context.Context, q db.Querier, id string, v int64, deleted bool) error {
	_, err := q.ExecContext(ctx, `INSERT INTO search_versions (product_id, version, deleted) VALUES ($1, $2, $3)
		ON CONFLICT (product_id) DO UPDATE SET version = excluded.version, deleted = excluded.deleted`,
		id, v, boolInt(deleted))
	if err != nil {
		return fmt.Errorf("record search version of %s: %w", id, err)
	}
	return nil
}

// versionRow is one product's version as a rebuild records it.
type versionRow struct {
	id      string
	version int64
	deleted bool
}

// replaceVersions makes rows the only versions recorded, in one transaction.
func replaceVersions(ctx context.Context, d *db.DB, rows []versionRow) error {
	const per = 300 // rows per INSERT, well under either engine's parameter limit
	return d.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM search_versions`); err != nil {
			return err
		}
		for len(rows) > 0 {
			n := min(per, len(rows))
			var b strings.Builder
			args := make([]any, 0, 3*n)
			b.WriteString(`INSERT INTO search_versions (product_id, version, deleted) VALUES `)
			for i, r := range rows[:n] {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, "($%d, $%d, $%d)", 3*i+1, 3*i+2, 3*i+3)
				args = append(args, r.id, r.version, boolInt(r.deleted))
			}
			if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
				return fmt.Errorf("record search versions: %w", err)
			}
			rows = rows[n:]
		}
		return nil
	})
}

// forgetVersions clears the versions, for an index that was lost and starts empty: otherwise
// events for products it never held would be skipped as already applied.
func forgetVersions(ctx context.Context, d *db.DB) (int64, error) {
	res, err := d.ExecContext(ctx, `DELETE FROM search_versions`)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
