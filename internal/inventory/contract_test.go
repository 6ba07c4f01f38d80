package inventory

import (
	"context"
	"errors"
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
