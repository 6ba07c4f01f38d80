package db

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"database/sql"

	"github.com/jackc/pgx/v5/pgconn"
)

// Tx is a write transaction. It embeds *sql.Tx and adds hooks that run after a successful commit
// (e.g. to wake the outbox relay or drop a cache entry only once the change is durable).
type Tx struct {
	*sql.Tx
	db        *DB
	after     []func()
	toPrepare []string // statements to prepare once the writer connection is free again
	// grouped: the transaction is shared with other callers (see group). A statement of one
	// must not be cancelled by its context: SQLite rolls the whole transaction back when a
	// write is interrupted. The context is checked before commit instead.
	grouped bool
	// depth is how many savepoints (see Savepoint) enclose this Tx; it names the next one.
	depth int
}

// ctx returns the context to run a statement of the transaction with.
func (tx *Tx) ctx(ctx context.Context) context.Context {
	if tx.grouped {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// committed runs the hooks registered with AfterCommit.
func (tx *Tx) committed() {
	for _, f := range tx.after {
		f()
	}
}

// stmt returns q's prepared statement, or nil after noting q to prepare when the transaction ends.
func (tx *Tx) stmt(q string, args []any) *sql.Stmt {
	if tx.db.writeStmts == nil || len(args) == 0 {
		return nil
	}
	if s := tx.db.writeStmts.peek(q, args); s != nil {
		return s
	}
	tx.toPrepare = append(tx.toPrepare, q)
	return nil
}

// ExecContext runs a statement in the transaction, reusing its prepared form on SQLite.
func (tx *Tx) ExecContext(ctx context.Context, q string, args ...any) (res sql.Result, err error) {
	span := tx.db.startSpan(ctx, "exec", q)
	ctx = tx.ctx(ctx)
	if s := tx.stmt(q, args); s != nil {
		res, err = tx.Tx.StmtContext(ctx, s).ExecContext(ctx, args...)
	} else {
		res, err = tx.Tx.ExecContext(ctx, q, args...)
	}
	endSpan(span, err)
	return res, err
}

// QueryContext runs a query in the transaction, reusing its prepared form on SQLite.
func (tx *Tx) QueryContext(ctx context.Context, q string, args ...any) (rows *sql.Rows, err error) {
	span := tx.db.startSpan(ctx, "query", q)
	ctx = tx.ctx(ctx)
	if s := tx.stmt(q, args); s != nil {
		rows, err = tx.Tx.StmtContext(ctx, s).QueryContext(ctx, args...)
	} else {
		rows, err = tx.Tx.QueryContext(ctx, q, args...)
	}
	endSpan(span, err)
	return rows, err
}

// QueryRowContext runs a query returning at most one row in the transaction, reusing its
// prepared form on SQLite.
func (tx *Tx) QueryRowContext(ctx context.Context, q string, args ...any) (row *sql.Row) {
	span := tx.db.startSpan(ctx, "query", q)
	ctx = tx.ctx(ctx)
	if s := tx.stmt(q, args); s != nil {
		row = tx.Tx.StmtContext(ctx, s).QueryRowContext(ctx, args...)
	} else {
		row = tx.Tx.QueryRowContext(ctx, q, args...)
	}
	if span != nil {
		endSpan(span, row.Err())
	}
	return row
}

// Engine reports the engine the transaction runs on, for the rare statement that differs.
func (tx *Tx) Engine() Engine { return tx.db.engine }

// AfterCommit registers f to run once the transaction has committed. It does not run on rollback.
func (tx *Tx) AfterCommit(f func()) { tx.after = append(tx.after, f) }

// Savepoint runs fn inside a savepoint of tx: if fn returns nil, its writes stay part of tx
// (they commit or roll back with it); if fn returns an error or panics, only its writes are
// rolled back and the rest of tx goes on. This is also the way to go on after a failed statement
// on PostgreSQL, which otherwise refuses every statement until the transaction ends.
//
// fn must use the Tx it is given: hooks it registers with AfterCommit run after tx commits only
// if fn succeeded (as in a transaction of its own), and savepoints nest, each under a name of its
// own. fn's error is returned unchanged once its writes are rolled back; a panic is re-raised
// after the rollback. If the savepoint statements themselves fail, tx is in an unknown state:
// Savepoint then returns an error that says so (not wrapping fn's) and tx must be rolled back.
func (tx *Tx) Savepoint(ctx context.Context, fn func(*Tx) error) error {
	hooks := len(tx.after)
	inner, fnErr, panicked, spErr := tx.savepoint(ctx, fn, nil)
	// Statements to prepare are kept whatever the outcome: preparing is no write.
	tx.toPrepare = append(tx.toPrepare, inner.toPrepare...)
	if fnErr != nil || panicked != nil {
		// Also drop hooks fn registered on tx itself by mistake: none may run for rolled-back writes.
		tx.after = tx.after[:hooks]
	}
	if panicked != nil {
		panic(panicked)
	}
	if spErr != nil {
		return spErr
	}
	if fnErr != nil {
		return fnErr
	}
	tx.after = append(tx.after, inner.after...)
	return nil
}

// savepoint runs fn in a savepoint of tx, on a Tx of its own (inner, returned with its hooks and
// statements to prepare), and rolls fn's writes back when fn fails or panics, or when check (if
// not nil) turns fn's nil error into one. spErr is a failure of the savepoint statements
// themselves, after which tx must be rolled back. The statements outlive a cancelled ctx: an
// interrupted ROLLBACK TO would leave fn's writes in tx.
func (tx *Tx) savepoint(ctx context.Context, fn func(*Tx) error, check func() error) (inner *Tx, fnErr error, panicked any, spErr error) {
	sctx := context.WithoutCancel(ctx)
	inner = &Tx{Tx: tx.Tx, db: tx.db, grouped: tx.grouped, depth: tx.depth + 1}
	name := "pasar_sp" + strconv.Itoa(inner.depth)
	if _, err := tx.Tx.ExecContext(sctx, "SAVEPOINT "+name); err != nil {
		return inner, nil, nil, fmt.Errorf("savepoint: %w", err)
	}
	fnErr, panicked = run(fn, inner)
	if fnErr == nil && panicked == nil && check != nil {
		fnErr = check()
	}
	if fnErr != nil || panicked != nil {
		if _, err := tx.Tx.ExecContext(sctx, "ROLLBACK TO SAVEPOINT "+name); err != nil {
			return inner, fnErr, panicked, fmt.Errorf("rollback to savepoint after %v: %w", fnErr, err)
		}
	}
	if _, err := tx.Tx.ExecContext(sctx, "RELEASE SAVEPOINT "+name); err != nil {
		return inner, fnErr, panicked, fmt.Errorf("release savepoint: %w", err)
	}
	return inner, fnErr, panicked, nil
}

// maxAttempts bounds retries of transactions that PostgreSQL aborted for serialization failures
// or deadlocks; such aborts are expected under contention and succeed when run again.
const maxAttempts = 5

// InTx runs fn in a write transaction and commits it if fn returns nil; otherwise it rolls back
// and returns fn's error. fn may run more than once when PostgreSQL reports a serialization
// failure or deadlock, so it must not have side effects outside tx (use AfterCommit for those).
//
// On SQLite, callers waiting for the writer share a commit (see group); each still commits or
// rolls back alone.
func (d *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	if d.engine == SQLite {
		return d.inGroup(ctx, fn)
	}
	for attempt := 1; ; attempt++ {
		err := d.inTxOnce(ctx, fn)
		if err == nil || attempt == maxAttempts || !retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt*attempt) * time.Millisecond):
		}
	}
}

func (d *DB) inTxOnce(ctx context.Context, fn func(tx *Tx) error) (err error) {
	sqlTx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{Tx: sqlTx, db: d}
	defer func() {
		// Runs after commit or rollback, when the writer connection is back in the pool.
		for _, q := range tx.toPrepare {
			d.writeStmts.get(ctx, q)
		}
	}()
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		if rbErr := sqlTx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	tx.committed()
	return nil
}

func retryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40001" || pgErr.Code == "40P01"
	}
	return false
}

// IsUniqueViolation reports whether err is a unique or primary key constraint failure on either
// engine, so stores can turn it into a conflict error.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var coder interface{ Code() int }
	if errors.As(err, &coder) {
		// SQLITE_CONSTRAINT_UNIQUE (2067) and SQLITE_CONSTRAINT_PRIMARYKEY (1555).
		return coder.Code() == 2067 || coder.Code() == 1555
	}
	return false
}
