package cart

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/pricing"
)

func asCustomer(id string) context.Context {
	return auth.WithPrincipal(context.Background(), auth.Principal{Subject: id, Role: auth.Customer,
		Permissions: auth.PermissionsOf(auth.Customer)})
}

// field returns the field an error names, or "".
func field(err error) string {
	var e *apperr.Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		return e.Fields[0].Field
	}
	return ""
}

func TestService(t *testing.T) {
	t.Parallel()
	storeKinds(t, func(t *testing.T, st Store, d *db.DB) {
		ctx := context.Background()
		cat := testCatalog()
		s := newService(st, d, cat)
		newCart := func(t *testing.T, ctx context.Context) View {
			v, err := s.Create(ctx, "USD")
			if err != nil {
				t.Fatal(err)
			}
			return v
		}

		t.Run("add, sum and price", func(t *testing.T) {
			c := newCart(t, ctx)
			if _, err := s.AddItem(ctx, c.ID, "TEE-M", 2); err != nil {
				t.Fatal(err)
			}
			v, err := s.AddItem(ctx, c.ID, "TEE-M", 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(v.Items) != 1 || v.Items[0].Quantity != 3 || v.Items[0].LineTotal.Amount != 5997 {
				t.Fatalf("items %+v", v.Items)
			}
			// 5997 >= 5000 ships free; US without a region rate is untaxed.
			want := pricing.Totals{Currency: "USD", Subtotal: 5997, Total: 5997, ShippingMethod: "standard", WeightGrams: 1500}
			if v.Totals != want {
				t.Fatalf("totals %+v, want %+v", v.Totals, want)
			}
		})

		t.Run("bad items", func(t *testing.T) {
			c := newCart(t, ctx)
			cases := []struct {
				name  string
				id    string
				sku   string
				qty   int64
				field string
				kind  apperr.Kind
			}{
				{"zero", c.ID, "TEE-M", 0, "quantity", apperr.InvalidInput},
				{"negative", c.ID, "TEE-M", -3, "quantity", apperr.InvalidInput},
				{"huge", c.ID, "TEE-M", 1 << 40, "quantity", apperr.InvalidInput},
				{"unknown sku", c.ID, "NOPE-1", 1, "sku", apperr.InvalidInput},
				{"malformed sku", c.ID, "../etc", 1, "sku", apperr.InvalidInput},
				{"not for sale", c.ID, "OFF-1", 1, "sku", apperr.InvalidInput},
				{"currency mismatch", c.ID, "EURO-1", 1, "sku", apperr.InvalidInput},
				{"over stock", c.ID, "LIMITED-1", 4, "quantity", apperr.Conflict},
				{"line total beyond any price", c.ID, "GOLD-1", 2, "quantity", apperr.InvalidInput},
				{"malformed cart id", "nope", "TEE-M", 1, "id", apperr.BadRequest},
				{"unknown cart", NewID(), "TEE-M", 1, "", apperr.NotFound},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					_, err := s.AddItem(ctx, tc.id, tc.sku, tc.qty)
					if apperr.KindOf(err) != tc.kind || field(err) != tc.field {
						t.Fatalf("err = %v (kind %v, field %q); want kind %v naming %q", err, apperr.KindOf(err), field(err), tc.kind, tc.field)
					}
				})
			}
		})

		t.Run("stock counts what is already in the cart", func(t *testing.T) {
			c := newCart(t, ctx)
			if _, err := s.AddItem(ctx, c.ID, "LIMITED-1", 2); err != nil {
				t.Fatal(err)
			}
			if _, err := s.AddItem(ctx, c.ID, "LIMITED-1", 2); !errors.Is(err, ErrOutOfStock) {
				t.Fatalf("err = %v, want out of stock", err)
			}
			if _, err := s.SetQuantity(ctx, c.ID, "LIMITED-1", 3); err != nil {
				t.Fatal(err)
			}
		})

		t.Run("price change shows", func(t *testing.T) {
			cat := testCatalog()
			s := newService(st, d, cat)
			c := newCart(t, ctx)
			if _, err := s.AddItem(ctx, c.ID, "MUG-1", 1); err != nil {
				t.Fatal(err)
			}
			cat.set(variant("MUG-1", 1400, "USD"))
			v, err := s.Get(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			it := v.Items[0]
			if !it.PriceChanged || it.PreviousPrice == nil || it.PreviousPrice.Amount != 1250 || it.UnitPrice.Amount != 1400 || v.Totals.Subtotal != 1400 {
				t.Fatalf("item %+v, totals %+v", it, v.Totals)
			}
			gone := variant("MUG-1", 1400, "USD")
			gone.Active = false
			cat.set(gone)
			v, _ = s.Get(ctx, c.ID)
			if v.Items[0].Available || v.Totals.Subtotal != 0 || v.Items[0].Problem == "" {
				t.Fatalf("unavailable item counted: %+v %+v", v.Items[0], v.Totals)
			}
		})

		t.Run("update and remove", func(t *testing.T) {
			c := newCart(t, ctx)
			if _, err := s.SetQuantity(ctx, c.ID, "TEE-M", 2); !errors.Is(err, ErrNoItem) {
				t.Fatalf("set on missing item: %v", err)
			}
			s.AddItem(ctx, c.ID, "TEE-M", 1)
			s.AddItem(ctx, c.ID, "MUG-1", 1)
			v, err := s.SetQuantity(ctx, c.ID, "TEE-M", 5)
			if err != nil || v.Items[0].Quantity != 5 {
				t.Fatalf("%+v, %v", v.Items, err)
			}
			v, err = s.RemoveItem(ctx, c.ID, "TEE-M")
			if err != nil || len(v.Items) != 1 || v.Items[0].SKU != "MUG-1" {
				t.Fatalf("%+v, %v", v.Items, err)
			}
			if _, err := s.RemoveItem(ctx, c.ID, "TEE-M"); !errors.Is(err, ErrNoItem) {
				t.Fatalf("second remove: %v", err)
			}
		})

		t.Run("destination", func(t *testing.T) {
			c := newCart(t, ctx)
			s.AddItem(ctx, c.ID, "MUG-1", 1)
			v, err := s.SetDestination(ctx, c.ID, Destination{Country: "us", Region: "ca"})
			if err != nil {
				t.Fatal(err)
			}
			// (1250 + 500) * 7.25% = 126.875 -> 127
			if v.Totals.Tax != 127 || v.Totals.Total != 1877 || v.Country != "US" {
				t.Fatalf("totals %+v", v.Totals)
			}
			for _, d := range []Destination{{ShippingMethod: "moon"}, {Country: "USA"}, {Region: "C-A"}} {
				if _, err := s.SetDestination(ctx, c.ID, d); apperr.KindOf(err) != apperr.InvalidInput || field(err) == "" {
					t.Errorf("%+v: %v", d, err)
				}
			}
		})

		t.Run("quote prices another destination without saving it", func(t *testing.T) {
			c := newCart(t, ctx)
			s.AddItem(ctx, c.ID, "MUG-1", 1)
			q, err := s.Quote(ctx, c.ID, Destination{Country: "DE"})
			// (1250 + 500) * 19% = 332.5 -> 332 (half to even)
			if err != nil || q.Totals.Tax != 332 || q.Totals.Total != 2082 {
				t.Fatalf("quote %+v, %v", q.Totals, err)
			}
			if _, err := s.Quote(ctx, c.ID, Destination{ShippingMethod: "teleport"}); field(err) != "shipping_method" {
				t.Fatalf("unknown method: %v", err)
			}
			if v, _ := s.Get(ctx, c.ID); v.Totals.Tax != 0 || v.Country != "" {
				t.Fatalf("quote changed the cart: %+v", v)
			}
		})

		t.Run("concurrent adds sum", func(t *testing.T) {
			c := newCart(t, ctx)
			const n = 12
			var wg sync.WaitGroup
			for range n {
				wg.Go(func() {
					if _, err := s.AddItem(ctx, c.ID, "TEE-M", 2); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			v, _ := s.Get(ctx, c.ID)
			if len(v.Items) != 1 || v.Items[0].Quantity != 2*n {
				t.Fatalf("items %+v, want quantity %d", v.Items, 2*n)
			}
		})

		t.Run("customer carts are private", func(t *testing.T) {
			alice := asCustomer("alice-" + NewID()[:6])
			c := newCart(t, alice)
			if c.CustomerID == "" {
				t.Fatal("customer cart without customer")
			}
			for name, ctx := range map[string]context.Context{"guest": ctx, "bob": asCustomer("bob")} {
				if _, err := s.Get(ctx, c.ID); !errors.Is(err, ErrNotFound) {
					t.Errorf("%s reads alice's cart: %v", name, err)
				}
				if _, err := s.AddItem(ctx, c.ID, "TEE-M", 1); !errors.Is(err, ErrNotFound) {
					t.Errorf("%s adds to alice's cart: %v", name, err)
				}
				if err := s.Delete(ctx, c.ID); !errors.Is(err, ErrNotFound) {
					t.Errorf("%s deletes alice's cart: %v", name, err)
				}
			}
			checkout := auth.WithPrincipal(ctx, auth.Principal{Subject: "service:order", Service: true})
			if _, err := s.Get(checkout, c.ID); err != nil {
				t.Errorf("a service cannot read the cart to check it out: %v", err)
			}
			if err := s.Delete(asCustomer("bob"), c.ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("bob deletes alice's cart: %v", err)
			}
			if err := s.Delete(checkout, c.ID); err != nil {
				t.Errorf("checkout deletes the cart: %v", err)
			}
			if _, err := s.Get(alice, c.ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("deleted cart still there: %v", err)
			}
		})
	})
}

func TestMerge(t *testing.T) {
	t.Parallel()
	storeKinds(t, func(t *testing.T, st Store, d *db.DB) {
		s := newService(st, d, testCatalog())
		guestCtx := context.Background()
		t.Run("into existing cart", func(t *testing.T) {
			customer := "cust-" + NewID()[:8]
			mine, _ := s.Create(asCustomer(customer), "USD")
			s.AddItem(asCustomer(customer), mine.ID, "TEE-M", 1)
			guest, _ := s.Create(guestCtx, "USD")
			s.AddItem(guestCtx, guest.ID, "TEE-M", 2)
			s.AddItem(guestCtx, guest.ID, "MUG-1", 1)
			v, err := s.Merge(guestCtx, guest.ID, customer)
			if err != nil {
				t.Fatal(err)
			}
			if v.ID != mine.ID || len(v.Items) != 2 || v.Items[0].Quantity != 3 || v.Items[1].Quantity != 1 {
				t.Fatalf("merged %+v", v)
			}
			if _, err := s.Get(guestCtx, guest.ID); !errors.Is(err, ErrNotFound) {
				t.Fatalf("guest cart survives: %v", err)
			}
			if _, err := s.Merge(guestCtx, guest.ID, customer); !errors.Is(err, ErrNotFound) {
				t.Fatalf("second merge: %v", err)
			}
		})
		t.Run("adopted when the customer has none", func(t *testing.T) {
			customer := "cust-" + NewID()[:8]
			guest, _ := s.Create(guestCtx, "USD")
			s.AddItem(guestCtx, guest.ID, "MUG-1", 1)
			v, err := s.Merge(guestCtx, guest.ID, customer)
			if err != nil || v.ID != guest.ID || v.CustomerID != customer {
				t.Fatalf("%+v, %v", v, err)
			}
			if _, err := s.Get(guestCtx, guest.ID); !errors.Is(err, ErrNotFound) {
				t.Fatalf("adopted cart still public: %v", err)
			}
			if _, err := s.Merge(guestCtx, guest.ID, "someone-else"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("another customer merges it: %v", err)
			}
		})
		t.Run("concurrent merges move items once", func(t *testing.T) {
			customer := "cust-" + NewID()[:8]
			mine, _ := s.Create(asCustomer(customer), "USD")
			guest, _ := s.Create(guestCtx, "USD")
			s.AddItem(guestCtx, guest.ID, "MUG-1", 2)
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					if _, err := s.Merge(guestCtx, guest.ID, customer); err != nil && !errors.Is(err, ErrNotFound) {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			v, _ := s.Get(asCustomer(customer), mine.ID)
			if len(v.Items) != 1 || v.Items[0].Quantity != 2 {
				t.Fatalf("items %+v", v.Items)
			}
		})
	})
}
