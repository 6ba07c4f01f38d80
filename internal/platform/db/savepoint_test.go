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

// names lists the item names stored, in id order.
func names(t *testing.T, d *db.DB) []string {
	t.Helper()
	rows, err := d.QueryContext(context.Background(), `SELECT name FROM item ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func insertItem(ctx context.Context, tx *db.Tx, id int, name string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO item (id, name, qty) VALUES ($1, $2, $3)`, id, name, 1)
	return err
}

// TestSavepoint checks that a failing savepoint takes back its own writes and hooks only, that a
// failed statement inside one (which on PostgreSQL aborts the transaction) leaves the transaction
// usable, that a panic is re-raised after the rollback, and that savepoints nest.
func TestSavepoint(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := db.Migrate(ctx, d, "test", testMigrations); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		var hooks []string
		hook := func(name string) func() { return func() { hooks = append(hooks, name) } }
		err := d.InTx(ctx, func(tx *db.Tx) error {
			tx.AfterCommit(hook("outer"))
			if err := insertItem(ctx, tx, 1, "outer"); err != nil {
				return err
			}
			// Fails after a write: the write and its hooks go, the error comes back unchanged.
			err := tx.Savepoint(ctx, func(sp *db.Tx) error {
				sp.AfterCommit(hook("failed"))
				tx.AfterCommit(hook("failed-on-outer")) // the wrong Tx: still dropped
				if err := insertItem(ctx, sp, 2, "failed"); err != nil {
					return err
				}
				return boom
			})
			if err != boom {
				return fmt.Errorf("failing savepoint returned %v, want boom itself", err)
			}
			// A statement that fails: on PostgreSQL it aborts the transaction unless rolled back
			// to the savepoint.
			err = tx.Savepoint(ctx, func(sp *db.Tx) error {
				if err := insertItem(ctx, sp, 3, "aborted"); err != nil {
					return err
				}
				return insertItem(ctx, sp, 4, "outer") // unique name taken
			})
			if !db.IsUniqueViolation(err) {
				return fmt.Errorf("savepoint with a failed statement returned %v, want the unique violation", err)
			}
			// A panic: re-raised once the writes are rolled back.
			err = nil
			func() {
				defer func() {
					if p := recover(); p != "bug" {
						err = fmt.Errorf("recovered %v, want the panic", p)
					}
				}()
				_ = tx.Savepoint(ctx, func(sp *db.Tx) error {
					sp.AfterCommit(hook("panicked"))
					if err := insertItem(ctx, sp, 5, "panicked"); err != nil {
						return err
					}
					panic("bug")
				})
			}()
			if err != nil {
				return err
			}
			// Nested: a failing inner savepoint inside a succeeding one, and a succeeding inner
			// one inside a failing one.
			err = tx.Savepoint(ctx, func(a *db.Tx) error {
				a.AfterCommit(hook("a"))
				if err := insertItem(ctx, a, 6, "a"); err != nil {
					return err
				}
				if err := a.Savepoint(ctx, func(b *db.Tx) error {
					b.AfterCommit(hook("a.b"))
					if err := insertItem(ctx, b, 7, "a.b"); err != nil {
						return err
					}
					return boom
				}); err != boom {
					return fmt.Errorf("inner savepoint: %v", err)
				}
				return a.Savepoint(ctx, func(c *db.Tx) error {
					c.AfterCommit(hook("a.c"))
					return insertItem(ctx, c, 8, "a.c")
				})
			})
			if err != nil {
				return fmt.Errorf("nested savepoints: %w", err)
			}
			err = tx.Savepoint(ctx, func(x *db.Tx) error {
				if err := x.Savepoint(ctx, func(y *db.Tx) error {
					y.AfterCommit(hook("x.y"))
					return insertItem(ctx, y, 9, "x.y")
				}); err != nil {
					return err
				}
				return boom
			})
			if err != boom {
				return fmt.Errorf("savepoint around a released one returned %v, want boom", err)
			}
			// The transaction still takes writes after all of that.
			return insertItem(ctx, tx, 10, "last")
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := fmt.Sprint(names(t, d)), "[outer a a.c last]"; got != want {
			t.Errorf("stored %s, want %s", got, want)
		}
		if got, want := fmt.Sprint(hooks), "[outer a a.c]"; got != want {
			t.Errorf("hooks ran %s, want %s", got, want)
		}

		// Savepoints of a transaction that rolls back commit nothing and run no hooks.
		hooks = nil
		err = d.InTx(ctx, func(tx *db.Tx) error {
			if err := tx.Savepoint(ctx, func(sp *db.Tx) error {
				sp.AfterCommit(hook("rolled back"))
				return insertItem(ctx, sp, 11, "rolled back")
			}); err != nil {
				return err
			}
			return boom
		})
		if err != boom || len(hooks) != 0 || len(names(t, d)) != 4 {
			t.Errorf("after a rollback: err %v, hooks %v, %d items; want boom, none, 4", err, hooks, len(names(t, d)))
		}
	})
}

// TestSavepointAbortedWithout shows on PostgreSQL why Savepoint exists: after a failed statement
// outside a savepoint, the transaction refuses every further statement.
func TestSavepointAbortedWithout(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, db.Postgres)
	ctx := context.Background()
	if _, err := db.Migrate(ctx, d, "test", testMigrations); err != nil {
		t.Fatal(err)
	}
	var after error
	err := d.InTx(ctx, func(tx *db.Tx) error {
		if err := insertItem(ctx, tx, 1, "x"); err != nil {
			return err
		}
		if err := insertItem(ctx, tx, 2, "x"); !db.IsUniqueViolation(err) {
			return fmt.Errorf("second insert: %v, want a unique violation", err)
		}
		after = insertItem(ctx, tx, 3, "y")
		return after
	})
	if after == nil || err == nil {
		t.Fatalf("a statement after a failed one ran (err %v): PostgreSQL should refuse it", err)
	}
}

// TestSavepointInGroupCommit runs many transactions at once, so that on SQLite they share
// commits, each member already in a savepoint of the group's: savepoints inside must roll back
// only their own writes and the members' outcomes stay their own.
func TestSavepointInGroupCommit(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := db.Migrate(ctx, d, "test", testMigrations); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		const n = 200
		var hooks atomic.Int64
		var wg sync.WaitGroup
		for i := 1; i <= n; i++ {
			wg.Go(func() {
				err := d.InTx(ctx, func(tx *db.Tx) error {
					// Even ids: kept, unless the whole member fails; odd ids: rolled back.
					for _, id := range []int{2 * i, 2*i + 1} {
						err := tx.Savepoint(ctx, func(sp *db.Tx) error {
							sp.AfterCommit(func() { hooks.Add(1) })
							if err := insertItem(ctx, sp, id, fmt.Sprint("item-", id)); err != nil {
								return err
							}
							if id%2 == 1 {
								return boom
							}
							return nil
						})
						if err != nil && err != boom {
							return err
						}
					}
					if i%10 == 0 {
						return boom // the whole member: its kept savepoint goes too
					}
					return nil
				})
				if (i%10 == 0) != (err == boom) {
					t.Errorf("%d: %v", i, err)
				}
			})
		}
		wg.Wait()
		got := names(t, d)
		want := n - n/10
		if len(got) != want || hooks.Load() != int64(want) {
			t.Fatalf("%d items stored and %d hooks ran, want %d each", len(got), hooks.Load(), want)
		}
		for _, name := range got {
			var id int
			fmt.Sscanf(name, "item-%d", &id)
			if id%2 == 1 || (id/2)%10 == 0 {
				t.Errorf("stored %s, which was rolled back", name)
			}
		}
	})
}
