package db

import (
	"context"
	"fmt"
	"sync"
)

// maxGroup bounds how many transactions one SQLite commit carries, so a long queue still
// answers its first callers soon.
const maxGroup = 64

// group commits SQLite write transactions that wait for the single writer together: the
// caller that finds the writer free runs whatever has queued meanwhile in one transaction,
// each member in a savepoint of its own, and commits once. A commit's cost (writing the changed
// pages to the WAL, checksums, checkpoints) is paid once per group instead of once per caller,
// and members touching the same pages (a stock row, the last page of the outbox) write them
// once. Nobody waits on purpose: alone, a caller commits at once as before; a group only
// forms while a commit is already running.
type group struct {
	mu      sync.Mutex
	queue   []*member
	running bool // a leader is running groups; it hands over or clears this when done
}

// member is one caller's transaction in a group.
type member struct {
	ctx   context.Context
	fn    func(*Tx) error
	solo  func() error // when set, what to run instead of fn in a transaction of its own
	tx    *Tx
	err   error
	panic any
	ok    bool      // fn succeeded and its savepoint was released
	wake  chan bool // true: lead the next group; false: err (or panic) is final
}

// inGroup runs fn in a transaction of the SQLite writer shared with other callers waiting for
// it, with the semantics of inTxOnce: fn's writes commit if and only if it returns nil. solo,
// at most one, replaces fn's own transaction when no other caller is waiting.
func (d *DB) inGroup(ctx context.Context, fn func(*Tx) error, solo ...func() error) error {
	m := &member{ctx: ctx, fn: fn, wake: make(chan bool, 1)}
	if len(solo) > 0 {
		m.solo = solo[0]
	}
	g := &d.group
	g.mu.Lock()
	g.queue = append(g.queue, m)
	lead := !g.running
	g.running = true
	g.mu.Unlock()
	if !lead {
		lead = <-m.wake
	}
	if lead {
		d.lead()
	}
	if m.panic != nil {
		panic(m.panic)
	}
	return m.err
}

// lead runs one group (its caller is first in the queue), then hands the lead to the next
// caller waiting, if any.
func (d *DB) lead() {
	g := &d.group
	g.mu.Lock()
	n := min(len(g.queue), maxGroup)
	batch := g.queue[:n:n]
	g.queue = g.queue[n:]
	g.mu.Unlock()

	d.runGroup(batch)

	g.mu.Lock()
	if len(g.queue) > 0 {
		g.queue[0].wake <- true
	} else {
		g.running = false
		g.queue = nil
	}
	g.mu.Unlock()
	for _, m := range batch[1:] {
		m.wake <- false
	}
}

// runGroup runs batch's members, sets each one's outcome and runs the after-commit hooks of
// those that committed.
func (d *DB) runGroup(batch []*member) {
	if len(batch) == 1 {
		m := batch[0]
		if m.solo != nil {
			m.err, m.panic = run(func(*Tx) error { return m.solo() }, nil)
			return
		}
		m.err = d.alone(m)
		return
	}
	err := d.together(batch)
	if err != nil {
		// The shared transaction failed as a whole (its commit, or SQLite rolled it back after
		// an error): every member not already failed by its own fn runs again on its own, so
		// each gets its own outcome.
		for _, m := range batch {
			if m.err == nil && m.panic == nil {
				m.ok = false
				m.err = d.alone(m)
			}
		}
		return
	}
	for _, m := range batch {
		if m.ok {
			m.tx.committed()
		}
	}
}

// alone runs m in a transaction of its own.
func (d *DB) alone(m *member) (err error) {
	defer func() {
		if p := recover(); p != nil {
			m.panic = p
		}
	}()
	return d.inTxOnce(m.ctx, m.fn)
}

// together runs batch in one transaction, each member in a savepoint, and commits. A member whose
// fn fails (or whose context ends) is rolled back to its savepoint alone. The error is about the
// shared transaction; members' own outcomes are in their fields.
func (d *DB) together(batch []*member) error {
	sqlTx, err := d.write.BeginTx(context.Background(), nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	var prepare []string
	defer func() {
		// Runs after commit or rollback, when the writer connection is back in the pool.
		for _, q := range prepare {
			d.writeStmts.get(context.Background(), q)
		}
	}()
	outer := &Tx{Tx: sqlTx, db: d, grouped: true}
	for _, m := range batch {
		if err := m.ctx.Err(); err != nil {
			m.err = err
			continue
		}
		// As a transaction of its own would be, a member cancelled meanwhile is not committed.
		inner, fnErr, panicked, spErr := outer.savepoint(context.Background(), m.fn, m.ctx.Err)
		m.tx, m.err, m.panic = inner, fnErr, panicked
		prepare = append(prepare, inner.toPrepare...)
		if spErr != nil {
			_ = sqlTx.Rollback()
			return spErr
		}
		m.ok = m.err == nil && m.panic == nil
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// run calls fn(tx), turning a panic into a value to re-raise in fn's own goroutine.
func run(fn func(*Tx) error, tx *Tx) (err error, panicked any) {
	defer func() {
		if p := recover(); p != nil {
			panicked = p
		}
	}()
	return fn(tx), nil
}
