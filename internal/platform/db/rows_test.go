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
