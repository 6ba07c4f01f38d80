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

// TestDiscountContract runs one suite against the discount codes on the store and against
// DiscountsClient talking to a real server of the cart's handler: same answers, same sentinels
// under errors.Is. The client alone is also held to the admin API's permission.
func TestDiscountContract(t *testing.T) {
	t.Parallel()
	for _, e := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			iss := authtest.New(t)
			serve := func() (*Core, string) {
				d := migrated(t, e)
				core := newService(NewSQLStore(d), d, testCatalog())
				rt := httpx.NewRouter(nil)
				NewHandler(core).Routes(rt)
				srv := httptest.NewServer(httpx.Middleware(auth.Middleware(iss.Verifier(), rt), httpx.Options{}))
				t.Cleanup(srv.Close)
				return core, srv.URL
			}
			core, _ := serve()
			_, url := serve() // a store of its own, so both shapes start empty
			client := NewDiscountsClient(url, nil)
			admin := auth.WithBearer(context.Background(), iss.Token(t, auth.Admin))
			t.Run("core", func(t *testing.T) { discountContract(t, core.Discounts(), context.Background()) })
			t.Run("client", func(t *testing.T) { discountContract(t, client, admin) })

			t.Run("client permissions", func(t *testing.T) {
				customer := auth.WithBearer(context.Background(), iss.Token(t, auth.Customer))
				if _, err := client.List(customer); !errors.Is(err, auth.ErrForbidden) {
					t.Errorf("a customer lists codes: %v", err)
				}
				if err := client.Delete(customer, "SPRING"); !errors.Is(err, auth.ErrForbidden) {
					t.Errorf("a customer deletes a code: %v", err)
				}
				if _, err := client.Create(context.Background(), pricing.Discount{Code: "X1", Kind: pricing.Percent, Percent: 5}); !errors.Is(err, auth.ErrUnauthenticated) {
					t.Errorf("nobody creates a code: %v", err)
				}
			})
		})
	}
}

// discountContract exercises the discount codes as an admin (ctx).
func discountContract(t *testing.T, ds DiscountAdmin, ctx context.Context) {
	if list, err := ds.List(ctx); err != nil || list == nil || len(list) != 0 {
		t.Fatalf("empty list: %#v, %v", list, err)
	}
	r, err := ds.Create(ctx, pricing.Discount{Code: "spring", Kind: pricing.Percent, Percent: 15, UsageLimit: 100})
	if err != nil || r.Code != "SPRING" || r.Percent != 15 || r.UsageLimit != 100 || r.CreatedAt.IsZero() {
		t.Fatalf("create: %+v, %v", r, err)
	}
	if _, err := ds.Create(ctx, pricing.Discount{Code: "Spring", Kind: pricing.Percent, Percent: 5}); !errors.Is(err, ErrDiscountExists) {
		t.Fatalf("taken code: %v", err)
	}
	_, err = ds.Create(ctx, pricing.Discount{Code: "BAD CODE", Kind: pricing.Percent, Percent: 5})
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.InvalidInput || len(ae.Fields) == 0 || ae.Fields[0].Field != "code" {
		t.Fatalf("invalid code: %v", err)
	}
	if _, err := ds.Create(ctx, pricing.Discount{Code: "FIVE", Kind: pricing.Fixed, AmountOff: 500, Currency: "USD"}); err != nil {
		t.Fatal(err)
	}
	got, err := ds.Get(ctx, "spring")
	if err != nil || got.Code != "SPRING" || !got.CreatedAt.Equal(r.CreatedAt) || got.Used != 0 {
		t.Fatalf("get: %+v, %v (created %+v)", got, err, r)
	}
	for _, code := range []string{"NOPE", "no/such code"} {
		if _, err := ds.Get(ctx, code); !errors.Is(err, pricing.ErrDiscountUnknown) {
			t.Fatalf("get %q: %v", code, err)
		}
		if err := ds.Delete(ctx, code); !errors.Is(err, pricing.ErrDiscountUnknown) {
			t.Fatalf("delete %q: %v", code, err)
		}
	}
	list, err := ds.List(ctx)
	if err != nil || len(list) != 2 || list[0].Code != "FIVE" || list[0].AmountOff != 500 || list[1].Code != "SPRING" {
		t.Fatalf("list: %+v, %v", list, err)
	}
	if err := ds.Delete(ctx, "spring"); err != nil {
		t.Fatal(err)
	}
	if err := ds.Delete(ctx, "SPRING"); !errors.Is(err, pricing.ErrDiscountUnknown) {
		t.Fatalf("delete again: %v", err)
	}
	if list, err := ds.List(ctx); err != nil || len(list) != 1 || list[0].Code != "FIVE" {
		t.Fatalf("list after delete: %+v, %v", list, err)
	}
}
