package order

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/pasarhq/pasar/internal/payment"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/auth/authtest"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// TestContract runs one suite against the order core and against the HTTP client talking to a
// real server of the same handler: same orders, same sentinels under errors.Is.
func TestContract(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		iss := authtest.New(t)
		srv := httptest.NewServer(httpx.Middleware(auth.Middleware(iss.Verifier(), f.router), httpx.Options{}))
		t.Cleanup(srv.Close)
		f.stock(t, "TEE-M", 100)
		shapes := []struct {
			name string
			svc  Service
			as   func(auth.Principal) context.Context
		}{
			{"core", f.Core, func(p auth.Principal) context.Context { return auth.WithPrincipal(context.Background(), p) }},
			{"client", NewClient(srv.URL, nil), func(p auth.Principal) context.Context {
				return auth.WithBearer(context.Background(), iss.TokenFor(p))
			}},
		}
		for _, s := range shapes {
			t.Run(s.name, func(t *testing.T) {
				ann, bob := authtest.Principal(auth.Customer), authtest.Principal(auth.Customer)
				admin := authtest.Principal(auth.Admin)
				contract(t, f, s.svc, s.as(ann), s.as(bob), s.as(admin), s.name)
			})
		}
	})
}

func contract(t *testing.T, f *fixture, svc Service, ann, bob, admin context.Context, prefix string) {
	cartID := f.cart(t, ann, "TEE-M", 2)
	if _, err := svc.Checkout(ann, "", request(cartID, "4242424242424242")); !errors.Is(err, ErrMissingKey) {
		t.Fatalf("no key: %v", err)
	}
	o, err := svc.Checkout(ann, prefix+"-k1", request(cartID, "4242424242424242"))
	if err != nil || o.Status != Paid || len(o.Lines) != 1 || o.Lines[0].Options["size"] != "M" {
		t.Fatalf("checkout: %+v, %v", o, err)
	}
	again, err := svc.Checkout(ann, prefix+"-k1", request(cartID, "4242424242424242"))
	if err != nil || again.ID != o.ID {
		t.Fatalf("replay: %+v, %v", again, err)
	}
	other := request(cartID, "4242424242424242")
	other.Email = "someone@example.test"
	if _, err := svc.Checkout(ann, prefix+"-k1", other); !errors.Is(err, ErrIdempotencyReuse) {
		t.Fatalf("key reused with another body: %v", err)
	}
	declined := f.cart(t, ann, "TEE-M", 1)
	if _, err := svc.Checkout(ann, prefix+"-k2", request(declined, "4000000000000002")); !errors.Is(err, payment.ErrDeclined) {
		t.Fatalf("declined card: %v", err)
	}

	if got, err := svc.Get(ann, o.ID); err != nil || got.ID != o.ID || len(got.Lines) != 1 || got.Lines[0].Options["size"] != "M" {
		t.Fatalf("get own: %+v, %v", got, err)
	}
	if _, err := svc.Get(bob, o.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another customer's order: %v", err)
	}
	mine, err := svc.Mine(ann, 10)
	if err != nil || len(mine) != 2 || mine[1].ID != o.ID {
		t.Fatalf("mine: %d orders, %v", len(mine), err)
	}
	if _, err := svc.List(ann, Filter{}); err == nil {
		t.Fatal("a customer listed every order")
	}
	list, err := svc.List(admin, Filter{Status: Paid, Limit: 200})
	if err != nil || !contains(list, o.ID) {
		t.Fatalf("staff list: %v", err)
	}
	if _, err := svc.Deliver(admin, o.ID, ""); !errors.Is(err, ErrInvalidTransition) {
		t.Fatalf("deliver before shipping: %v", err)
	}
	shipped, err := svc.Ship(admin, o.ID, "TRACK-1")
	if err != nil || shipped.Status != Shipped {
		t.Fatalf("ship: %+v, %v", shipped, err)
	}
	if _, err := svc.Cancel(admin, o.ID, "too late"); !errors.Is(err, ErrInvalidTransition) {
		t.Fatalf("cancel shipped: %v", err)
	}
	if _, err := svc.Ship(admin, prefix+"-none", "X"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ship unknown: %v", err)
	}
	refunded, err := svc.Refund(admin, o.ID, "returned")
	if err != nil || refunded.Status != Refunded {
		t.Fatalf("refund: %+v, %v", refunded, err)
	}
}

func contains(os []Order, id string) bool {
	for _, o := range os {
		if o.ID == id {
			return true
		}
	}
	return false
}
