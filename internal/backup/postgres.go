package backup

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// migrationsTable is the stores' record of applied migrations. It is not dumped: restore
// recreates it by applying the same migrations.
const migrationsTable = "schema_migrations"

// dumpPostgres dumps every table of the stores' schemas with COPY ... TO STDOUT, all inside one
// REPEATABLE READ, READ ONLY transaction: every table of every schema is read from the same
// snapshot, so the dump is consistent across services while they keep writing, and it needs no
// pg_dump on the machine.
func dumpPostgres(ctx context.Context, w *writer, o Options) ([]Store, error) {
	w.phase = "stores"
	conn, err := pgx.Connect(ctx, o.PostgresURL)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(context.Background())
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.Background())
	schemas, err := listSchemas(ctx, tx, o.Schemas, o.SchemaPrefixes)
	if err != nil {
		return nil, err
	}
	var stores []Store
	for _, schema := range schemas {
		s, err := dumpSchema(ctx, w, tx, schema)
		if err != nil {
			return nil, fmt.Errorf("dump schema %s: %w", schema, err)
		}
		o.Log.Info("store dumped", "store", schema, "tables", len(s.Tables))
		stores = append(stores, s)
	}
	return stores, tx.Commit(ctx)
}

// listSchemas returns the schemas among names, or starting with one of prefixes, that exist.
func listSchemas(ctx context.Context, tx pgx.Tx, names, prefixes []string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT nspname FROM pg_namespace ORDER BY nspname`)
	if err != nil {
		return nil, err
	}
	all, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range all {
		keep := false
		for _, n := range names {
			keep = keep || s == n
		}
		for _, p := range prefixes {
			keep = keep || strings.HasPrefix(s, p)
		}
		if keep {
			out = append(out, s)
		}
	}
	return out, nil
}

func dumpSchema(ctx context.Context, w *writer, tx pgx.Tx, schema string) (Store, error) {
	s := Store{Name: schema, Versions: map[string]int{}}
	tables, err := tableNames(ctx, tx, schema)
	if err != nil {
		return s, err
	}
	for _, t := range tables {
		if t == migrationsTable {
			if s.Versions, err = pgVersions(ctx, tx, schema); err != nil {
				return s, err
			}
			continue
		}
		cols, err := columnNames(ctx, tx, schema, t)
		if err != nil {
			return s, err
		}
		rel := storesDir + "/" + schema + "/" + t + ".copy"
		f, err := w.create(rel)
		if err != nil {
			return s, err
		}
		tag, err := tx.Conn().PgConn().CopyTo(ctx, f, "COPY "+pgx.Identifier{schema, t}.Sanitize()+
			" ("+quoteAll(cols)+") TO STDOUT")
		if err != nil {
			f.f.Close()
			return s, fmt.Errorf("copy %s: %w", t, err)
		}
		if err := f.Close(); err != nil {
			return s, err
		}
		s.Tables = append(s.Tables, Table{Name: t, Columns: cols, Rows: tag.RowsAffected(), File: rel})
	}
	rows, err := tx.Query(ctx, `SELECT sequencename, last_value FROM pg_sequences
		WHERE schemaname = $1 ORDER BY sequencename`, schema)
	if err != nil {
		return s, err
	}
	s.Sequences, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Sequence, error) {
		var q Sequence
		return q, r.Scan(&q.Name, &q.LastValue)
	})
	return s, err
}

func tableNames(ctx context.Context, q pgxQuerier, schema string) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY c.relname`, schema)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// columnNames lists the columns a row is written with: generated columns are computed again.
func columnNames(ctx context.Context, q pgxQuerier, schema, table string) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT a.attname FROM pg_attribute a
		WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
		ORDER BY a.attnum`, pgx.Identifier{schema, table}.Sanitize())
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

func pgVersions(ctx context.Context, q pgxQuerier, schema string) (map[string]int, error) {
	rows, err := q.Query(ctx, versionsQuery(pgx.Identifier{schema, migrationsTable}.Sanitize()))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return scanVersions(rows)
}

type pgxQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = pgx.Identifier{n}.Sanitize()
	}
	return strings.Join(q, ", ")
}
