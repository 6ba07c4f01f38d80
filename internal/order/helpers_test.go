package order

import (
	"context"
	"encoding/json"
	"io/fs"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pasarhq/pasar/internal/cart"
	"github.com/pasarhq/pasar/internal/inventory"
	"github.com/pasarhq/pasar/internal/payment"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/auth/authtest"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
	"github.com/pasarhq/pasar/internal/platform/events"
	"github.com/pasarhq/pasar/internal/platform/httpx"
	"github.com/pasarhq/pasar/internal/pricing"
)

// staticCatalog is the catalog the cart prices with: fixed variants by SKU.
type staticCatalog map[string]cart.Variant

func (c staticCatalog) Variants(_ context.Context, skus []string) (map[string]cart.Variant, error) {
	out := map[string]cart.Variant{}
	for _, s := range skus {
		if v, ok := c[s]; ok {
			out[s] = v
		}
	}
	return out, nil
}

func variant(sku string, amount int64) cart.Variant {
	return cart.Variant{SKU: sku, ProductID: "p-" + sku, Title: "Product " + sku, Active: true,
		Price: pricing.Money{Amount: amount, Currency: "USD"}, WeightGrams: 300}
}

// withOptions returns v as a variant of product id with the given options.
func withOptions(v cart.Variant, id, title string, options map[string]string) cart.Variant {
	v.ProductID, v.Title, v.Options = id, title, options
	return v
}

// testCatalog's notebooks are two variants of one product, told apart by their options only.
var testCatalog = staticCatalog{
	"TEE-M":  withOptions(variant("TEE-M", 1999), "p-TEE", "Product TEE-M", map[string]string{"size": "M"}),
	"MUG-1":  variant("MUG-1", 1250),
	"CAP-1":  variant("CAP-1", 1500),
	"LAST-5": variant("LAST-5", 900),
	"NB-15":  withOptions(variant("NB-15", 89900), "p-NB", "Vertex Go Notebook 846", map[string]string{"size": `15"`, "colour": "grey"}),
	"NB-13":  withOptions(variant("NB-13", 79900), "p-NB", "Vertex Go Notebook 846", map[string]string{"size": `13"`, "colour": "blue"}),
}

// fixture is an order Core on its own store, with the real inventory, payment and cart cores
// each on a store of their own, on the same engine.
type fixture struct {
	*Core
	d      *db.DB
	inv    *inventory.Core
	pay    *payment.Core
	payDB  *db.DB
	carts  *cart.Core
	router *httpx.Router
}

// prepare applies the events schema and a service's schema to d.
func prepare(t testing.TB, d *db.DB, name string, m fs.FS) *db.DB {
	t.Helper()
	ctx := context.Background()
	if _, err := db.Migrate(ctx, d, "events", events.Migrations); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx, d, name, m); err != nil {
		t.Fatal(err)
	}
	return d
}

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	od := prepare(t, d, "order", Migrations)
	id := prepare(t, dbtest.Open(t, d.Engine()), "inventory", inventory.Migrations)
	pd := prepare(t, dbtest.Open(t, d.Engine()), "payment", payment.Migrations)
	cd := prepare(t, dbtest.Open(t, d.Engine()), "cart", cart.Migrations)
	inv := inventory.NewCore(id, events.NewOutbox(id, nil, "inventory", log), inventory.Options{})
	pay := payment.NewCore(pd, events.NewOutbox(pd, nil, "payment", log), payment.Options{Logger: log})
	carts := cart.New(cart.NewSQLStore(cd), cart.Options{Catalog: testCatalog, Stock: inv, Discounts: cart.NewDiscounts(cd),
		Pricing: pricing.Calculator{Shipping: pricing.DefaultShipping(), Taxes: pricing.TaxTable{"US-CA": 725}, StoreCountry: "US"}})
	c := NewCore(od, events.NewOutbox(od, nil, "order", log), Options{Carts: carts, Inventory: inv, Payment: pay, Logger: log})
	r := httpx.NewRouter(nil)
	NewHandler(c).Routes(r)
	return &fixture{Core: c, d: od, inv: inv, pay: pay, payDB: pd, carts: carts, router: r}
}

// staff is a context allowed to adjust stock and manage orders.
func staff() context.Context {
	return auth.WithPrincipal(context.Background(), authtest.Principal(auth.Admin))
}

// customer returns a context signed in as a new customer.
func customer() context.Context {
	return auth.WithPrincipal(context.Background(), authtest.Principal(auth.Customer))
}

// stock sets the units on hand of sku.
func (f *fixture) stock(t testing.TB, sku string, n int64) {
	t.Helper()
	if _, err := f.inv.Adjust(staff(), inventory.Adjustment{SKU: sku, OnHand: n, Reason: "test stock"}); err != nil {
		t.Fatal(err)
	}
}

// available returns sku's available units.
func (f *fixture) available(t testing.TB, sku string) (available, onHand int64) {
	t.Helper()
	st, err := f.inv.Get(context.Background(), sku)
	if err != nil {
		t.Fatal(err)
	}
	return st.Available, st.OnHand
}

// cart creates a cart for ctx's caller holding quantity of each sku in turn (sku, n, sku, n...).
func (f *fixture) cart(t testing.TB, ctx context.Context, items ...any) string {
	t.Helper()
	v, err := f.carts.Create(ctx, "USD")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(items); i += 2 {
		if _, err := f.carts.AddItem(ctx, v.ID, items[i].(string), int64(items[i+1].(int))); err != nil {
			t.Fatal(err)
		}
	}
	return v.ID
}

// request is a valid checkout of cartID paying with card.
func request(cartID, card string) CheckoutRequest {
	return CheckoutRequest{CartID: cartID, Email: "ann@example.test",
		ShippingAddress: Address{Name: "Ann", Line1: "1 Main St", City: "Springfield", PostalCode: "12345", Country: "US"},
		Payment:         Payment{Provider: "test", CardNumber: card}}
}

// do serves a request on the order API as ctx's caller and returns the response.
func (f *fixture) do(t testing.TB, ctx context.Context, method, path, key string, body any) *httptest.ResponseRecorder {
	t.Helper()
	var b string
	switch v := body.(type) {
	case nil:
	case string:
		b = v
	default:
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		b = string(raw)
	}
	req := httptest.NewRequest(method, path, strings.NewReader(b)).WithContext(ctx)
	if b != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	rec := httptest.NewRecorder()
	f.router.ServeHTTP(rec, req)
	return rec
}

// problem is the body of an error response.
type problem struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Errors []struct {
		Field string `json:"field"`
	} `json:"errors"`
}

func decode[T any](t testing.TB, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("%d %s: %v", rec.Code, rec.Body, err)
	}
	return v
}

// fields returns the fields a problem names.
func (p problem) fields() []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

// count returns the rows of a query's COUNT(*).
func count(t testing.TB, d *db.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func cartDestination(country string) cart.Destination { return cart.Destination{Country: country} }
