package order

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/pasarhq/pasar/internal/payment"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

func TestHTTPCheckoutAndOwnOrders(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.stock(t, "TEE-M", 10)
		ann, ben := customer(), customer()
		rec := f.do(t, ann, http.MethodPost, "/api/v1/checkout", "http-1", request(f.cart(t, ann, "TEE-M", 1), payment.CardSucceeds))
		if rec.Code != http.StatusCreated {
			t.Fatalf("checkout: %d %s", rec.Code, rec.Body)
		}
		var body map[string]any
		body = decode[map[string]any](t, rec)
		for _, k := range []string{"id", "number", "status", "total"} {
			if _, ok := body[k]; !ok {
				t.Errorf("order has no %q: %s", k, rec.Body)
			}
		}
		total, _ := body["total"].(map[string]any)
		if body["status"] != "paid" || total["currency"] != "USD" || total["amount"] == nil {
			t.Errorf("order %s", rec.Body)
		}
		id, _ := body["id"].(string)
		if rec := f.do(t, ann, http.MethodGet, "/api/v1/orders/"+id, "", nil); rec.Code != http.StatusOK {
			t.Errorf("own order: %d %s", rec.Code, rec.Body)
		}
		if rec := f.do(t, ben, http.MethodGet, "/api/v1/orders/"+id, "", nil); rec.Code != http.StatusNotFound {
			t.Errorf("another customer's order: %d, want 404", rec.Code)
		}
		if rec := f.do(t, context.Background(), http.MethodGet, "/api/v1/orders/"+id, "", nil); rec.Code != http.StatusNotFound {
			t.Errorf("guest reads a customer's order: %d, want 404", rec.Code)
		}
		mine := decode[struct{ Orders []Order }](t, f.do(t, ann, http.MethodGet, "/api/v1/orders", "", nil))
		if len(mine.Orders) != 1 || mine.Orders[0].ID != id {
			t.Errorf("ann's orders %+v", mine.Orders)
		}
		if theirs := decode[struct{ Orders []Order }](t, f.do(t, ben, http.MethodGet, "/api/v1/orders", "", nil)); len(theirs.Orders) != 0 {
			t.Errorf("ben sees %d orders", len(theirs.Orders))
		}
		if rec := f.do(t, context.Background(), http.MethodGet, "/api/v1/orders", "", nil); rec.Code != http.StatusUnauthorized {
			t.Errorf("guest list: %d, want 401", rec.Code)
		}
		if rec := f.do(t, ann, http.MethodGet, "/api/v1/admin/orders?status=paid", "", nil); rec.Code != http.StatusForbidden {
			t.Errorf("customer admin list: %d, want 403", rec.Code)
		}
		all := decode[struct{ Orders []Order }](t, f.do(t, staff(), http.MethodGet, "/api/v1/admin/orders?status=paid", "", nil))
		if len(all.Orders) != 1 {
			t.Errorf("admin list: %+v", all.Orders)
		}
		if rec := f.do(t, staff(), http.MethodPost, "/api/v1/admin/orders/"+id+"/ship", "", map[string]string{"tracking_number": "1Z999"}); rec.Code != http.StatusOK {
			t.Errorf("ship: %d %s", rec.Code, rec.Body)
		}
	})
}

func TestHTTPCheckoutBadInput(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.stock(t, "TEE-M", 10)
		ctx := customer()
		good := request(f.cart(t, ctx, "TEE-M", 1), payment.CardSucceeds)
		empty := request(f.cart(t, ctx), payment.CardSucceeds)
		with := func(fn func(*CheckoutRequest)) CheckoutRequest { r := good; fn(&r); return r }
		for _, tc := range []struct {
			name   string
			key    string
			body   any
			status int
			field  string
		}{
			{"no idempotency key", "", good, 400, "Idempotency-Key"},
			{"not json", "k1", "{", 400, ""},
			{"unknown field", "k2", `{"cart_id":"x","nope":1}`, 400, ""},
			{"no cart", "k3", with(func(r *CheckoutRequest) { r.CartID = "" }), 422, "cart_id"},
			{"bad cart id", "k4", with(func(r *CheckoutRequest) { r.CartID = "../etc" }), 422, "cart_id"},
			{"no email", "k5", with(func(r *CheckoutRequest) { r.Email = "" }), 422, "email"},
			{"bad email", "k6", with(func(r *CheckoutRequest) { r.Email = "ann at example" }), 422, "email"},
			{"no city", "k7", with(func(r *CheckoutRequest) { r.ShippingAddress.City = " " }), 422, "shipping_address.city"},
			{"bad country", "k8", with(func(r *CheckoutRequest) { r.ShippingAddress.Country = "usa" }), 422, "shipping_address.country"},
			{"no card", "k9", with(func(r *CheckoutRequest) { r.Payment.CardNumber = "" }), 422, "payment.card_number"},
			{"letters in card", "k10", with(func(r *CheckoutRequest) { r.Payment.CardNumber = "4242x" }), 422, "payment.card_number"},
			{"card fails Luhn", "k11", with(func(r *CheckoutRequest) { r.Payment.CardNumber = "4242424242424241" }), 422, "payment.card_number"},
			{"unknown cart", "k12", with(func(r *CheckoutRequest) { r.CartID = "0123456789abcdef0123456789abcdef" }), 404, ""},
			{"empty cart", "k13", empty, 422, "cart_id"},
			{"unknown shipping method", "k14", with(func(r *CheckoutRequest) { r.ShippingMethod = "teleport" }), 422, "shipping_method"},
			{"unknown provider", "k15", with(func(r *CheckoutRequest) { r.Payment.Provider = "nope" }), 422, "payment.provider"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				rec := f.do(t, ctx, http.MethodPost, "/api/v1/checkout", tc.key, tc.body)
				if rec.Code != tc.status {
					t.Fatalf("%d %s, want %d", rec.Code, rec.Body, tc.status)
				}
				p := decode[problem](t, rec)
				if tc.field != "" && !slices.Contains(p.fields(), tc.field) {
					t.Errorf("fields %v, want %s: %s", p.fields(), tc.field, rec.Body)
				}
			})
		}
		if avail, _ := f.available(t, "TEE-M"); avail != 10 {
			t.Errorf("available %d after bad checkouts, want 10", avail)
		}
	})
}
