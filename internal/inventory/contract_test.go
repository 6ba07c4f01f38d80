package inventory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// TestContract runs one suite against the core and against the HTTP client talking to it, so
// the two shapes cannot drift apart: same answers, same sentinels under errors.Is.
func TestContract(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		core, _ := newCore(t, d)
		srv, iss := serve(t, core)
		shapes := []struct {
			name string
			svc  Service
			ctx  context.Context // a caller allowed to adjust and reserve
		}{
			{"core", core, staff()},
			{"client", NewClient(srv.URL, nil),
				auth.WithBearer(context.Background(), iss.ServiceToken("order", auth.InventoryWrite))},
		}
		for _, s := range shapes {
			t.Run(s.name, func(t *testing.T) { contract(t, s.svc, s.ctx, s.name+"-") })
		}
	})
}

// contract exercises svc; prefix keeps its SKUs and orders apart from another shape's on the
// same store.
func contract(t *testing.T, svc Service, ctx context.Context, prefix string) {
	sku, other := prefix+"MUG", prefix+"CUP"
	two := int64(2)
	if _, err := svc.Adjust(ctx, Adjustment{SKU: sku, OnHand: 5, Reason: "delivery", LowStockThreshold: &two}); err != nil {
		t.Fatal(err)
	}
	st, err := svc.Adjust(ctx, Adjustment{SKU: sku, Warehouse: "east", OnHand: 1, Reason: "transfer"})
	if err != nil || st.OnHand != 6 || st.LowStockThreshold != 2 || len(st.Warehouses) != 2 {
		t.Fatalf("adjust: %+v, %v", st, err)
	}
	if _, err := svc.Adjust(ctx, Adjustment{SKU: other, OnHand: 1, Reason: ""}); apperr.KindOf(err) != apperr.InvalidInput || !hasField(err, "reason") {
		t.Fatalf("no reason: %v", err)
	}
	if _, err := svc.Adjust(ctx, Adjustment{SKU: other, OnHand: 1, Reason: "delivery"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Get(ctx, prefix+"NOPE"); !errors.Is(err, ErrUnknownSKU) {
		t.Fatalf("unknown: %v", err)
	}
	avail, err := svc.Available(ctx, []string{sku, other, prefix + "NOPE"})
	if err != nil || len(avail) != 2 || avail[sku] != 6 || avail[other] != 1 {
		t.Fatalf("available: %v, %v", avail, err)
	}
	lowStockContract(t, svc, ctx, prefix)
	trail, err := svc.Adjustments(ctx, sku, 1)
	if err != nil || len(trail) != 1 || trail[0].Reason != "transfer" {
		t.Fatalf("trail: %+v, %v", trail, err)
	}

	order := prefix + "order-1"
	lines := []Line{{SKU: sku, Quantity: 3}, {SKU: other, Quantity: 1}}
	r, err := svc.Reserve(ctx, order, lines, time.Minute)
	if err != nil || r.Status != Held || len(r.Lines) != 2 || r.Lines[0].Warehouse != DefaultWarehouse {
		t.Fatalf("reserve: %+v, %v", r, err)
	}
	if again, err := svc.Reserve(ctx, order, lines, time.Minute); err != nil || !again.ExpiresAt.Equal(r.ExpiresAt) {
		t.Fatalf("repeat: %+v, %v", again, err)
	}
	_, err = svc.Reserve(ctx, prefix+"order-2", []Line{{SKU: sku, Quantity: 1}, {SKU: other, Quantity: 1}}, time.Minute)
	if !errors.Is(err, ErrOutOfStock) || !hasField(err, "lines[1].quantity") {
		t.Fatalf("short: %v", err)
	}
	if _, err := svc.Reserve(ctx, prefix+"order-3", []Line{{SKU: sku, Quantity: -1}}, time.Minute); !hasField(err, "lines[0].quantity") {
		t.Fatalf("negative: %v", err)
	}
	if err := svc.Commit(ctx, order); err != nil {
		t.Fatal(err)
	}
	if err := svc.Release(ctx, order); !errors.Is(err, ErrReservationCommitted) {
		t.Fatalf("release committed: %v", err)
	}
	if err := svc.Release(ctx, prefix+"never"); !errors.Is(err, ErrReservationNotFound) {
		t.Fatalf("release unknown: %v", err)
	}
	if got, err := svc.Reservation(ctx, order); err != nil || got.Status != Committed {
		t.Fatalf("reservation: %+v, %v", got, err)
	}
	if st, err := svc.Get(ctx, sku); err != nil || st.OnHand != 3 || st.Reserved != 0 || st.Available != 3 || st.LowStock {
		t.Fatalf("after sale: %+v, %v", st, err)
	}
	// A cancelled sale's units come back once, however often the order service asks.
	for range 2 {
		if err := svc.Restock(ctx, order); err != nil {
			t.Fatalf("restock: %v", err)
		}
	}
	if st, err := svc.Get(ctx, sku); err != nil || st.OnHand != 6 || st.Reserved != 0 || st.Available != 6 {
		t.Fatalf("after restock: %+v, %v", st, err)
	}
	if got, err := svc.Reservation(ctx, order); err != nil || got.Status != Returned {
		t.Fatalf("restocked reservation: %+v, %v", got, err)
	}
	if err := svc.Restock(ctx, prefix+"never"); !errors.Is(err, ErrReservationNotFound) {
		t.Fatalf("restock unknown: %v", err)
	}
}

// lowStockContract holds LowStock: SKUs at or below their threshold over all warehouses, sold
// out first, then fewest available, then by SKU; not those above it; the limit.
func lowStockContract(t *testing.T, svc Service, ctx context.Context, prefix string) {
	t.Helper()
	th := func(n int64) *int64 { return &n }
	for _, a := range []Adjustment{
		{SKU: prefix + "LOW-A", OnHand: 3, LowStockThreshold: th(5)},                    // low: 3 <= 5
		{SKU: prefix + "LOW-B", OnHand: 0, LowStockThreshold: th(2)},                    // sold out
		{SKU: prefix + "LOW-C", OnHand: 2, LowStockThreshold: th(2)},                    // at the threshold
		{SKU: prefix + "LOW-C", Warehouse: "east", OnHand: 1},                           // 3 over two warehouses: above
		{SKU: prefix + "LOW-D", OnHand: 9, LowStockThreshold: th(3)},                    // plenty
		{SKU: prefix + "LOW-E", OnHand: 0, LowStockThreshold: th(0)},                    // sold out, no threshold
		{SKU: prefix + "LOW-F", OnHand: 1, LowStockThreshold: th(1)},                    // at the threshold
		{SKU: prefix + "LOW-F", Warehouse: "east", OnHand: 0, LowStockThreshold: th(1)}, // still 1
	} {
		a.Reason = "stock take"
		if _, err := svc.Adjust(ctx, a); err != nil {
			t.Fatalf("%+v: %v", a, err)
		}
	}
	mine := func(list []Stock) []string {
		var out []string
		for _, s := range list {
			if strings.HasPrefix(s.SKU, prefix+"LOW-") {
				out = append(out, strings.TrimPrefix(s.SKU, prefix)+fmt.Sprintf(":%d/%d", s.Available, s.LowStockThreshold))
				if s.LowStock != (s.Available > 0) || s.InStock != (s.Available > 0) {
					t.Errorf("%s: flags %+v", s.SKU, s)
				}
			}
		}
		return out
	}
	list, err := svc.LowStock(ctx, MaxLowStockLimit)
	if got, want := mine(list), []string{"LOW-B:0/2", "LOW-E:0/0", "LOW-F:1/1", "LOW-A:3/5"}; err != nil || !slices.Equal(got, want) {
		t.Fatalf("low stock: %v, want %v (%v)", got, want, err)
	}
	if list, err := svc.LowStock(ctx, 1); err != nil || len(list) != 1 || list[0].Available != 0 {
		t.Fatalf("limit 1: %+v, %v", list, err)
	}
	if _, err := svc.LowStock(context.Background(), 10); apperr.KindOf(err) != apperr.Unauthenticated && apperr.KindOf(err) != apperr.Forbidden {
		t.Fatalf("anonymous low stock: %v", err)
	}
	// Back above their thresholds, they leave the list.
	for _, sku := range []string{"LOW-A", "LOW-B", "LOW-E", "LOW-F"} {
		if _, err := svc.Adjust(ctx, Adjustment{SKU: prefix + sku, OnHand: 50, Reason: "delivery"}); err != nil {
			t.Fatal(err)
		}
	}
	if list, err := svc.LowStock(ctx, MaxLowStockLimit); err != nil || len(mine(list)) != 0 {
		t.Fatalf("restocked: %v, %v", mine(list), err)
	}
}
