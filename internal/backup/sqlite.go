package backup

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// storesDir is where a backup keeps its stores: SQLite copies, or a folder of table dumps per schema.
const storesDir = "stores"

// copySQLite copies every store of the data folder (<name>.db) with VACUUM INTO: a consistent
// snapshot of the file, taken in a read transaction while the shop's writer goes on (WAL lets
// readers and the writer work at once), and compacted on the way.
func copySQLite(ctx context.Context, w *writer, o Options) ([]Store, error) {
	w.phase = "stores"
	paths, err := filepath.Glob(filepath.Join(o.DataDir, "*.db"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var stores []Store
	for _, src := range paths {
		name := strings.TrimSuffix(filepath.Base(src), ".db")
		rel := storesDir + "/" + name + ".db"
		dst := filepath.Join(w.dir, storesDir, name+".db")
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			return nil, err
		}
		if err := vacuumInto(ctx, src, dst); err != nil {
			return nil, fmt.Errorf("copy store %s: %w", name, err)
		}
		versions, err := sqliteVersions(ctx, dst)
		if err != nil {
			return nil, fmt.Errorf("copy store %s: %w", name, err)
		}
		if err := w.record(rel); err != nil {
			return nil, err
		}
		o.Log.Info("store copied", "store", name, "bytes", w.files[len(w.files)-1].Size)
		stores = append(stores, Store{Name: name, File: rel, Versions: versions})
	}
	return stores, nil
}

// openSQLite opens the SQLite file at path on one connection. busy_timeout lets it wait for a
// checkpoint of the running shop instead of failing.
func openSQLite(path string) (*sql.DB, error) {
	d, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, err
	}
	d.SetMaxOpenConns(1)
	return d, nil
}

func vacuumInto(ctx context.Context, src, dst string) error {
	d, err := openSQLite(src)
	if err != nil {
		return err
	}
	defer d.Close()
	if _, err := d.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		return err
	}
	return os.Chmod(dst, 0o600) // it holds password hashes and keys: as private as the store
}

// sqliteVersions reads the applied migrations of each component from a copied store.
func sqliteVersions(ctx context.Context, path string) (map[string]int, error) {
	d, err := openSQLite(path)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return versionsOf(ctx, d)
}

// versionsOf reads the applied migrations of each component from a store's schema_migrations.
func versionsOf(ctx context.Context, d *sql.DB) (map[string]int, error) {
	rows, err := d.QueryContext(ctx, versionsQuery(migrationsTable))
	if err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	defer rows.Close()
	return scanVersions(rows)
}

func versionsQuery(table string) string {
	return `SELECT component, MAX(version) FROM ` + table + ` GROUP BY component`
}

// rowScanner is what database/sql and pgx rows both offer.
type rowScanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

func scanVersions(rows rowScanner) (map[string]int, error) {
	v := map[string]int{}
	for rows.Next() {
		var c string
		var n int
		if err := rows.Scan(&c, &n); err != nil {
			return nil, err
		}
		v[c] = n
	}
	return v, rows.Err()
}
