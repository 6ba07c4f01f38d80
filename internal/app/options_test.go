package app

import (
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pasarhq/pasar/internal/notification"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/config"
)

// TestVariantOptionsEndToEnd buys two variants of one product, alike but for their options, on
// the all-in-one shop (SQLite) and on PostgreSQL with NATS: the cart, the order and the
// confirmation mail tell them apart.
func TestVariantOptionsEndToEnd(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			cfg := config.Default()
			if engine == "postgres" {
				cfg = distributedConfig(t)
				stream := "T" + strings.ToUpper(randomHex(t, 4))
				cfg.NATSStream, cfg.NATSPrefix = stream, strings.ToLower(stream)
				t.Cleanup(func() { deleteStream(t, cfg.NATSURL, stream) }) // after the App closes
			}
			cfg.DataDir, cfg.WAF = t.TempDir(), "off"
			cfg.RateLimitClient, cfg.RateLimitAccount = 0, 0
			cfg.Argon2Memory, cfg.Argon2Iterations = 64, 1
			variantOptionsJourney(t, cfg)
		})
	}
}

func variantOptionsJourney(t *testing.T, cfg config.Config) {
	log := slog.New(slog.DiscardHandler)
	const pass = "a long admin passphrase"
	if _, err := CreateUser(t.Context(), cfg, log, "boss@example.test", pass, auth.Admin); err != nil {
		t.Fatal(err)
	}
	a, err := New(t.Context(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	hs := httptest.NewServer(a.Handler())
	t.Cleanup(hs.Close)
	srv := hs.URL
	c := shopClient{t: t, base: srv}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if code := c.do("POST", "/api/v1/auth/login", map[string]string{"email": "boss@example.test", "password": pass}, &tok); code != 200 {
		t.Fatalf("login: %d", code)
	}
	staff := shopClient{t: t, base: srv, token: tok.AccessToken}

	grey := map[string]string{"size": `15"`, "colour": "grey"}
	blue := map[string]string{"size": `13"`, "colour": "blue"}
	product := map[string]any{"title": "Vertex Go Notebook 846", "slug": "vertex-go-notebook-846", "status": "active",
		"variants": []map[string]any{
			{"sku": "LAP-846-15", "options": grey, "price": map[string]any{"amount": 89900, "currency": "USD"}},
			{"sku": "LAP-846-13", "options": blue, "price": map[string]any{"amount": 79900, "currency": "USD"}},
		}}
	if code := staff.do("POST", "/api/v1/admin/products", product, nil); code != 201 {
		t.Fatalf("create product: %d", code)
	}
	for _, sku := range []string{"LAP-846-15", "LAP-846-13"} {
		if code := staff.do("PUT", "/api/v1/admin/inventory/"+sku, map[string]any{"warehouse": "main", "on_hand": 5, "reason": "delivery"}, nil); code != 200 {
			t.Fatalf("stock %s: %d", sku, code)
		}
	}

	type line struct {
		SKU     string            `json:"sku"`
		Title   string            `json:"title"`
		Options map[string]string `json:"options"`
	}
	var cart struct {
		ID    string `json:"id"`
		Items []line `json:"items"`
	}
	if code := c.do("POST", "/api/v1/carts", map[string]any{}, &cart); code != 201 {
		t.Fatalf("cart: %d", code)
	}
	// The cart learns of the product from the catalog's events.
	waitFor(t, "the cart sells the new product", func() bool {
		return c.do("POST", "/api/v1/carts/"+cart.ID+"/items", map[string]any{"sku": "LAP-846-15", "quantity": 1}, nil) == 200
	})
	if code := c.do("POST", "/api/v1/carts/"+cart.ID+"/items", map[string]any{"sku": "LAP-846-13", "quantity": 2}, &cart); code != 200 {
		t.Fatalf("add: %d", code)
	}
	check := func(what string, ls []line) {
		t.Helper()
		if len(ls) != 2 || ls[0].SKU != "LAP-846-15" || !reflect.DeepEqual(ls[0].Options, grey) ||
			!reflect.DeepEqual(ls[1].Options, blue) || ls[0].Title != ls[1].Title {
			t.Fatalf("%s lines: %+v", what, ls)
		}
	}
	check("cart", cart.Items)

	var o struct {
		ID, Number, Status string
		Lines              []line
	}
	code := c.do("POST", "/api/v1/checkout", map[string]any{"cart_id": cart.ID, "email": "ann@example.test",
		"shipping_address": map[string]string{"name": "Ann", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"},
		"payment":          map[string]string{"provider": "test", "card_number": "4242424242424242"}}, &o, "Idempotency-Key", "variants-1")
	if code != 201 || o.Status != "paid" {
		t.Fatalf("checkout: %d %+v", code, o)
	}
	check("checkout", o.Lines)
	o.Lines = nil
	if code := staff.do("GET", "/api/v1/admin/orders/"+o.ID, nil, &o); code != 200 {
		t.Fatalf("get order: %d", code)
	}
	check("stored order", o.Lines)

	var text string
	waitFor(t, "the confirmation mail", func() bool {
		mails, err := notification.ReadMailLog(filepath.Join(cfg.DataDir, "mail"))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mails {
			if m.Subject() == "Order "+o.Number+" confirmed" {
				if text, err = m.Part("text/plain"); err != nil {
					t.Fatalf("confirmation: %v\n%s", err, m.Raw)
				}
				return true
			}
		}
		return false
	})
	for _, w := range []string{
		"1 x Vertex Go Notebook 846 (colour: grey, size: 15\") (SKU LAP-846-15)\n",
		"2 x Vertex Go Notebook 846 (colour: blue, size: 13\") (SKU LAP-846-13)\n",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("confirmation lacks %q:\n%s", w, text)
		}
	}
}
