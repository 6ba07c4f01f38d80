package backup

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/pasarhq/pasar/internal/platform/db"
)

// checkSchemas refuses to restore into a schema that already has tables, unless force, in which
// case those schemas are dropped. A schema without tables (as a server's first start leaves it
// when it stopped early) counts as empty.
func checkSchemas(ctx context.Context, url string, m Manifest, force bool) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(context.Background())
	for _, s := range m.Stores {
		ts, err := tableNames(ctx, conn, s.Name)
		if err != nil {
			return err
		}
		if len(ts) == 0 {
			continue
		}
		if !force {
			return fmt.Errorf("%w: schema %s already holds %d tables; restore into an empty database, or give --force to replace it",
				ErrNotEmpty, s.Name, len(ts))
		}
	}
	if !force {
		return nil
	}
	for _, s := range m.Stores {
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{s.Name}.Sanitize()+" CASCADE"); err != nil {
			return fmt.Errorf("drop schema %s: %w", s.Name, err)
		}
	}
	return nil
}

// restorePostgres recreates each schema with the migrations the backup was taken at, then loads
// its tables in one transaction (parents before the tables referring to them) and sets its
// sequences where they were. Migrations newer than the backup are applied when the shop starts.
func restorePostgres(ctx context.Context, dir string, m Manifest, o RestoreOptions, p *Progress) error {
	conn, err := pgx.Connect(ctx, o.PostgresURL)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(context.Background())
	for _, s := range m.Stores {
		if err := migrateTo(ctx, o, s); err != nil {
			return fmt.Errorf("restore schema %s: %w", s.Name, err)
		}
		if err := loadSchema(ctx, conn, dir, s, o.Progress, p); err != nil {
			return fmt.Errorf("restore schema %s: %w", s.Name, err)
		}
		o.Log.Info("store restored", "store", s.Name, "tables", len(s.Tables))
	}
	return nil
}

// migrateTo applies each component's migrations up to the version the backup recorded.
func migrateTo(ctx context.Context, o RestoreOptions, s Store) error {
	d, err := db.Open(ctx, db.Options{Schema: s.Name, PostgresURL: o.PostgresURL, MaxConns: 2})
	if err != nil {
		return err
	}
	defer d.Close()
	components := make([]string, 0, len(s.Versions))
	for c := range s.Versions {
		components = append(components, c)
	}
	sort.Strings(components)
	for _, c := range components {
		fsys := o.Migrations(c)
		if fsys == nil {
			return fmt.Errorf("this pasar has no migrations of %q", c)
		}
		if _, err := db.Migrate(ctx, d, c, upTo{fsys, s.Versions[c]}); err != nil {
			return err
		}
	}
	return nil
}

func loadSchema(ctx context.Context, conn *pgx.Conn, dir string, s Store, progress func(Progress), p *Progress) error {
	order, err := parentsFirst(ctx, conn, s)
	if err != nil {
		return err
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.Background())
	// Migrations may have put rows in (counters, defaults); the backup's rows replace them.
	names := make([]string, 0, len(order))
	for _, t := range order {
		names = append(names, pgx.Identifier{s.Name, t.Name}.Sanitize())
	}
	if len(names) > 0 {
		if _, err := tx.Exec(ctx, "TRUNCATE "+strings.Join(names, ", ")); err != nil {
			return err
		}
	}
	for _, t := range order {
		path, err := localPath(dir, t.File)
		if err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		tag, err := tx.Conn().PgConn().CopyFrom(ctx, f, "COPY "+pgx.Identifier{s.Name, t.Name}.Sanitize()+
			" ("+quoteAll(t.Columns)+") FROM STDIN")
		f.Close()
		if err != nil {
			return fmt.Errorf("load %s: %w", t.Name, err)
		}
		if tag.RowsAffected() != t.Rows {
			return fmt.Errorf("load %s: %d rows loaded, the backup holds %d", t.Name, tag.RowsAffected(), t.Rows)
		}
		p.FilesDone++
		p.File = t.File
		report(progress, *p)
	}
	for _, q := range s.Sequences {
		if q.LastValue == nil {
			continue
		}
		if _, err := tx.Exec(ctx, `SELECT setval($1::regclass, $2, true)`,
			pgx.Identifier{s.Name, q.Name}.Sanitize(), *q.LastValue); err != nil {
			return fmt.Errorf("set sequence %s: %w", q.Name, err)
		}
	}
	return tx.Commit(ctx)
}

// parentsFirst orders the backup's tables so that a table comes after those its foreign keys
// refer to, as loading checks each row's references.
func parentsFirst(ctx context.Context, conn *pgx.Conn, s Store) ([]Table, error) {
	rows, err := conn.Query(ctx, `SELECT c.relname, p.relname FROM pg_constraint k
		JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE k.contype = 'f' AND n.nspname = $1 AND k.conrelid <> k.confrelid`, s.Name)
	if err != nil {
		return nil, err
	}
	parents := map[string][]string{}
	for rows.Next() {
		var child, parent string
		if err := rows.Scan(&child, &parent); err != nil {
			rows.Close()
			return nil, err
		}
		parents[child] = append(parents[child], parent)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	byName := map[string]Table{}
	for _, t := range s.Tables {
		byName[t.Name] = t
	}
	var out []Table
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(string) error
	visit = func(n string) error {
		switch state[n] {
		case 1:
			return fmt.Errorf("foreign keys form a cycle through %s", n)
		case 2:
			return nil
		}
		state[n] = 1
		for _, p := range parents[n] {
			if err := visit(p); err != nil {
				return err
			}
		}
		state[n] = 2
		if t, ok := byName[n]; ok {
			out = append(out, t)
		}
		return nil
	}
	for _, t := range s.Tables {
		if err := visit(t.Name); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// upTo shows the migrations of fsys up to version max, so a schema is recreated as it was when
// the backup was taken.
type upTo struct {
	fsys fs.FS
	max  int
}

func (u upTo) Open(name string) (fs.File, error) { return u.fsys.Open(name) }

func (u upTo) ReadDir(name string) ([]fs.DirEntry, error) {
	ents, err := fs.ReadDir(u.fsys, name)
	if err != nil {
		return nil, err
	}
	var out []fs.DirEntry
	for _, e := range ents {
		num, _, _ := strings.Cut(e.Name(), "_")
		if v, err := strconv.Atoi(num); err == nil && v <= u.max {
			out = append(out, e)
		}
	}
	return out, nil
}
