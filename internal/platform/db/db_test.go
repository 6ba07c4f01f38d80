package db_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

var testMigrations = fstest.MapFS{
	"0001_init.sql": {Data: []byte(`
		CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, qty INTEGER NOT NULL);
		CREATE INDEX item_qty ON item (qty);`)},
	"0002_note.sql":          {Data: []byte(`ALTER TABLE item ADD COLUMN note TEXT NOT NULL DEFAULT ''`)},
	"0003_blob.sqlite.sql":   {Data: []byte(`CREATE TABLE blob (id INTEGER PRIMARY KEY, body BLOB)`)},
	"0003_blob.postgres.sql": {Data: []byte(`CREATE TABLE blob (id INTEGER PRIMARY KEY, body BYTEA)`)},
	"README.md":              {Data: []byte(`not a migration`)},
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		n, err := db.Migrate(ctx, d, "test", testMigrations)
		if err != nil || n != 3 {
			t.Fatalf("first migrate: applied %d, err %v; want 3, nil", n, err)
		}
		n, err = db.Migrate(ctx, d, "test", testMigrations)
		if err != nil || n != 0 {
			t.Fatalf("second migrate: applied %d, err %v; want 0, nil", n, err)
		}
		if v, err := db.Version(ctx, d, "test"); err != nil || v != 3 {
			t.Fatalf("version = %d, %v; want 3", v, err)
		}
		if _, err := d.ExecContext(ctx, `INSERT INTO blob (id, body) VALUES ($1, $2)`, 1, []byte{0, 1, 2}); err != nil {
			t.Fatalf("engine-specific migration not applied: %v", err)
		}
		var body []byte
		if err := d.QueryRowContext(ctx, `SELECT body FROM blob WHERE id = $1`, 1).Scan(&body); err != nil || len(body) != 3 {
			t.Fatalf("read blob: %v %v", body, err)
		}
	})
}

func TestMigrateFailureLeavesNothingHalfDone(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		bad := fstest.MapFS{
			"0001_ok.sql":  {Data: []byte(`CREATE TABLE a (id INTEGER PRIMARY KEY)`)},
			"0002_bad.sql": {Data: []byte(`CREATE TABLE b (id INTEGER PRIMARY KEY); CREATE TABLE a (x INTEGER)`)},
		}
		n, err := db.Migrate(ctx, d, "bad", bad)
		if err == nil || n != 1 {
			t.Fatalf("applied %d, err %v; want 1 and an error", n, err)
		}
		if v, _ := db.Version(ctx, d, "bad"); v != 1 {
			t.Fatalf("version = %d, want 1", v)
		}
		if _, err := d.ExecContext(ctx, `INSERT INTO b (id) VALUES (1)`); err == nil {
			t.Fatal("table b exists: the failed migration was half applied")
		}
	})
}

func TestMigrationNames(t *testing.T) {
	t.Parallel()
	for name, fsys := range map[string]fstest.MapFS{
		"no number": {"init.sql": {Data: []byte(`SELECT 1`)}},
		"duplicate": {"0001_a.sql": {Data: []byte(`SELECT 1`)}, "0001_b.sql": {Data: []byte(`SELECT 1`)}},
	} {
		if _, err := db.LoadMigrations(fsys, db.SQLite); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestConcurrentMigrate(t *testing.T) {
	t.Parallel()
	// Two processes starting at once against the same PostgreSQL schema must not both apply.
	o := dbtest.Options(t, db.Postgres)
	ctx := context.Background()
	var wg sync.WaitGroup
	total := make(chan int, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := db.Open(ctx, o)
			if err != nil {
				t.Error(err)
				return
			}
			defer d.Close()
			n, err := db.Migrate(ctx, d, "test", testMigrations)
			if err != nil {
				t.Error(err)
			}
			total <- n
		}()
	}
	wg.Wait()
	close(total)
	sum := 0
	for n := range total {
		sum += n
	}
	if sum != 3 {
		t.Fatalf("migrations applied %d times in all, want 3", sum)
	}
}

func TestInTx(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := db.Migrate(ctx, d, "test", testMigrations); err != nil {
			t.Fatal(err)
		}
		committed := false
		err := d.InTx(ctx, func(tx *db.Tx) error {
			tx.AfterCommit(func() { committed = true })
			_, err := tx.ExecContext(ctx, `INSERT INTO item (id, name, qty) VALUES ($1, $2, $3)`, 1, "a", 5)
			return err
		})
		if err != nil || !committed {
			t.Fatalf("commit: err %v, hook ran %v", err, committed)
		}

		boom := errors.New("boom")
		hook := false
		err = d.InTx(ctx, func(tx *db.Tx) error {
			tx.AfterCommit(func() { hook = true })
			if _, err := tx.ExecContext(ctx, `INSERT INTO item (id, name, qty) VALUES ($1, $2, $3)`, 2, "b", 1); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) || hook {
			t.Fatalf("rollback: err %v, hook ran %v", err, hook)
		}
		var n int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM item`).Scan(&n)
		if n != 1 {
			t.Fatalf("rows = %d after rollback, want 1", n)
		}

		_, err = d.ExecContext(ctx, `INSERT INTO item (id, name, qty) VALUES ($1, $2, $3)`, 3, "a", 1)
		if !db.IsUniqueViolation(err) {
			t.Fatalf("duplicate name: %v is not a unique violation", err)
		}
		if db.IsUniqueViolation(boom) {
			t.Fatal("plain error taken for a unique violation")
		}
	})
}

func TestConcurrentDecrementSellsLastUnitOnce(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := db.Migrate(ctx, d, "test", testMigrations); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, `INSERT INTO item (id, name, qty) VALUES (1, 'last', 1)`); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		sold := 0
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := d.InTx(ctx, func(tx *db.Tx) error {
					res, err := tx.ExecContext(ctx, `UPDATE item SET qty = qty - 1 WHERE id = 1 AND qty > 0`)
					if err != nil {
						return err
					}
					if n, _ := res.RowsAffected(); n == 1 {
						tx.AfterCommit(func() { mu.Lock(); sold++; mu.Unlock() })
					}
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if sold != 1 {
			t.Fatalf("last unit sold %d times", sold)
		}
	})
}

// TestPreparedStatementsUnderContention mixes transactions and plain writes with statements the
// store has not prepared yet: on SQLite they share one writer connection, so preparing must
// never wait for it while holding what a transaction needs to finish.
func TestPreparedStatementsUnderContention(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if _, err := db.Migrate(ctx, d, "test", testMigrations); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 40 {
					id := g*1000 + i
					// A statement text per (goroutine, round) so the cache keeps missing.
					q := fmt.Sprintf(`INSERT INTO item (id, name, qty) VALUES ($1, $2, $3) /* %d */`, i%7)
					var err error
					if i%2 == 0 {
						_, err = d.ExecContext(ctx, q, id, fmt.Sprint("n", id), i)
					} else {
						err = d.InTx(ctx, func(tx *db.Tx) error {
							if _, err := tx.ExecContext(ctx, q, id, fmt.Sprint("n", id), i); err != nil {
								return err
							}
							var n int
							return tx.QueryRowContext(ctx, `SELECT qty FROM item WHERE id = $1`, id).Scan(&n)
						})
					}
					if err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM item WHERE qty >= $1`, 0).Scan(&n); err != nil || n != 320 {
			t.Fatalf("rows = %d, %v; want 320", n, err)
		}
	})
}
