package inventory

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/auth/authtest"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

func TestAdjustKeepsTrailAndPublishes(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		c, _ := newCore(t, d)
		ctx := staff()
		three := int64(3)
		if _, err := c.Adjust(ctx, Adjustment{SKU: "MUG-1", OnHand: 10, Reason: "delivery", LowStockThreshold: &three}); err != nil {
			t.Fatal(err)
		}
		st, err := c.Adjust(ctx, Adjustment{SKU: "MUG-1", Warehouse: "east", OnHand: 2, Reason: "  stock take  "})
		if err != nil {
			t.Fatal(err)
		}
		if st.OnHand != 12 || st.Available != 12 || !st.InStock || st.LowStock || st.LowStockThreshold != 3 || len(st.Warehouses) != 2 {
			t.Fatalf("stock %+v", st)
		}
		if _, err := c.Adjust(ctx, Adjustment{SKU: "MUG-1", OnHand: 1, Reason: "damaged"}); err != nil {
			t.Fatal(err)
		}
		if st := mustGet(t, c, "MUG-1"); st.Available != 3 || !st.LowStock {
			t.Fatalf("after damage %+v, want 3 available and low", st)
		}
		trail, err := c.Adjustments(ctx, "MUG-1", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(trail) != 3 {
			t.Fatalf("trail has %d entries, want 3", len(trail))
		}
		latest := trail[0]
		if latest.OldOnHand != 10 || latest.NewOnHand != 1 || latest.Reason != "damaged" || latest.Warehouse != "main" ||
			!strings.HasPrefix(latest.Actor, "user-") || latest.At.IsZero() {
			t.Fatalf("latest adjustment %+v", latest)
		}
		if trail[1].Reason != "stock take" || trail[1].OldOnHand != 0 {
			t.Fatalf("second adjustment %+v", trail[1])
		}
		evs := stockEvents(t, d)
		if len(evs) != 3 || evs[2].Available != 3 || !evs[2].LowStock || evs[2].Cause != "adjustment" {
			t.Fatalf("events %+v", evs)
		}
	})
}

func TestAdjustRejects(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		c, _ := newCore(t, d)
		stock(t, c, "HELD", "", 5)
		if _, err := c.Reserve(context.Background(), "o-1", []Line{{SKU: "HELD", Quantity: 4}}, DefaultTTL); err != nil {
			t.Fatal(err)
		}
		neg := int64(-1)
		tests := []struct {
			name      string
			ctx       context.Context
			a         Adjustment
			wantKind  apperr.Kind
			wantField string
		}{
			{"anonymous", context.Background(), Adjustment{SKU: "A", OnHand: 1, Reason: "r"}, apperr.Unauthenticated, ""},
			{"customer", auth.WithPrincipal(context.Background(), authtest.Principal(auth.Customer)),
				Adjustment{SKU: "A", OnHand: 1, Reason: "r"}, apperr.Forbidden, ""},
			{"negative", staff(), Adjustment{SKU: "A", OnHand: -1, Reason: "r"}, apperr.InvalidInput, "on_hand"},
			{"huge", staff(), Adjustment{SKU: "A", OnHand: MaxQuantity + 1, Reason: "r"}, apperr.InvalidInput, "on_hand"},
			{"no reason", staff(), Adjustment{SKU: "A", OnHand: 1, Reason: "  "}, apperr.InvalidInput, "reason"},
			{"long reason", staff(), Adjustment{SKU: "A", OnHand: 1, Reason: strings.Repeat("x", MaxReasonLength+1)}, apperr.InvalidInput, "reason"},
			{"no sku", staff(), Adjustment{OnHand: 1, Reason: "r"}, apperr.InvalidInput, "sku"},
			{"sku with space", staff(), Adjustment{SKU: "A B", OnHand: 1, Reason: "r"}, apperr.InvalidInput, "sku"},
			{"bad warehouse", staff(), Adjustment{SKU: "A", Warehouse: "x\n", OnHand: 1, Reason: "r"}, apperr.InvalidInput, "warehouse"},
			{"negative threshold", staff(), Adjustment{SKU: "A", OnHand: 1, Reason: "r", LowStockThreshold: &neg}, apperr.InvalidInput, "low_stock_threshold"},
			{"below reserved", staff(), Adjustment{SKU: "HELD", OnHand: 3, Reason: "r"}, apperr.Conflict, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := c.Adjust(tt.ctx, tt.a)
				if apperr.KindOf(err) != tt.wantKind {
					t.Fatalf("error %v, want kind %v", err, tt.wantKind)
				}
				if tt.wantField != "" && !hasField(err, tt.wantField) {
					t.Fatalf("error %v does not name %s", err, tt.wantField)
				}
			})
		}
		if st := mustGet(t, c, "HELD"); st.OnHand != 5 || st.Reserved != 4 {
			t.Fatalf("rejected adjustments changed stock: %+v", st)
		}
	})
}

func TestGetAndAvailable(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		c, _ := newCore(t, d)
		ctx := context.Background()
		stock(t, c, "A", "", 3)
		stock(t, c, "A", "east", 4)
		stock(t, c, "B", "", 0)
		if _, err := c.Get(ctx, "NOPE"); !errors.Is(err, ErrUnknownSKU) {
			t.Fatalf("unknown sku: %v", err)
		}
		if st := mustGet(t, c, "B"); st.InStock || st.LowStock || st.Available != 0 {
			t.Fatalf("sold out %+v", st)
		}
		got, err := c.Available(ctx, []string{"A", "B", "NOPE"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got["A"] != 7 || got["B"] != 0 {
			t.Fatalf("available %v", got)
		}
		if _, err := c.Available(ctx, make([]string, maxAvailableSKUs+1)); apperr.KindOf(err) != apperr.InvalidInput {
			t.Fatalf("too many skus: %v", err)
		}
	})
}

// hasField reports whether err is an *apperr.Error naming field.
func hasField(err error, field string) bool {
	var e *apperr.Error
	if !errors.As(err, &e) {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}
