package db_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// TestPostgresSchemaNamedLikeAKeyword opens the order service's store, whose schema "order" is
// a reserved word in SQL, on a database of its own (a fixed schema name would collide between
// tests sharing one database).
func TestPostgresSchemaNamedLikeAKeyword(t *testing.T) {
	t.Parallel()
	base := dbtest.PostgresURL(t)
	cfg, err := pgx.ParseConfig(base)
	if err != nil {
		t.Fatal(err)
	}
	admin := stdlib.OpenDB(*cfg)
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "pasar_t_" + hex.EncodeToString(b)
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`) })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	d, err := db.Open(ctx, db.Options{Schema: "order", PostgresURL: u.String()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.ExecContext(ctx, `CREATE TABLE things (n INTEGER)`); err != nil {
		t.Fatal(err)
	}
	var schema string
	if err := d.QueryRowContext(ctx, `SELECT table_schema FROM information_schema.tables WHERE table_name = 'things'`).Scan(&schema); err != nil || schema != "order" {
		t.Fatalf("table in schema %q: %v", schema, err)
	}
}
