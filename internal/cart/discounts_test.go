package cart

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
	"github.com/pasarhq/pasar/internal/pricing"
)

func TestDiscountCodes(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := db.Migrate(ctx, d, "cart", Migrations); err != nil {
			t.Fatal(err)
		}
		ds := NewDiscounts(d)
		past := time.Now().Add(-time.Hour)

		t.Run("create, list, get, delete", func(t *testing.T) {
			if _, err := ds.Create(ctx, pricing.Discount{Code: "spring", Kind: pricing.Percent, Percent: 10}); err != nil {
				t.Fatal(err)
			}
			if _, err := ds.Create(ctx, pricing.Discount{Code: "SPRING", Kind: pricing.Percent, Percent: 5}); !errors.Is(err, ErrDiscountExists) {
				t.Fatalf("duplicate: %v", err)
			}
			if _, err := ds.Create(ctx, pricing.Discount{Code: "BAD", Kind: pricing.Percent, Percent: 500}); field(err) != "percent" {
				t.Fatalf("invalid: %v", err)
			}
			list, err := ds.List(ctx)
			if err != nil || len(list) != 1 || list[0].Code != "SPRING" {
				t.Fatalf("%+v, %v", list, err)
			}
			if err := ds.Delete(ctx, "spring"); err != nil {
				t.Fatal(err)
			}
			if _, err := ds.Get(ctx, "SPRING"); !errors.Is(err, pricing.ErrDiscountUnknown) {
				t.Fatalf("deleted: %v", err)
			}
		})

		t.Run("last use is redeemed once", func(t *testing.T) {
			if _, err := ds.Create(ctx, pricing.Discount{Code: "FIVE", Kind: pricing.Percent, Percent: 5, UsageLimit: 5}); err != nil {
				t.Fatal(err)
			}
			var ok, usedUp atomic.Int64
			var wg sync.WaitGroup
			for i := range 20 {
				wg.Go(func() {
					err := ds.Redeem(ctx, "five", "c"+strconv.Itoa(i), "order-"+strconv.Itoa(i))
					switch {
					case err == nil:
						ok.Add(1)
					case errors.Is(err, pricing.ErrDiscountUsedUp):
						usedUp.Add(1)
					default:
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if ok.Load() != 5 || usedUp.Load() != 15 {
				t.Fatalf("%d redeemed, %d used up", ok.Load(), usedUp.Load())
			}
			if _, err := ds.Usable(ctx, "FIVE", ""); !errors.Is(err, pricing.ErrDiscountUsedUp) {
				t.Fatalf("usable after use-up: %v", err)
			}
		})

		t.Run("per customer and idempotent per order", func(t *testing.T) {
			if _, err := ds.Create(ctx, pricing.Discount{Code: "ONCE", Kind: pricing.Fixed, AmountOff: 100, Currency: "USD", PerCustomerLimit: 1}); err != nil {
				t.Fatal(err)
			}
			for range 2 { // a retried checkout
				if err := ds.Redeem(ctx, "ONCE", "ann", "o-1"); err != nil {
					t.Fatal(err)
				}
			}
			if err := ds.Redeem(ctx, "ONCE", "ann", "o-2"); !errors.Is(err, pricing.ErrDiscountCustomerMax) {
				t.Fatalf("second order: %v", err)
			}
			if _, err := ds.Usable(ctx, "ONCE", "ann"); !errors.Is(err, pricing.ErrDiscountCustomerMax) {
				t.Fatalf("usable: %v", err)
			}
			if err := ds.Redeem(ctx, "ONCE", "b\x00n", "o-4"); field(err) != "customer" {
				t.Fatalf("NUL in customer: %v", err)
			}
			if err := ds.Redeem(ctx, "bad code!", "ben", "o-5"); !errors.Is(err, pricing.ErrDiscountUnknown) {
				t.Fatalf("malformed code: %v", err)
			}
			if err := ds.Redeem(ctx, "ONCE", "ben", "o-3"); err != nil {
				t.Fatal(err)
			}
			r, _ := ds.Get(ctx, "ONCE")
			if r.Used != 2 {
				t.Fatalf("used %d, want 2", r.Used)
			}
		})

		t.Run("cart applies and reports codes", func(t *testing.T) {
			ds.Create(ctx, pricing.Discount{Code: "OLD", Kind: pricing.Percent, Percent: 10, EndsAt: &past})
			ds.Create(ctx, pricing.Discount{Code: "BIG", Kind: pricing.Percent, Percent: 10, MinSubtotal: 10000})
			ds.Create(ctx, pricing.Discount{Code: "EUROS", Kind: pricing.Fixed, AmountOff: 100, Currency: "EUR"})
			ds.Create(ctx, pricing.Discount{Code: "TENOFF", Kind: pricing.Percent, Percent: 10})
			s := newService(NewSQLStore(d), d, testCatalog())
			c, _ := s.Create(ctx, "USD")
			s.AddItem(ctx, c.ID, "MUG-1", 2) // 2500
			for code, want := range map[string]error{"OLD": pricing.ErrDiscountExpired, "BIG": pricing.ErrDiscountMinSubtotal,
				"EUROS": pricing.ErrDiscountCurrency, "NOPE": pricing.ErrDiscountUnknown, "FIVE": pricing.ErrDiscountUsedUp} {
				if _, err := s.ApplyDiscount(ctx, c.ID, code); !errors.Is(err, want) || field(err) != "code" {
					t.Errorf("%s: %v, want %v naming code", code, err, want)
				}
			}
			v, err := s.ApplyDiscount(ctx, c.ID, "tenoff")
			if err != nil || v.Totals.Discount != 250 || v.Discount == nil || !v.Discount.Applied {
				t.Fatalf("%+v %+v, %v", v.Discount, v.Totals, err)
			}
			// A code deleted after it was applied shows as not applied, with the reason.
			ds.Delete(ctx, "TENOFF")
			v, err = s.Get(ctx, c.ID)
			if err != nil || v.Discount.Applied || v.Discount.Reason == "" || v.Totals.Discount != 0 {
				t.Fatalf("%+v %+v, %v", v.Discount, v.Totals, err)
			}
			v, err = s.RemoveDiscount(ctx, c.ID)
			if err != nil || v.Discount != nil {
				t.Fatalf("%+v, %v", v.Discount, err)
			}
		})
	})
}
