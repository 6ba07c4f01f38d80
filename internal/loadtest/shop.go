// Package loadtest drives a running shop over its HTTP API the way shoppers do (browsing,
// product pages, search, carts, checkouts with the test card) and measures it: `pasar loadtest`
// runs it, and the checkout benchmark uses its shop client.
package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// TestCard is the card number the built-in test payment provider accepts.
const TestCard = "4242424242424242"

// Shop calls one shop's API.
type Shop struct {
	base   string
	client *http.Client
}

// NewShop returns a client of the shop at base (e.g. http://127.0.0.1:8080), with connections
// enough for conc requests at once.
func NewShop(base string, conc int) *Shop {
	return &Shop{base: base, client: &http.Client{
		Transport: &http.Transport{MaxIdleConns: conc, MaxIdleConnsPerHost: conc},
		Timeout:   60 * time.Second,
	}}
}

// Product is what a load test needs of a product.
type Product struct {
	ID    string
	Slug  string
	Title string
	SKU   string // its first variant's
}

// call sends one request and decodes a 2xx JSON answer into out. It returns the status (0 when
// no answer came); a non-2xx status is an error carrying the answer's text.
func (s *Shop) call(ctx context.Context, method, path, token string, body, out any, hdr ...string) (int, error) {
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, r)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode >= 300 {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(raw))
	}
	if out != nil {
		return resp.StatusCode, json.Unmarshal(raw, out)
	}
	return resp.StatusCode, nil
}

// Get fetches path and throws the answer away.
func (s *Shop) Get(ctx context.Context, path string) (int, error) {
	return s.call(ctx, "GET", path, "", nil, nil)
}

// Products returns up to n products of the catalog's first page.
func (s *Shop) Products(ctx context.Context, n int) ([]Product, error) {
	var page struct {
		Items []struct {
			ID       string `json:"id"`
			Slug     string `json:"slug"`
			Title    string `json:"title"`
			Variants []struct {
				SKU string `json:"sku"`
			} `json:"variants"`
		} `json:"items"`
	}
	if _, err := s.call(ctx, "GET", "/api/v1/products?limit="+fmt.Sprint(n), "", nil, &page); err != nil {
		return nil, err
	}
	var ps []Product
	for _, p := range page.Items {
		if len(p.Variants) > 0 {
			ps = append(ps, Product{ID: p.ID, Slug: p.Slug, Title: p.Title, SKU: p.Variants[0].SKU})
		}
	}
	return ps, nil
}

// Stock sets sku's stock in the main warehouse, as the admin whose access token is token.
func (s *Shop) Stock(ctx context.Context, token, sku string, onHand int) error {
	_, err := s.call(ctx, "PUT", "/api/v1/admin/inventory/"+url.PathEscape(sku), token,
		map[string]any{"warehouse": "main", "on_hand": onHand, "reason": "load test"}, nil)
	return err
}

// CreateCart starts a guest cart and returns its id.
func (s *Shop) CreateCart(ctx context.Context) (string, int, error) {
	var c struct {
		ID string `json:"id"`
	}
	code, err := s.call(ctx, "POST", "/api/v1/carts", "", map[string]any{}, &c)
	return c.ID, code, err
}

// AddItem puts quantity of sku into the cart.
func (s *Shop) AddItem(ctx context.Context, cart, sku string, quantity int) (int, error) {
	return s.call(ctx, "POST", "/api/v1/carts/"+url.PathEscape(cart)+"/items", "",
		map[string]any{"sku": sku, "quantity": quantity}, nil)
}

// Checkout pays for the cart with the test card under the idempotency key; an order that ends
// neither paid nor placed is an error.
func (s *Shop) Checkout(ctx context.Context, cart, key string) (int, error) {
	var o struct {
		Status string `json:"status"`
	}
	code, err := s.call(ctx, "POST", "/api/v1/checkout", "", map[string]any{"cart_id": cart, "email": "loadtest@example.test",
		"shipping_address": map[string]string{"name": "Load Test", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"},
		"payment":          map[string]string{"provider": "test", "card_number": TestCard}},
		&o, "Idempotency-Key", key)
	if err == nil && o.Status != "paid" && o.Status != "placed" {
		err = fmt.Errorf("checkout answered status %q", o.Status)
	}
	return code, err
}
