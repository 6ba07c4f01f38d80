package order

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/pasarhq/pasar/internal/payment"
	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
	"github.com/pasarhq/pasar/internal/pricing"
)

func TestConcurrentReplaysMakeOneOrder(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.stock(t, "MUG-1", 10)
		r := request(f.cart(t, context.Background(), "MUG-1", 1), payment.CardSucceeds)
		var wg sync.WaitGroup
		var mu sync.Mutex
		ids := map[string]bool{}
		for range 8 {
			wg.Go(func() {
				o, err := f.Checkout(context.Background(), "dup", r)
				switch {
				case err == nil:
					mu.Lock()
					ids[o.ID] = true
					mu.Unlock()
				case errors.Is(err, errInProgress):
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if len(ids) != 1 || count(t, f.d, `SELECT COUNT(*) FROM orders`) != 1 || count(t, f.payDB, `SELECT COUNT(*) FROM payment_intents`) != 1 {
			t.Fatalf("orders answered %v; %d stored, %d intents", ids, count(t, f.d, `SELECT COUNT(*) FROM orders`),
				count(t, f.payDB, `SELECT COUNT(*) FROM payment_intents`))
		}
		if avail, _ := f.available(t, "MUG-1"); avail != 9 {
			t.Errorf("available %d, want 9", avail)
		}
	})
}

func TestCheckoutDiscountsAndGuests(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.stock(t, "TEE-M", 10)
		if _, err := f.carts.Discounts().Create(context.Background(), pricing.Discount{Code: "ONCE", Kind: pricing.Percent,
			Percent: 10, UsageLimit: 1}); err != nil {
			t.Fatal(err)
		}
		guest := context.Background()
		carts := make([]string, 2)
		for i := range carts {
			carts[i] = f.cart(t, guest, "TEE-M", 1)
			if _, err := f.carts.ApplyDiscount(guest, carts[i], "ONCE"); err != nil {
				t.Fatal(err)
			}
		}
		o, err := f.Checkout(guest, "g1", request(carts[0], payment.CardSucceeds))
		if err != nil || o.Totals.Discount != 200 || o.DiscountCode != "ONCE" || o.CustomerID != "" {
			t.Fatalf("discounted guest order %+v %v", o, err)
		}
		if r, _ := f.carts.Discounts().Get(context.Background(), "ONCE"); r.Used != 1 {
			t.Errorf("code used %d times, want 1", r.Used)
		}
		if _, err := f.Checkout(guest, "g2", request(carts[1], payment.CardSucceeds)); apperr.KindOf(err) != apperr.InvalidInput ||
			!namesField(err, "discount_code") {
			t.Errorf("used-up code: %v", err)
		}
		if rec := f.do(t, guest, http.MethodGet, "/api/v1/orders/"+o.ID, "", nil); rec.Code != http.StatusNotFound {
			t.Errorf("guest order read by a guest: %d, want 404", rec.Code)
		}
		if rec := f.do(t, staff(), http.MethodGet, "/api/v1/admin/orders/"+o.ID, "", nil); rec.Code != http.StatusOK {
			t.Errorf("guest order read by staff: %d", rec.Code)
		}
	})
}

func TestHTTPOutOfStockAndDeclined(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.stock(t, "CAP-1", 2)
		ctx := customer()
		id := f.cart(t, ctx, "CAP-1", 2)
		f.stock(t, "CAP-1", 1) // sold elsewhere after the cart was filled
		for i, tc := range []struct {
			card   string
			status int
			code   string
		}{{payment.CardSucceeds, 409, "out_of_stock"}, {payment.CardDeclined, 402, "card_declined"}} {
			if tc.status == 402 {
				f.stock(t, "CAP-1", 2)
			}
			rec := f.do(t, ctx, http.MethodPost, "/api/v1/checkout", "h"+strconv.Itoa(i), request(id, tc.card))
			if p := decode[problem](t, rec); rec.Code != tc.status || p.Code != tc.code {
				t.Errorf("%d %s, want %d %s", rec.Code, rec.Body, tc.status, tc.code)
			}
		}
		if avail, onHand := f.available(t, "CAP-1"); avail != 2 || onHand != 2 {
			t.Errorf("available %d on hand %d, want 2 and 2", avail, onHand)
		}
	})
}

func namesField(err error, field string) bool {
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
