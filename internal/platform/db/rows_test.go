package db_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// TestValues: placeholders number on after the arguments already taken.
func TestValues(t *testing.T) {
	t.Parallel()
	q, args := db.Values([][]any{{1, "a"}, {2, "b"}}, []any{"x"})
	if q != "VALUES ($2, $3), ($4, $5)" || !reflect.DeepEqual(args, []any{"x", 1, "a", 2, "b"}) {
		t.Fatalf("%q %v", q, args)
	}
}

// TestInsertRows: every row lands, in one statement; no rows is no statement.
func TestInsertRows(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.ExecContext(ctx, `CREATE TABLE rows_test (n INTEGER, s TEXT)`); err != nil {
			t.Fatal(err)
		}
		err := d.InTx(ctx, func(tx *db.Tx) error {
			if err := db.InsertRows(ctx, tx, `INSERT INTO rows_test (n, s)`, nil); err != nil {
				return err
			}
			return db.InsertRows(ctx, tx, `INSERT INTO rows_test (n, s)`, [][]any{{1, "a"}, {2, "b"}, {3, "c"}})
		})
		if err != nil {
			t.Fatal(err)
		}
		var n, sum int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*), SUM(n) FROM rows_test`).Scan(&n, &sum); err != nil || n != 3 || sum != 6 {
			t.Fatalf("%d rows summing to %d, %v", n, sum, err)
		}
	})
}

// TestTypedValues: a VALUES list read as a table in FROM takes its column types from the casts,
// where PostgreSQL would otherwise type the parameters as text and refuse the insert.
func TestTypedValues(t *testing.T) {
	t.Parallel()
	q, _ := db.TypedValues([][]any{{1, "a"}}, []any{"x"}, "bigint", "text")
	if q != "VALUES (CAST($2 AS bigint), CAST($3 AS text))" {
		t.Fatalf("%q", q)
	}
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		if d.Engine() != db.Postgres {
			return // SQLite names no columns of a table in FROM (AS v(n, s)); its callers are PostgreSQL's
		}
		ctx := context.Background()
		if _, err := d.ExecContext(ctx, `CREATE TABLE typed_test (n BIGINT, s TEXT)`); err != nil {
			t.Fatal(err)
		}
		values, args := db.TypedValues([][]any{{int64(4), "a"}, {int64(5), "b"}}, []any{int64(1)}, "bigint", "text")
		if _, err := d.ExecContext(ctx, `INSERT INTO typed_test (n, s) SELECT v.n + $1, v.s FROM (`+values+`) AS v(n, s)`, args...); err != nil {
			t.Fatal(err)
		}
		var sum int
		if err := d.QueryRowContext(ctx, `SELECT SUM(n) FROM typed_test`).Scan(&sum); err != nil || sum != 11 {
			t.Fatalf("sum %d, %v", sum, err)
		}
	})
}

// TestWriteRow: a writing statement with RETURNING runs on the writer outside a transaction and
// its row comes back; what it wrote is there afterwards.
func TestWriteRow(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.ExecContext(ctx, `CREATE TABLE write_row_test (n INTEGER PRIMARY KEY, s TEXT)`); err != nil {
			t.Fatal(err)
		}
		var s string
		if err := d.WriteRow(ctx, `INSERT INTO write_row_test (n, s) VALUES ($1, $2) RETURNING s`, 1, "a").Scan(&s); err != nil || s != "a" {
			t.Fatalf("returned %q, %v", s, err)
		}
		if err := d.WriteRow(ctx, `INSERT INTO write_row_test (n, s) VALUES ($1, $2) RETURNING s`, 1, "b").Scan(&s); !db.IsUniqueViolation(err) {
			t.Fatalf("second insert of the same key: %v", err)
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM write_row_test`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d rows, %v", n, err)
		}
	})
}
