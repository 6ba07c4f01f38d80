// Package dbtest gives each test its own store on every engine Pasar supports: a SQLite file in a
// temporary folder, and a fresh PostgreSQL schema (dropped afterwards) in the database named by
// PASAR_TEST_POSTGRES_URL.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/pasarhq/pasar/internal/platform/db"
)

// PostgresEnv is the variable that points tests at a PostgreSQL server.
const PostgresEnv = "PASAR_TEST_POSTGRES_URL"

// Engines runs fn as a subtest once per engine, each with its own empty store. The PostgreSQL
// subtest skips, naming PostgresEnv, when that variable is unset.
func Engines(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, e := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			fn(t, Open(t, e))
		})
	}
}

// Open returns a new empty store on engine e that is removed when the test ends.
func Open(t testing.TB, e db.Engine) *db.DB {
	t.Helper()
	o := Options(t, e)
	d, err := db.Open(context.Background(), o)
	if err != nil {
		t.Fatalf("open %s store: %v", e, err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// Options returns the options of a new empty store on engine e, removed when the test ends.
// Tests that open the same store more than once (as a restarted process would) use it directly.
func Options(t testing.TB, e db.Engine) db.Options {
	t.Helper()
	schema := "t_" + randomHex(6)
	switch e {
	case db.SQLite:
		return db.Options{Schema: schema, Dir: t.TempDir()}
	case db.Postgres:
		url := PostgresURL(t)
		t.Cleanup(func() { dropSchema(t, url, schema) })
		return db.Options{Schema: schema, PostgresURL: url, MaxConns: 8}
	}
	t.Fatalf("unknown engine %q", e)
	return db.Options{}
}

// PostgresURL returns the test server's URL or skips the test, naming the variable.
func PostgresURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv(PostgresEnv)
	if url == "" {
		t.Skipf("PostgreSQL tests skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test)", PostgresEnv)
	}
	return url
}

func dropSchema(t testing.TB, url, schema string) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Errorf("drop schema: %v", err)
		return
	}
	conn := stdlib.OpenDB(*cfg)
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := conn.ExecContext(ctx, `DROP SCHEMA IF EXISTS `+schema+` CASCADE`); err != nil && err != sql.ErrConnDone {
		t.Errorf("drop schema %s: %v", schema, err)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
