package events

import (
	"context"
	"errors"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

func TestOutboxEmbedded(t *testing.T) {
	t.Parallel()
	e := startEmbedded(t, "", t.TempDir())
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		checkDelivery(t, d, e.ClientURL())
	})
}

func TestOutboxExternal(t *testing.T) {
	t.Parallel()
	url := os.Getenv(natsEnv)
	if url == "" {
		t.Skipf("external NATS tests skipped: set %s (e.g. nats://127.0.0.1:4222)", natsEnv)
	}
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		checkDelivery(t, d, url)
	})
}

type product struct {
	SKU string `json:"sku"`
}

// checkDelivery writes events in a committed and a rolled-back transaction and checks that
// exactly the committed ones reach each consumer whose types match, with their trace context.
func checkDelivery(t *testing.T, d *db.DB, url string) {
	prepare(t, d)
	b := connectBus(t, url)
	o := NewOutbox(d, b, "catalog", testLog())
	runOutbox(t, o)

	var (
		mu     sync.Mutex
		traces = map[string]trace.TraceID{}
		got    = map[string]Event{}
	)
	allName := uniq("all")
	subscribe(t, b, d, ConsumerOptions{Name: allName}, func(ctx context.Context, tx *db.Tx, ev Event) error {
		mu.Lock()
		traces[ev.ID] = trace.SpanContextFromContext(ctx).TraceID()
		got[ev.ID] = ev
		mu.Unlock()
		return apply(ctx, tx, "all", ev)
	})
	subscribe(t, b, d, ConsumerOptions{Name: uniq("products"), Types: []string{"product.*"}},
		func(ctx context.Context, tx *db.Tx, ev Event) error {
			if ev.Type != "product.upserted" && ev.Type != "product.deleted" {
				t.Errorf("products consumer got %s", ev.Type)
			}
			return apply(ctx, tx, "products", ev)
		})

	span := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		SpanID:     trace.SpanID{1, 2, 3, 4, 5, 6, 7, 8},
		TraceFlags: trace.FlagsSampled,
	})
	ctx := trace.ContextWithSpanContext(context.Background(), span)
	var upserted Event
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if upserted, err = o.Add(ctx, tx, "product.upserted", 2, product{SKU: "A-1"}); err != nil {
			return err
		}
		if _, err := o.Add(ctx, tx, "order.placed", 1, map[string]string{"id": "o1"}); err != nil {
			return err
		}
		_, err = o.Add(ctx, tx, "product.deleted", 1, product{SKU: "B-2"})
		return err
	})
	if err != nil {
		t.Fatalf("committed tx: %v", err)
	}
	var rolledBack Event
	errRollback := errors.New("roll back")
	err = d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if rolledBack, err = o.Add(ctx, tx, "product.upserted", 1, product{SKU: "C-3"}); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("rolled-back tx: %v", err)
	}

	waitFor(t, 20*time.Second, "3 events for all, 2 for products", func() bool {
		all, _ := applied(t, d, "all")
		products, _ := applied(t, d, "products")
		return all == 3 && products == 2
	})
	waitFor(t, 10*time.Second, "an empty outbox", func() bool {
		n, err := o.Pending(context.Background())
		return err == nil && n == 0
	})
	// The outbox is empty and the stream holds the committed three: the rolled-back event was
	// never published.
	if n := streamMsgs(t, b); n != 3 {
		t.Errorf("stream holds %d messages, want 3", n)
	}
	if _, total := applied(t, d, "all"); total != 3 {
		t.Errorf("all applied %d times, want 3", total)
	}
	mu.Lock()
	defer mu.Unlock()
	if _, ok := got[rolledBack.ID]; ok {
		t.Errorf("rolled-back event %s was delivered", rolledBack.ID)
	}
	ev, ok := got[upserted.ID]
	if !ok {
		t.Fatalf("event %s not delivered", upserted.ID)
	}
	var p product
	if err := ev.Decode(&p); err != nil || p.SKU != "A-1" {
		t.Errorf("decode = %+v, %v; want SKU A-1", p, err)
	}
	if ev.Type != "product.upserted" || ev.Version != 2 || ev.Source != "catalog" || ev.Time.IsZero() {
		t.Errorf("event envelope = %+v", ev)
	}
	if traces[ev.ID] != span.TraceID() {
		t.Errorf("handler trace id = %s, want %s (traceparent %q)", traces[ev.ID], span.TraceID(), ev.TraceParent)
	}
	if n := value(b.m.published.WithLabelValues("catalog")); n != 3 {
		t.Errorf("published metric = %v, want 3", n)
	}
	if n := value(b.m.handled.WithLabelValues(allName)); n != 3 {
		t.Errorf("handled metric = %v, want 3", n)
	}
}

// TestOutboxAddAllAndWithin: AddAll records several events with one statement, and on
// PostgreSQL Within's WITH item writes them in the statement of the change, only when its
// condition holds; the relay publishes exactly those.
func TestOutboxAddAllAndWithin(t *testing.T) {
	t.Parallel()
	e := startEmbedded(t, "", t.TempDir())
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		prepare(t, d)
		b := connectBus(t, e.ClientURL())
		o := NewOutbox(d, b, "order", testLog())
		ctx := context.Background()
		var evs []Event
		err := d.InTx(ctx, func(tx *db.Tx) error {
			var err error
			evs, err = o.AddAll(ctx, tx, Draft{Type: "order.placed", Version: 1, Data: product{SKU: "A"}},
				Draft{Type: "order.paid", Version: 1, Data: product{SKU: "B"}})
			return err
		})
		if err != nil || len(evs) != 2 || evs[0].Type != "order.placed" || evs[1].Type != "order.paid" {
			t.Fatalf("AddAll: %v %+v", err, evs)
		}
		want := 2
		if d.Engine() == db.Postgres {
			if _, err := d.ExecContext(ctx, `CREATE TABLE flags (id TEXT PRIMARY KEY, on_ BOOLEAN NOT NULL)`); err != nil {
				t.Fatal(err)
			}
			for _, on := range []bool{true, false} {
				args := []any{on}
				item, args, _, err := o.Within(ctx, args, `EXISTS (SELECT 1 FROM f WHERE f.on_)`,
					Draft{Type: "order.shipped", Version: 1, Data: product{SKU: "C"}})
				if err != nil {
					t.Fatal(err)
				}
				args = append(args, uniq("flag"))
				if _, err := d.ExecContext(ctx, `WITH f AS (SELECT $1::boolean AS on_), `+item+
					` INSERT INTO flags SELECT $`+strconv.Itoa(len(args))+`, on_ FROM f`, args...); err != nil {
					t.Fatalf("statement with events (%v): %v", on, err)
				}
				o.Written()
			}
			want = 3 // the shipped event of the statement whose condition held
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM events_outbox`).Scan(&n); err != nil || n != want {
			t.Fatalf("outbox holds %d events (%v), want %d", n, err, want)
		}
		runOutbox(t, o)
		waitFor(t, 20*time.Second, "the events in the stream", func() bool { return streamMsgs(t, b) >= uint64(want) })
		if got := streamMsgs(t, b); got != uint64(want) {
			t.Errorf("stream holds %d events, want %d", got, want)
		}
	})
}
