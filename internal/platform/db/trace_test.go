package db_test

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// TestTracing: under a traced caller every statement, in a transaction or not, is a child span
// naming the store and carrying its SQL; an untraced caller records nothing.
func TestTracing(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		exp := tracetest.NewInMemoryExporter()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
		ctx, parent := tp.Tracer("test").Start(context.Background(), "request")
		if _, err := d.ExecContext(ctx, `CREATE TABLE traced (n INTEGER)`); err != nil {
			t.Fatal(err)
		}
		err := d.InTx(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO traced (n) VALUES ($1)`, 1)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM traced`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("count %d, %v", n, err)
		}
		if err := d.QueryRowContext(ctx, `SELECT n FROM traced WHERE n = $1`, 7).Scan(&n); err == nil {
			t.Fatal("want no rows")
		}
		parent.End()
		spans := exp.GetSpans()
		if len(spans) != 5 {
			t.Fatalf("%d spans: %v", len(spans), spans)
		}
		for _, s := range spans[:4] {
			if s.Parent.SpanID() != parent.SpanContext().SpanID() {
				t.Errorf("%s is not a child of the request", s.Name)
			}
			if s.Status.Code != 0 {
				t.Errorf("%s status %v (no rows is an answer)", s.Name, s.Status)
			}
		}
		if spans[1].Name != "exec "+d.Schema() || spans[2].Name != "query "+d.Schema() {
			t.Errorf("names %q, %q", spans[1].Name, spans[2].Name)
		}
		exp.Reset()
		if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM traced`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if got := len(exp.GetSpans()); got != 0 {
			t.Errorf("untraced query recorded %d spans", got)
		}
	})
}

// BenchmarkQueryRow measures what tracing adds to a point read: off (no span in the context,
// the default) and on (a recording span, every statement exported to memory).
func BenchmarkQueryRow(b *testing.B) {
	d := dbtest.Open(b, db.SQLite)
	ctx := context.Background()
	if _, err := d.ExecContext(ctx, `CREATE TABLE bench (id INTEGER PRIMARY KEY, v TEXT)`); err != nil {
		b.Fatal(err)
	}
	if _, err := d.ExecContext(ctx, `INSERT INTO bench (id, v) VALUES (1, 'x')`); err != nil {
		b.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(tracetest.NewNoopExporter()))
	traced, span := tp.Tracer("bench").Start(ctx, "request")
	defer span.End()
	for _, c := range []struct {
		name string
		ctx  context.Context
	}{{"off", ctx}, {"on", traced}} {
		b.Run(c.name, func(b *testing.B) {
			var v string
			for b.Loop() {
				if err := d.QueryRowContext(c.ctx, `SELECT v FROM bench WHERE id = $1`, 1).Scan(&v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
