package cart

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/auth/authtest"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/httpx"
	"github.com/pasarhq/pasar/internal/pricing"
)

// TestContract runs one suite against the cart core and against the HTTP client talking to a
// real server of the same handler, on every cart store: same answers, same sentinels under
// errors.Is.
func TestContract(t *testing.T) {
	t.Parallel()
	storeKinds(t, func(t *testing.T, st Store, d *db.DB) {
		core := newService(st, d, testCatalog())
		if _, err := core.Discounts().Create(context.Background(), pricing.Discount{Code: "TENOFF", Kind: pricing.Percent,
			Percent: 10, PerCustomerLimit: 1}); err != nil {
			t.Fatal(err)
		}
		iss := authtest.New(t)
		rt := httpx.NewRouter(nil)
		NewHandler(core).Routes(rt)
		srv := httptest.NewServer(httpx.Middleware(auth.Middleware(iss.Verifier(), rt), httpx.Options{}))
		t.Cleanup(srv.Close)

		ann := auth.Principal{Subject: "ann", Role: auth.Customer}
		bob := auth.Principal{Subject: "bob", Role: auth.Customer}
		order := auth.Principal{Subject: "service:order", Service: true, Permissions: []auth.Permission{auth.OrdersManage}}
		client := NewClient(srv.URL, nil)
		shapes := []struct {
			name string
			svc  Service
			as   func(auth.Principal) context.Context
		}{
			{"core", core, func(p auth.Principal) context.Context { return auth.WithPrincipal(context.Background(), p) }},
			{"client", client, func(p auth.Principal) context.Context {
				if p.IsAnonymous() {
					return context.Background()
				}
				return auth.WithBearer(context.Background(), iss.TokenFor(p))
			}},
		}
		for _, s := range shapes {
			t.Run(s.name, func(t *testing.T) {
				contract(t, s.svc, s.as(auth.Principal{}), s.as(ann), s.as(bob), s.as(order), s.name)
			})
		}
	})
}

// contract exercises svc as a guest, two customers and the order service.
func contract(t *testing.T, svc Service, guest, ann, bob, order context.Context, prefix string) {
	c, err := svc.Create(guest, "")
	if err != nil || c.Currency != "USD" || c.ID == "" {
		t.Fatalf("create: %+v, %v", c, err)
	}
	if _, err := svc.Create(guest, "usd"); !hasField(err, "currency") {
		t.Fatalf("bad currency: %v", err)
	}
	if _, err := svc.Get(guest, "not-an-id"); !errors.Is(err, ErrBadID) {
		t.Fatalf("bad id: %v", err)
	}
	if _, err := svc.Get(guest, NewID()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown cart: %v", err)
	}
	v, err := svc.AddItem(guest, c.ID, "TEE-M", 2)
	if err != nil || len(v.Items) != 1 || v.Totals.Subtotal != 3998 {
		t.Fatalf("add: %+v, %v", v, err)
	}
	if o := v.Items[0].Options; len(o) != 2 || o["size"] != "M" || o["colour"] != "white" {
		t.Fatalf("line options: %+v", v.Items[0])
	}
	if _, err := svc.AddItem(guest, c.ID, "LIMITED-1", 4); !errors.Is(err, ErrOutOfStock) {
		t.Fatalf("over stock: %v", err)
	}
	if v, err = svc.SetQuantity(guest, c.ID, "TEE-M", 3); err != nil || v.Items[0].Quantity != 3 {
		t.Fatalf("set quantity: %+v, %v", v, err)
	}
	if _, err := svc.RemoveItem(guest, c.ID, "MUG-1"); !errors.Is(err, ErrNoItem) {
		t.Fatalf("remove missing: %v", err)
	}
	if v, err = svc.SetDestination(guest, c.ID, Destination{Country: "US", Region: "CA"}); err != nil || v.Region != "CA" {
		t.Fatalf("destination: %+v, %v", v, err)
	}
	if v, err = svc.ApplyDiscount(guest, c.ID, "tenoff"); err != nil || v.Discount == nil {
		t.Fatalf("discount: %+v, %v", v, err)
	}
	if _, err := svc.ApplyDiscount(guest, c.ID, "NOPE"); err == nil {
		t.Fatal("unknown code accepted")
	}
	q, err := svc.Quote(guest, c.ID, Destination{Country: "DE"})
	if err != nil || q.Country != "DE" || q.Totals.Tax == v.Totals.Tax {
		t.Fatalf("quote: %+v, %v", q, err)
	}
	if again, _ := svc.Get(guest, c.ID); again.Country != "US" {
		t.Fatalf("a quote changed the cart: %+v", again)
	}
	if v, err = svc.RemoveDiscount(guest, c.ID); err != nil || v.Discount != nil {
		t.Fatalf("remove discount: %+v, %v", v, err)
	}

	// Ann signs in: her cart is hers only; the guest cart merges into it.
	mine, err := svc.Create(ann, "")
	if err != nil || mine.CustomerID != "ann" {
		t.Fatalf("customer cart: %+v, %v", mine, err)
	}
	if _, err := svc.Get(bob, mine.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another customer's cart: %v", err)
	}
	merged, err := svc.Merge(ann, c.ID, "ann")
	if err != nil || merged.ID != mine.ID || len(merged.Items) != 1 || merged.Items[0].Quantity != 3 {
		t.Fatalf("merge: %+v, %v", merged, err)
	}

	// After a paid order: the order service sees the cart, counts the code and deletes the cart.
	if _, err := svc.Quote(order, mine.ID, Destination{}); err != nil {
		t.Fatalf("order service quote: %v", err)
	}
	if err := svc.Redeem(order, "TENOFF", prefix+"-ann", prefix+"-o1"); err != nil {
		t.Fatal(err)
	}
	if err := svc.Redeem(order, "TENOFF", prefix+"-ann", prefix+"-o1"); err != nil {
		t.Fatalf("the same order redeems once, again without error: %v", err)
	}
	if err := svc.Redeem(order, "TENOFF", prefix+"-ann", prefix+"-o2"); !errors.Is(err, pricing.ErrDiscountCustomerMax) {
		t.Fatalf("second order of the same customer: %v", err)
	}
	if err := svc.Delete(order, mine.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Get(ann, mine.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted cart: %v", err)
	}
	if err := svc.Delete(order, mine.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete again: %v", err)
	}
}

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
