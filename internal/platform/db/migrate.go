package db

import (
	"context"
	"fmt"
	"hash/fnv"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

// A Migration is one versioned step of a component's schema.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// LoadMigrations reads the migrations in fsys for engine e. Files are named NNNN_name.sql and
// apply to both engines; NNNN_name.sqlite.sql or NNNN_name.postgres.sql replace that step on one
// engine where the SQL must differ.
func LoadMigrations(fsys fs.FS, e Engine) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	generic := map[int]Migration{}
	specific := map[int]Migration{}
	for _, ent := range entries {
		name := ent.Name()
		if ent.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		stem := strings.TrimSuffix(name, ".sql")
		target := generic
		for _, eng := range []Engine{SQLite, Postgres} {
			if s, ok := strings.CutSuffix(stem, "."+string(eng)); ok {
				stem, target = s, specific
				if eng != e {
					target = nil
				}
			}
		}
		if target == nil {
			continue
		}
		num, label, ok := strings.Cut(stem, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", name)
		}
		if _, dup := target[v]; dup {
			return nil, fmt.Errorf("migration %s: version %d defined twice", name, v)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", name, err)
		}
		target[v] = Migration{Version: v, Name: label, SQL: string(body)}
	}
	byVersion := generic
	for v, m := range specific {
		byVersion[v] = m // the engine-specific file wins
	}
	out := make([]Migration, 0, len(byVersion))
	for _, m := range byVersion {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Migrate applies the component's migrations from fsys that the store has not applied yet, each
// in its own transaction, and returns how many it applied. Several processes may migrate the same
// PostgreSQL schema at once: an advisory lock makes them take turns.
func Migrate(ctx context.Context, d *DB, component string, fsys fs.FS) (int, error) {
	ms, err := LoadMigrations(fsys, d.engine)
	if err != nil {
		return 0, fmt.Errorf("migrate %s/%s: %w", d.schema, component, err)
	}
	lockKey := advisoryKey(d.schema)
	lock := func(tx *Tx) error {
		if d.engine != Postgres {
			return nil // SQLite's single writer already serialises migrations
		}
		_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, lockKey)
		return err
	}
	err = d.InTx(ctx, func(tx *Tx) error {
		if err := lock(tx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			component  TEXT    NOT NULL,
			version    INTEGER NOT NULL,
			name       TEXT    NOT NULL,
			applied_at BIGINT  NOT NULL,
			PRIMARY KEY (component, version))`)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("migrate %s/%s: %w", d.schema, component, err)
	}
	applied := 0
	for _, m := range ms {
		done := false
		err := d.InTx(ctx, func(tx *Tx) error {
			if err := lock(tx); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations
				WHERE component = $1 AND version = $2`, component, m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				done = true
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (component, version, name, applied_at)
				VALUES ($1, $2, $3, $4)`, component, m.Version, m.Name, time.Now().UnixMilli())
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("migrate %s/%s %04d_%s: %w", d.schema, component, m.Version, m.Name, err)
		}
		if !done {
			applied++
		}
	}
	return applied, nil
}

// Version reports the highest applied migration of a component (0 when none).
func Version(ctx context.Context, d *DB, component string) (int, error) {
	var v int
	err := d.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations
		WHERE component = $1`, component).Scan(&v)
	return v, err
}

func advisoryKey(s string) int64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return int64(h.Sum64())
}
