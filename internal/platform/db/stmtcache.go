package db

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCacheSize bounds how many distinct statements a store keeps prepared; a service has a few
// dozen, so the bound only guards against SQL built with literals in it.
const stmtCacheSize = 512

// stmtCache keeps statements prepared on one *sql.DB. On SQLite, preparing is a large part of a
// small statement's cost (measured: 40-50% of a three-line reservation), and modernc's driver
// prepares afresh on every Exec; PostgreSQL needs none of this because pgx caches prepared
// statements per connection itself.
//
// Only statements with arguments are cached: those are the repeated ones, while argument-free
// SQL is mostly DDL or migrations, which may hold several statements that one prepare would cut
// to the first.
type stmtCache struct {
	pool  *sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, stmts: make(map[string]*sql.Stmt)}
}

// get returns the prepared statement for q, preparing it on first use; nil means "run q
// unprepared" (the cache is full, or preparing failed and running will report why).
func (c *stmtCache) get(ctx context.Context, q string) *sql.Stmt {
	c.mu.RLock()
	s := c.stmts[q]
	c.mu.RUnlock()
	if s != nil {
		return s
	}
	// Prepare without holding the lock: preparing waits for a connection, and the one holding it
	// may need the lock for its own next statement.
	if c.full() {
		return nil
	}
	s, err := c.pool.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev := c.stmts[q]; prev != nil {
		s.Close() // another caller prepared it meanwhile
		return prev
	}
	if len(c.stmts) >= stmtCacheSize {
		s.Close()
		return nil
	}
	c.stmts[q] = s
	return s
}

func (c *stmtCache) full() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.stmts) >= stmtCacheSize
}

// peek returns the prepared statement for q if there is one, without preparing it: inside a
// transaction the writer's only connection is taken, so preparing on the pool would wait forever.
func (c *stmtCache) peek(q string, args []any) *sql.Stmt {
	if c == nil || len(args) == 0 {
		return nil
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.stmts[q]
}

// lookup is get for a statement run with args, on a cache that may be absent (PostgreSQL).
func (c *stmtCache) lookup(ctx context.Context, q string, args []any) *sql.Stmt {
	if c == nil || len(args) == 0 {
		return nil
	}
	return c.get(ctx, q)
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, s := range c.stmts {
		s.Close()
		delete(c.stmts, q)
	}
}
