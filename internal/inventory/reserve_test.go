package inventory

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

func TestReserveIsAllOrNothing(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		c, _ := newCore(t, d)
		ctx := context.Background()
		stock(t, c, "A", "", 5)
		stock(t, c, "B", "", 1)
		_, err := c.Reserve(ctx, "o-1", []Line{{SKU: "A", Quantity: 2}, {SKU: "B", Quantity: 2}}, DefaultTTL)
		if !errors.Is(err, ErrOutOfStock) || !hasField(err, "lines[1].quantity") {
			t.Fatalf("short line: %v", err)
		}
		if a := mustGet(t, c, "A"); a.Reserved != 0 {
			t.Fatalf("a failed reservation held %d of A", a.Reserved)
		}
		_, err = c.Reserve(ctx, "o-1", []Line{{SKU: "A", Quantity: 1}, {SKU: "GHOST", Quantity: 1}}, DefaultTTL)
		if !errors.Is(err, ErrUnknownSKU) || !hasField(err, "lines[1].sku") {
			t.Fatalf("unknown sku: %v", err)
		}
		r, err := c.Reserve(ctx, "o-1", []Line{{SKU: "B", Quantity: 1}, {SKU: "A", Quantity: 2}}, DefaultTTL)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != Held || r.Lines[0].Warehouse != DefaultWarehouse || r.Lines[1].SKU != "A" {
			t.Fatalf("reservation %+v", r)
		}
		if a := mustGet(t, c, "A"); a.Available != 3 || a.Reserved != 2 || a.OnHand != 5 {
			t.Fatalf("A after reserve %+v", a)
		}
	})
}

func TestReserveIsIdempotentPerOrder(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		c, _ := newCore(t, d)
		ctx := context.Background()
		stock(t, c, "A", "", 5)
		lines := []Line{{SKU: "A", Quantity: 2}}
		for range 3 {
			if _, err := c.Reserve(ctx, "o-1", lines, DefaultTTL); err != nil {
				t.Fatal(err)
			}
		}
		if a := mustGet(t, c, "A"); a.Reserved != 2 {
			t.Fatalf("retried reserve held %d, want 2", a.Reserved)
		}
		if _, err := c.Reserve(ctx, "o-1", []Line{{SKU: "A", Quantity: 3}}, DefaultTTL); !errors.Is(err, ErrReservationExists) {
			t.Fatalf("different lines: %v", err)
		}
	})
}

func TestReserveFallsBackToAnotherWarehouse(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		c, _ := newCore(t, d)
		ctx := context.Background()
		stock(t, c, "A", "", 1)
		stock(t, c, "A", "west", 1)
		stock(t, c, "A", "east", 3)
		r, err := c.Reserve(ctx, "o-1", []Line{{SKU: "A", Quantity: 2}}, DefaultTTL)
		if err != nil || r.Lines[0].Warehouse != "east" {
			t.Fatalf("reservation %+v, %v; want it held in east", r, err)
		}
		_, err = c.Reserve(ctx, "o-2", []Line{{SKU: "A", Quantity: 2, Warehouse: "west"}}, DefaultTTL)
		if !errors.Is(err, ErrOutOfStock) {
			t.Fatalf("named warehouse short: %v", err)
		}
		if _, err := c.Reserve(ctx, "o-3", []Line{{SKU: "A", Quantity: 1, Warehouse: "north"}}, DefaultTTL); !errors.Is(err, ErrOutOfStock) {
			t.Fatalf("warehouse without the sku: %v", err)
		}
	})
}

func TestReserveRejectsBadInput(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		c, _ := newCore(t, d)
		ok := []Line{{SKU: "A", Quantity: 1}}
		tests := []struct {
			name    string
			order   string
			lines   []Line
			ttl     time.Duration
			wantErr string
		}{
			{"no order", "", ok, time.Minute, "order_id"},
			{"no lines", "o", nil, time.Minute, "lines"},
			{"too many lines", "o", make([]Line, MaxLines+1), time.Minute, "lines"},
			{"zero quantity", "o", []Line{{SKU: "A"}}, time.Minute, "lines[0].quantity"},
			{"negative quantity", "o", []Line{{SKU: "A", Quantity: -3}}, time.Minute, "lines[0].quantity"},
			{"huge quantity", "o", []Line{{SKU: "A", Quantity: 1 << 62}}, time.Minute, "lines[0].quantity"},
			{"no sku", "o", []Line{{Quantity: 1}}, time.Minute, "lines[0].sku"},
			{"repeated sku", "o", []Line{{SKU: "A", Quantity: 1}, {SKU: "A", Quantity: 2}}, time.Minute, "lines[1].sku"},
			{"no ttl", "o", ok, 0, "ttl"},
			{"long ttl", "o", ok, MaxTTL + time.Second, "ttl"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := c.Reserve(context.Background(), tt.order, tt.lines, tt.ttl)
				if apperr.KindOf(err) != apperr.InvalidInput || !hasField(err, tt.wantErr) {
					t.Fatalf("error %v, want invalid %s", err, tt.wantErr)
				}
			})
		}
	})
}

func TestReleaseAndCommit(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		c, _ := newCore(t, d)
		ctx := context.Background()
		stock(t, c, "A", "", 5)
		lines := []Line{{SKU: "A", Quantity: 2}}
		for _, id := range []string{"keep", "drop"} {
			if _, err := c.Reserve(ctx, id, lines, DefaultTTL); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.Release(ctx, "drop"); err != nil {
			t.Fatal(err)
		}
		if err := c.Release(ctx, "drop"); err != nil {
			t.Fatalf("second release: %v", err)
		}
		if err := c.Commit(ctx, "drop"); !errors.Is(err, ErrReservationReleased) {
			t.Fatalf("commit released: %v", err)
		}
		if err := c.Commit(ctx, "keep"); err != nil {
			t.Fatal(err)
		}
		if err := c.Commit(ctx, "keep"); err != nil {
			t.Fatalf("second commit: %v", err)
		}
		if err := c.Release(ctx, "keep"); !errors.Is(err, ErrReservationCommitted) {
			t.Fatalf("release committed: %v", err)
		}
		if err := c.Release(ctx, "never"); !errors.Is(err, ErrReservationNotFound) {
			t.Fatalf("release unknown: %v", err)
		}
		if err := c.Commit(ctx, "never"); !errors.Is(err, ErrReservationNotFound) {
			t.Fatalf("commit unknown: %v", err)
		}
		if a := mustGet(t, c, "A"); a.OnHand != 3 || a.Reserved != 0 || a.Available != 3 {
			t.Fatalf("after sale %+v", a)
		}
		if r, _ := c.Reservation(ctx, "keep"); r.Status != Committed {
			t.Fatalf("status %s", r.Status)
		}
	})
}

func TestExpiredReservationsReturnStock(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		c, clk := newCore(t, d)
		ctx := context.Background()
		stock(t, c, "A", "", 3)
		for i, ttl := range []time.Duration{time.Minute, time.Minute, time.Hour} {
			if _, err := c.Reserve(ctx, fmt.Sprint("o-", i), []Line{{SKU: "A", Quantity: 1}}, ttl); err != nil {
				t.Fatal(err)
			}
		}
		if a := mustGet(t, c, "A"); a.InStock {
			t.Fatalf("all held, still in stock: %+v", a)
		}
		clk.Add(2 * time.Minute)
		// o-0 is late to commit: it expires then and there rather than selling released stock.
		if err := c.Commit(ctx, "o-0"); !errors.Is(err, ErrReservationExpired) {
			t.Fatalf("late commit: %v", err)
		}
		n, err := c.ReleaseExpired(ctx)
		if err != nil || n != 1 {
			t.Fatalf("sweep released %d, %v; want 1", n, err)
		}
		if a := mustGet(t, c, "A"); a.Available != 2 || a.Reserved != 1 {
			t.Fatalf("after expiry %+v", a)
		}
		if n, _ := c.ReleaseExpired(ctx); n != 0 {
			t.Fatalf("second sweep released %d", n)
		}
		if r, _ := c.Reservation(ctx, "o-1"); r.Status != Expired {
			t.Fatalf("o-1 is %s", r.Status)
		}
		// Stock going out and coming back flips in_stock both ways: two events beyond the adjustment.
		evs := stockEvents(t, d)
		if len(evs) != 3 || evs[1].Cause != "reserved" || evs[1].InStock || evs[2].Cause != "expired" || !evs[2].InStock {
			t.Fatalf("events %+v", evs)
		}
	})
}

func TestRunSweeperReleasesInBackground(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		c, clk := newCore(t, d)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		stock(t, c, "A", "", 1)
		if _, err := c.Reserve(ctx, "o", []Line{{SKU: "A", Quantity: 1}}, time.Second); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Minute)
		done := make(chan struct{})
		go func() { c.RunSweeper(ctx, 5*time.Millisecond, discardLog()); close(done) }()
		deadline := time.Now().Add(10 * time.Second)
		for mustGet(t, c, "A").Available != 1 {
			if time.Now().After(deadline) {
				t.Fatal("sweeper did not release the expired reservation")
			}
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
		<-done
	})
}

// TestLastUnitsSoldOnce races many checkouts for a few units: exactly as many succeed as there
// are units, and a two-line reservation whose second SKU runs out holds nothing of the first.
func TestLastUnitsSoldOnce(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		c, _ := newCore(t, d)
		ctx := context.Background()
		stock(t, c, "LAST", "", 5)
		stock(t, c, "PLENTY", "", 100)
		stock(t, c, "PAIR", "", 4)
		var held, short, other atomic.Int64
		var wg sync.WaitGroup
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				lines := []Line{{SKU: "LAST", Quantity: 1}}
				if i%2 == 1 { // both orders of SKUs, so lock ordering is exercised
					lines = []Line{{SKU: "PLENTY", Quantity: 1}, {SKU: "PAIR", Quantity: 1}}
					if i%4 == 1 {
						lines[0], lines[1] = lines[1], lines[0]
					}
				}
				_, err := c.Reserve(ctx, fmt.Sprint("order-", i), lines, DefaultTTL)
				switch {
				case err == nil:
					held.Add(1)
				case errors.Is(err, ErrOutOfStock):
					short.Add(1)
				default:
					other.Add(1)
					t.Errorf("order %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		if held.Load() != 9 || short.Load() != 41 || other.Load() != 0 {
			t.Fatalf("held %d, out of stock %d, other %d; want 9 (5 + 4), 41, 0", held.Load(), short.Load(), other.Load())
		}
		for sku, want := range map[string]int64{"LAST": 5, "PAIR": 4, "PLENTY": 4} {
			if s := mustGet(t, c, sku); s.Reserved != want || s.Available != s.OnHand-want {
				t.Errorf("%s: %+v, want %d reserved", sku, s, want)
			}
		}
	})
}

// TestReservePublishesLowStockFlip checks that a reservation crossing the SKU's own threshold (set
// before its second warehouse existed) publishes stock.changed, and one that flips nothing does not.
func TestReservePublishesLowStockFlip(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		c, _ := newCore(t, d)
		ctx := context.Background()
		ten := int64(10)
		if _, err := c.Adjust(staff(), Adjustment{SKU: "A", OnHand: 0, Reason: "new", LowStockThreshold: &ten}); err != nil {
			t.Fatal(err)
		}
		stock(t, c, "A", "east", 14)
		if _, err := c.Reserve(ctx, "o-1", []Line{{SKU: "A", Quantity: 2}}, DefaultTTL); err != nil {
			t.Fatal(err)
		}
		if n := len(stockEvents(t, d)); n != 2 {
			t.Fatalf("%d events after a reservation that flips nothing, want the 2 adjustments", n)
		}
		if _, err := c.Reserve(ctx, "o-2", []Line{{SKU: "A", Quantity: 3}}, DefaultTTL); err != nil {
			t.Fatal(err)
		}
		evs := stockEvents(t, d)
		if len(evs) != 3 || evs[2].Cause != "reserved" || !evs[2].LowStock || evs[2].Available != 9 {
			t.Fatalf("events %+v, want a low-stock flip at 9 available", evs)
		}
	})
}

// TestAdjustRacesReservations lowers and raises the count while orders reserve: every answer is
// a clear one (held, out of stock, below reserved), never a failed constraint, and the counts
// stay consistent with the reservations held.
func TestAdjustRacesReservations(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		c, _ := newCore(t, d)
		ctx := context.Background()
		stock(t, c, "A", "", 10)
		var held atomic.Int64
		var wg sync.WaitGroup
		for i := range 30 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i%3 == 0 {
					_, err := c.Adjust(staff(), Adjustment{SKU: "A", OnHand: int64(i % 12), Reason: "recount"})
					if err != nil && !errors.Is(err, ErrBelowReserved) {
						t.Errorf("adjust: %v", err)
					}
					return
				}
				_, err := c.Reserve(ctx, fmt.Sprint("o-", i), []Line{{SKU: "A", Quantity: 1}}, DefaultTTL)
				switch {
				case err == nil:
					held.Add(1)
				case !errors.Is(err, ErrOutOfStock):
					t.Errorf("reserve: %v", err)
				}
			}()
		}
		wg.Wait()
		a := mustGet(t, c, "A")
		if a.Reserved != held.Load() || a.Reserved > a.OnHand {
			t.Fatalf("stock %+v with %d reservations held", a, held.Load())
		}
	})
}
