// Package db opens the SQL store a service owns and runs queries, transactions and migrations on
// it with one API for both engines: SQLite (embedded default, pure Go) and PostgreSQL (pgx).
//
// Each service gets its own store: a SQLite file <schema>.db under the data folder, or a
// PostgreSQL schema of that name (set as the connection's search_path). Store code therefore uses
// unqualified table names and $1-style placeholders, which both engines accept.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Engine names a SQL engine.
type Engine string

// The engines Pasar stores data in.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Options says where a service's store lives.
type Options struct {
	// Schema is the store's name: the SQLite file name and the PostgreSQL schema.
	Schema string
	// Dir is the folder that holds SQLite files; used when PostgresURL is empty.
	Dir string
	// PostgresURL selects PostgreSQL when set.
	PostgresURL string
	// MaxConns bounds the PostgreSQL pool and the SQLite reader pool (0 picks a default).
	MaxConns int
	// SyncFull makes SQLite fsync on every commit (synchronous=FULL) instead of at checkpoints.
	SyncFull bool
}

var schemaName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// DB is one service's store. Reads go to a pool of readers; writes go through a single writer
// connection on SQLite (SQLite allows one writer at a time, so queueing in Go beats spinning on
// SQLITE_BUSY) and through the shared pool on PostgreSQL.
type DB struct {
	engine Engine
	schema string
	write  *sql.DB
	read   *sql.DB
	// Prepared statements on SQLite's writer and readers; nil on PostgreSQL.
	writeStmts, readStmts *stmtCache
	group                 group // SQLite's writer transactions waiting to commit together
}

// Open opens (creating if needed) the store described by o.
func Open(ctx context.Context, o Options) (*DB, error) {
	if !schemaName.MatchString(o.Schema) {
		return nil, fmt.Errorf("db: invalid schema name %q", o.Schema)
	}
	var (
		d   *DB
		err error
	)
	if o.PostgresURL != "" {
		d, err = openPostgres(o)
	} else {
		d, err = openSQLite(o)
	}
	if err != nil {
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := d.Ping(pingCtx); err != nil {
		d.Close()
		return nil, fmt.Errorf("db %s: %w", o.Schema, err)
	}
	return d, nil
}

func openSQLite(o Options) (*DB, error) {
	if o.Dir == "" {
		return nil, errors.New("db: SQLite needs a data folder")
	}
	if err := os.MkdirAll(o.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("db: %w", err)
	}
	sync := "NORMAL"
	if o.SyncFull {
		sync = "FULL"
	}
	path := filepath.Join(o.Dir, o.Schema+".db")
	// busy_timeout comes first so that switching to WAL waits for other openers.
	base := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(" + sync + ")&_pragma=foreign_keys(ON)"
	w, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("db: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(ON)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("db: %w", err)
	}
	n := o.MaxConns
	if n <= 0 {
		n = max(4, 2*runtime.GOMAXPROCS(0))
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(0)
	r.SetConnMaxLifetime(0)
	return &DB{engine: SQLite, schema: o.Schema, write: w, read: r,
		writeStmts: newStmtCache(w), readStmts: newStmtCache(r)}, nil
}

func openPostgres(o Options) (*DB, error) {
	cfg, err := pgx.ParseConfig(o.PostgresURL)
	if err != nil {
		return nil, fmt.Errorf("db: postgres url: %s", redactParseError(err))
	}
	// Every connection of this store sees only its own schema (plus public for extensions).
	// Quoted: a service name may be a reserved word ("order").
	cfg.RuntimeParams["search_path"] = `"` + o.Schema + `"`
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "pasar-" + o.Schema
	}
	p := stdlib.OpenDB(*cfg)
	n := o.MaxConns
	if n <= 0 {
		n = 8
	}
	p.SetMaxOpenConns(n)
	p.SetMaxIdleConns(n)
	p.SetConnMaxIdleTime(5 * time.Minute)
	p.SetConnMaxLifetime(time.Hour)
	d := &DB{engine: Postgres, schema: o.Schema, write: p, read: p}
	return d, nil
}

// redactParseError keeps a password in a malformed URL out of logs.
func redactParseError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return "cannot parse the connection string"
}

// Engine reports which engine the store runs on.
func (d *DB) Engine() Engine { return d.engine }

// Schema reports the store's name.
func (d *DB) Schema() string { return d.schema }

// Ping checks that the store answers; on PostgreSQL it also creates the schema if missing, so a
// fresh database is usable right away.
func (d *DB) Ping(ctx context.Context) error {
	if d.engine == Postgres {
		// IF NOT EXISTS still races when several processes start together; losing that race is fine.
		_, err := d.write.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS "`+d.schema+`"`)
		if err != nil && !IsUniqueViolation(err) {
			return err
		}
		return nil
	}
	if err := d.write.PingContext(ctx); err != nil {
		return err
	}
	return d.read.PingContext(ctx)
}

// Check reports whether the store answers a trivial query; readiness probes call it.
func (d *DB) Check(ctx context.Context) error {
	var one int
	return d.read.QueryRowContext(ctx, `SELECT 1`).Scan(&one)
}

// Close closes every connection.
func (d *DB) Close() error {
	if d.writeStmts != nil {
		d.writeStmts.close()
		d.readStmts.close()
	}
	err := d.write.Close()
	if d.read != d.write {
		err = errors.Join(err, d.read.Close())
	}
	return err
}

// QueryContext runs a read query on the reader pool.
func (d *DB) QueryContext(ctx context.Context, q string, args ...any) (rows *sql.Rows, err error) {
	span := d.startSpan(ctx, "query", q)
	if s := d.readStmts.lookup(ctx, q, args); s != nil {
		rows, err = s.QueryContext(ctx, args...)
	} else {
		rows, err = d.read.QueryContext(ctx, q, args...)
	}
	endSpan(span, err)
	return rows, err
}

// QueryRowContext runs a read query returning at most one row on the reader pool.
func (d *DB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return d.queryRow(ctx, "query", d.read, d.readStmts, q, args)
}

// queryRow runs q, returning at most one row, on pool with its prepared statements.
func (d *DB) queryRow(ctx context.Context, op string, pool *sql.DB, stmts *stmtCache, q string, args []any) (row *sql.Row) {
	span := d.startSpan(ctx, op, q)
	if s := stmts.lookup(ctx, q, args); s != nil {
		row = s.QueryRowContext(ctx, args...)
	} else {
		row = pool.QueryRowContext(ctx, q, args...)
	}
	if span != nil {
		endSpan(span, row.Err())
	}
	return row
}

// ExecContext runs one writing statement outside an explicit transaction. On SQLite a
// statement with arguments that has to wait for the writer commits with the transactions
// waiting with it (see group).
func (d *DB) ExecContext(ctx context.Context, q string, args ...any) (res sql.Result, err error) {
	if d.engine != SQLite || len(args) == 0 {
		return d.exec(ctx, q, args)
	}
	err = d.inGroup(ctx, func(tx *Tx) (err error) {
		res, err = tx.ExecContext(ctx, q, args...)
		return err
	}, func() (err error) {
		res, err = d.exec(ctx, q, args)
		return err
	})
	return res, err
}

// exec runs q on its own on the writer.
func (d *DB) exec(ctx context.Context, q string, args []any) (res sql.Result, err error) {
	span := d.startSpan(ctx, "exec", q)
	if s := d.writeStmts.lookup(ctx, q, args); s != nil {
		res, err = s.ExecContext(ctx, args...)
	} else {
		res, err = d.write.ExecContext(ctx, q, args...)
	}
	endSpan(span, err)
	return res, err
}

// WriteRow runs one writing statement that returns a row (INSERT, UPDATE or a data-modifying WITH
// with RETURNING or a final SELECT) outside an explicit transaction, on the writer: the statement
// is atomic by itself. QueryRowContext would send it to the reader pool.
func (d *DB) WriteRow(ctx context.Context, q string, args ...any) *sql.Row {
	return d.queryRow(ctx, "exec", d.write, d.writeStmts, q, args)
}

// Stats returns the writer pool's statistics (the reader pool too on PostgreSQL).
func (d *DB) Stats() sql.DBStats { return d.write.Stats() }

// Querier is what both *DB and *Tx offer, so store code can run inside or outside a transaction.
type Querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

var (
	_ Querier = (*DB)(nil)
	_ Querier = (*Tx)(nil)
)
