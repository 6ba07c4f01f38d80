package payment

import (
	"context"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// TestPayStatements: a paid and captured checkout writes its two steps in one statement, and on
// PostgreSQL the intent and its event in that statement too, with no transaction around it: the
// store's statements, counted from their spans.
func TestPayStatements(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		exp := tracetest.NewInMemoryExporter()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
		ctx, span := tp.Tracer("test").Start(context.Background(), "checkout")
		in, err := f.Pay(ctx, IntentRequest{OrderID: "o-1", Amount: 4999, Currency: "USD", IdempotencyKey: "o-1"},
			Card{Number: CardSucceeds}, true)
		span.End()
		if err != nil || in.Status != Captured {
			t.Fatalf("pay: %+v, %v", in, err)
		}
		var stmts []string
		steps := 0
		for _, s := range exp.GetSpans() {
			for _, a := range s.Attributes {
				if a.Key == "db.query.text" {
					q := a.Value.AsString()
					stmts = append(stmts, q)
					if strings.Contains(q, "payment_steps") {
						steps++
					}
				}
			}
		}
		want := 4 // the key's read, the intent, its steps, the event
		if d.Engine() == db.Postgres {
			want = 2
		}
		if len(stmts) != want || steps != 1 {
			t.Fatalf("%d statements (%d writing steps), want %d (1):\n%s", len(stmts), steps, want, strings.Join(stmts, "\n"))
		}
		got, err := f.Get(context.Background(), in.ID)
		if err != nil || len(got.Steps) != 2 || got.Steps[0].Kind != StepAuthorize || got.Steps[1].Kind != StepCapture ||
			got.CardLast4 != "4242" || got.Captured != 4999 {
			t.Fatalf("paid intent: %+v, %v", got, err)
		}
		var events int
		if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM events_outbox WHERE type = $1`,
			EventAuthorized).Scan(&events); err != nil || events != 1 {
			t.Fatalf("%d %s events in the outbox (%v), want 1", events, EventAuthorized, err)
		}
	})
}

// TestPayFirstAttemptSkipsTheKeyRead: a first attempt does not read its key; one that finds the
// key taken all the same (a caller mistaken about it) gets the recorded intent, its own hold
// dropped at the provider, and nothing more recorded.
func TestPayFirstAttemptSkipsTheKeyRead(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		r := IntentRequest{OrderID: "o-1", Amount: 4999, Currency: "USD", IdempotencyKey: "o-1", FirstAttempt: true}
		card := Card{Number: CardSucceeds}
		exp := tracetest.NewInMemoryExporter()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
		ctx, span := tp.Tracer("test").Start(context.Background(), "checkout")
		first, err := f.Pay(ctx, r, card, true)
		span.End()
		if err != nil || first.Status != Captured {
			t.Fatalf("pay: %+v, %v", first, err)
		}
		for _, s := range exp.GetSpans() {
			for _, a := range s.Attributes {
				if a.Key == "db.query.text" && strings.HasPrefix(strings.TrimSpace(a.Value.AsString()), "SELECT") {
					t.Errorf("a first attempt read: %s", a.Value.AsString())
				}
			}
		}
		again, err := f.Pay(context.Background(), r, card, true)
		if err != nil || again.ID != first.ID || again.Status != Captured {
			t.Fatalf("a first attempt with a taken key: %+v, %v (first %s)", again, err, first.ID)
		}
		if _, live := f.prov.Holds(); live != 1 {
			t.Errorf("%d live holds at the provider, want 1", live)
		}
		var intents int
		if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM payment_intents`).Scan(&intents); err != nil || intents != 1 {
			t.Errorf("%d intents recorded (%v), want 1", intents, err)
		}
	})
}
