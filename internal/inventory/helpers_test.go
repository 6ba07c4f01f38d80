package inventory

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/auth/authtest"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/events"
)

// clock is a test clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newCore returns a Core on d with the schema applied and a clock the test moves. Its outbox
// has no bus, so events stay in the outbox table where tests read them.
func newCore(t testing.TB, d *db.DB) (*Core, *clock) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.Migrate(ctx, d, "events", events.Migrations); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx, d, "inventory", Migrations); err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	o := events.NewOutbox(d, nil, "inventory", slog.New(slog.DiscardHandler))
	return NewCore(d, o, Options{Now: clk.Now}), clk
}

// staff is a context whose caller may adjust stock.
func staff() context.Context {
	return auth.WithPrincipal(context.Background(), authtest.Principal(auth.Staff))
}

// stock sets sku's count in warehouse (DefaultWarehouse when empty).
func stock(t testing.TB, s Service, sku, warehouse string, n int64) {
	t.Helper()
	if _, err := s.Adjust(staff(), Adjustment{SKU: sku, Warehouse: warehouse, OnHand: n, Reason: "test stock"}); err != nil {
		t.Fatalf("stock %s: %v", sku, err)
	}
}

// mustGet returns sku's stock.
func mustGet(t testing.TB, s Service, sku string) Stock {
	t.Helper()
	st, err := s.Get(context.Background(), sku)
	if err != nil {
		t.Fatalf("get %s: %v", sku, err)
	}
	return st
}

// stockEvents returns the stock.changed payloads in the outbox, oldest first.
func stockEvents(t testing.TB, d *db.DB) []StockChanged {
	t.Helper()
	rows, err := d.QueryContext(context.Background(),
		`SELECT payload FROM events_outbox WHERE type = $1 ORDER BY seq`, EventStockChanged)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []StockChanged
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var ev events.Event
		var sc StockChanged
		if err := json.Unmarshal([]byte(raw), &ev); err != nil {
			t.Fatal(err)
		}
		if err := ev.Decode(&sc); err != nil {
			t.Fatal(err)
		}
		out = append(out, sc)
	}
	return out
}

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }
