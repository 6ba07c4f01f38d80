package inventory

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// statements returns a context whose store statements are recorded, and a count of them so far.
func statements(t *testing.T) (context.Context, func() int) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { tp.Shutdown(context.Background()) })
	ctx, root := tp.Tracer("test").Start(context.Background(), "checkout")
	t.Cleanup(func() { root.End() })
	return ctx, func() int {
		n := 0
		for _, s := range exp.GetSpans() {
			if s.SpanKind == trace.SpanKindClient {
				n++
			}
		}
		return n
	}
}

// TestCheckoutStatements pins the statements of a plentiful three-line checkout. On PostgreSQL,
// with no transaction: one statement taking the basket's stock and recording the reservation,
// one committing it (its status and the stock); to release, in a transaction, the reservation
// UPDATE, one stock UPDATE and the totals read for stock.changed. On SQLite the reservation's
// insert and its UPDATE go apart from the stock, and the stock is one UPDATE per line.
func TestCheckoutStatements(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		c, _ := newCore(t, d)
		for _, sku := range []string{"A", "B", "C"} {
			stock(t, c, sku, "", 100)
		}
		lines := []Line{{SKU: "C", Quantity: 1}, {SKU: "A", Quantity: 2}, {SKU: "B", Quantity: 3}}
		for _, step := range []struct {
			name       string
			pg, sqlite int
			run        func(context.Context) error
		}{
			{"reserve", 1, 4, func(ctx context.Context) error { _, err := c.Reserve(ctx, "o-1", lines, DefaultTTL); return err }},
			{"commit", 1, 4, func(ctx context.Context) error { return c.Commit(ctx, "o-1") }},
			{"reserve again", 1, 4, func(ctx context.Context) error { _, err := c.Reserve(ctx, "o-2", lines, DefaultTTL); return err }},
			{"release", 3, 5, func(ctx context.Context) error { return c.Release(ctx, "o-2") }},
		} {
			ctx, count := statements(t)
			if err := step.run(ctx); err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			want := step.pg
			if d.Engine() == db.SQLite {
				want = step.sqlite
			}
			if n := count(); n != want {
				t.Errorf("%s ran %d statements, want %d", step.name, n, want)
			}
		}
		for _, l := range lines {
			if s := mustGet(t, c, l.SKU); s.OnHand != 100-l.Quantity || s.Reserved != 0 {
				t.Errorf("%s after one sale of %d and one release: %+v", l.SKU, l.Quantity, s)
			}
		}
	})
}

// TestReserveSameRowTwice holds a basket naming one stock row twice (once by its warehouse,
// once by default): both lines count, in the reservation, the sale and the release alike, and a
// retried reservation holds nothing more.
func TestReserveSameRowTwice(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		c, _ := newCore(t, d)
		ctx := context.Background()
		stock(t, c, "A", "", 100)
		lines := []Line{{SKU: "A", Quantity: 2}, {SKU: "A", Warehouse: DefaultWarehouse, Quantity: 3}}
		for _, id := range []string{"sold", "dropped"} {
			r, err := c.Reserve(ctx, id, lines, DefaultTTL)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Lines) != 2 || r.Lines[0].Warehouse != DefaultWarehouse || r.Lines[1].Quantity != 3 {
				t.Fatalf("reservation lines %+v", r.Lines)
			}
		}
		if _, err := c.Reserve(ctx, "sold", lines, DefaultTTL); err != nil {
			t.Fatalf("retried reserve: %v", err)
		}
		if a := mustGet(t, c, "A"); a.Reserved != 10 {
			t.Fatalf("two reservations of 2 + 3 (one retried) hold %d", a.Reserved)
		}
		if err := c.Commit(ctx, "sold"); err != nil {
			t.Fatal(err)
		}
		if err := c.Release(ctx, "dropped"); err != nil {
			t.Fatal(err)
		}
		if a := mustGet(t, c, "A"); a.OnHand != 95 || a.Reserved != 0 {
			t.Fatalf("after selling 5 of 100 and releasing 5: %+v", a)
		}
	})
}

// TestReserveMixedBasketHoldsEachLineOnce reserves baskets that cannot go in one statement (a
// line near its threshold, a line only another warehouse has, a short line) next to plentiful
// lines: the per-line path must not hold the plentiful lines a second time.
func TestReserveMixedBasketHoldsEachLineOnce(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		c, _ := newCore(t, d)
		ctx := context.Background()
		stock(t, c, "PLENTY", "", 100)
		stock(t, c, "NEAR", "", 7) // threshold 5: taking 2 leaves 5
		stock(t, c, "AWAY", "", 0) // only east has it
		stock(t, c, "AWAY", "east", 10)
		r, err := c.Reserve(ctx, "o-1", []Line{{SKU: "PLENTY", Quantity: 4}, {SKU: "NEAR", Quantity: 2},
			{SKU: "AWAY", Quantity: 1}}, DefaultTTL)
		if err != nil {
			t.Fatal(err)
		}
		if r.Lines[2].Warehouse != "east" {
			t.Fatalf("AWAY held in %q, want east", r.Lines[2].Warehouse)
		}
		for sku, want := range map[string]int64{"PLENTY": 4, "NEAR": 2, "AWAY": 1} {
			if s := mustGet(t, c, sku); s.Reserved != want {
				t.Errorf("%s: %d reserved, want %d", sku, s.Reserved, want)
			}
		}
		if evs := stockEvents(t, d); evs[len(evs)-1].SKU != "NEAR" || !evs[len(evs)-1].LowStock {
			t.Errorf("last event %+v, want NEAR's low-stock flip", evs[len(evs)-1])
		}
		_, err = c.Reserve(ctx, "o-2", []Line{{SKU: "PLENTY", Quantity: 4}, {SKU: "NEAR", Quantity: 6}}, DefaultTTL)
		if !errors.Is(err, ErrOutOfStock) || !hasField(err, "lines[1].quantity") {
			t.Fatalf("short line: %v", err)
		}
		if s := mustGet(t, c, "PLENTY"); s.Reserved != 4 {
			t.Fatalf("a failed reservation left PLENTY with %d reserved, want 4", s.Reserved)
		}
	})
}

// TestOverlappingBasketsRace runs many checkouts at once whose baskets share SKUs, each listing
// them in its own order, and commits or releases each: with rows locked in one order, PostgreSQL
// finds no deadlock to abort (InTx would retry some, but not all, so a lock-order fault shows as
// errors here), and the counts add up.
func TestOverlappingBasketsRace(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		c, _ := newCore(t, d)
		ctx := context.Background()
		skus := []string{"K1", "K2", "K3", "K4", "K5", "K6"}
		for _, sku := range skus {
			stock(t, c, sku, "", 10_000)
		}
		const checkouts = 80
		sold := make([]map[string]int64, checkouts)
		var wg sync.WaitGroup
		for i := range checkouts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(i), 1))
				p := r.Perm(len(skus))[:2+r.IntN(len(skus)-1)]
				lines := make([]Line, len(p))
				for j, k := range p {
					lines[j] = Line{SKU: skus[k], Quantity: int64(1 + r.IntN(3))}
				}
				id := fmt.Sprint("o-", i)
				if _, err := c.Reserve(ctx, id, lines, DefaultTTL); err != nil {
					t.Errorf("reserve %d: %v", i, err)
					return
				}
				if i%3 == 0 {
					if err := c.Release(ctx, id); err != nil {
						t.Errorf("release %d: %v", i, err)
					}
					return
				}
				if err := c.Commit(ctx, id); err != nil {
					t.Errorf("commit %d: %v", i, err)
					return
				}
				sold[i] = make(map[string]int64, len(lines))
				for _, l := range lines {
					sold[i][l.SKU] = l.Quantity
				}
			}()
		}
		wg.Wait()
		for _, sku := range skus {
			want := int64(10_000)
			for _, s := range sold {
				want -= s[sku]
			}
			if s := mustGet(t, c, sku); s.OnHand != want || s.Reserved != 0 {
				t.Errorf("%s: %+v, want %d on hand and none reserved", sku, s, want)
			}
		}
	})
}

// TestCommitLooksUpStockByKey: on a stock table of thousands of rows, committing a reservation
// looks each of its lines up by the primary key rather than scanning the table (the plan of the
// one-statement commit, which reads its lines from the reservation's JSON).
func TestCommitLooksUpStockByKey(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		if d.Engine() != db.Postgres {
			return // SQLite commits in a transaction, a statement per line
		}
		c, _ := newCore(t, d)
		ctx := context.Background()
		for _, q := range []string{
			`INSERT INTO inventory_skus (sku, low_stock_threshold, created_at)
				SELECT 'S' || i, 5, 0 FROM generate_series(1, 3000) AS i`,
			`INSERT INTO inventory_stock (sku, warehouse, on_hand, reserved, updated_at, low_stock_threshold)
				SELECT 'S' || i, 'main', 100, 0, 0, 5 FROM generate_series(1, 3000) AS i`,
			`ANALYZE inventory_stock`,
		} {
			if _, err := d.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := c.Reserve(ctx, "o-1", []Line{{SKU: "S1", Quantity: 1}, {SKU: "S2", Quantity: 2}}, DefaultTTL); err != nil {
			t.Fatal(err)
		}
		var plan string
		if err := d.QueryRowContext(ctx, `EXPLAIN (FORMAT JSON) `+commitSQL, Committed, int64(1), "o-1", Held,
			DefaultWarehouse).Scan(&plan); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(plan, `"Seq Scan"`) {
			t.Errorf("the commit scans a table:\n%s", plan)
		}
		if err := c.Commit(ctx, "o-1"); err != nil {
			t.Fatal(err)
		}
		if s := mustGet(t, c, "S2"); s.OnHand != 98 || s.Reserved != 0 {
			t.Errorf("S2 after selling 2 of 100: %+v", s)
		}
	})
}
