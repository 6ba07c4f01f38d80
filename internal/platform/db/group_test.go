package db_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// TestConcurrentTransactionsCommitAlone runs many transactions at once, as checkouts do: on
// SQLite those waiting for the writer share a commit (each in a savepoint), so one that fails,
// panics, collides on a unique key or was cancelled must take back only its own writes and skip
// only its own hooks, while the others commit theirs.
func TestConcurrentTransactionsCommitAlone(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := db.Migrate(ctx, d, "test", testMigrations); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, `INSERT INTO item (id, name, qty) VALUES ($1, $2, $3)`, 0, "taken", 0); err != nil {
			t.Fatal(err)
		}
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		boom := errors.New("boom")
		const n = 400
		var hooks atomic.Int64
		var committed sync.Map
		var wg sync.WaitGroup
		for i := 1; i <= n; i++ {
			wg.Go(func() {
				name := fmt.Sprint("item-", i)
				if i%7 == 0 {
					name = "taken" // unique violation after a first write
				}
				tctx := ctx
				if i%11 == 0 {
					tctx = cancelled
				}
				var err error
				func() {
					defer func() {
						if p := recover(); p != nil {
							err = fmt.Errorf("panic: %v", p)
						}
					}()
					err = d.InTx(tctx, func(tx *db.Tx) error {
						tx.AfterCommit(func() { hooks.Add(1) })
						if _, err := tx.ExecContext(tctx, `UPDATE item SET qty = qty + 1 WHERE id = 0`); err != nil {
							return err
						}
						if _, err := tx.ExecContext(tctx, `INSERT INTO item (id, name, qty) VALUES ($1, $2, $3)`, i, name, 1); err != nil {
							return err
						}
						switch {
						case i%5 == 0:
							return boom
						case i%13 == 0:
							panic("thirteen")
						}
						return nil
					})
				}()
				switch {
				case i%11 == 0:
					if err == nil {
						t.Errorf("%d: a cancelled transaction committed", i)
					}
				case i%7 == 0:
					if !db.IsUniqueViolation(err) {
						t.Errorf("%d: err %v, want a unique violation", i, err)
					}
				case i%5 == 0:
					if !errors.Is(err, boom) {
						t.Errorf("%d: err %v, want boom", i, err)
					}
				case i%13 == 0:
					if err == nil || err.Error() != "panic: thirteen" {
						t.Errorf("%d: err %v, want the panic in the caller", i, err)
					}
				case err != nil:
					t.Errorf("%d: %v", i, err)
				default:
					committed.Store(i, true)
				}
			})
		}
		wg.Wait()
		want := 0
		committed.Range(func(_, _ any) bool { want++; return true })
		var rows, qty int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM item WHERE id > $1`, 0).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRowContext(ctx, `SELECT qty FROM item WHERE id = $1`, 0).Scan(&qty); err != nil {
			t.Fatal(err)
		}
		if rows != want || qty != want || int(hooks.Load()) != want {
			t.Fatalf("%d transactions succeeded, but %d rows, counter %d, %d hooks ran", want, rows, qty, hooks.Load())
		}
		for i := 1; i <= n; i++ {
			_, ok := committed.Load(i)
			var got int
			err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM item WHERE id = $1`, i).Scan(&got)
			if err != nil || got == 1 != ok {
				t.Fatalf("item %d: stored %d (%v), succeeded %v", i, got, err, ok)
			}
		}
	})
}

// TestConcurrentPlainWrites checks that single statements outside a transaction, which on
// SQLite may share a commit with others waiting, report their own results.
func TestConcurrentPlainWrites(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := db.Migrate(ctx, d, "test", testMigrations); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var dup atomic.Int64
		for i := range 200 {
			wg.Go(func() {
				res, err := d.ExecContext(ctx, `INSERT INTO item (id, name, qty) VALUES ($1, $2, $3)`, i, fmt.Sprint("n", i/2), i)
				if db.IsUniqueViolation(err) {
					dup.Add(1)
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				if k, err := res.RowsAffected(); err != nil || k != 1 {
					t.Errorf("%d: rows affected %d, %v", i, k, err)
				}
			})
		}
		wg.Wait()
		var rows int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM item WHERE qty >= $1`, 0).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows != 100 || dup.Load() != 100 {
			t.Fatalf("%d rows stored, %d duplicates refused; want 100 and 100", rows, dup.Load())
		}
	})
}
