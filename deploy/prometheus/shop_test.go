package prometheus

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/app"
	"github.com/pasarhq/pasar/internal/edge"
	"github.com/pasarhq/pasar/internal/gateway"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/config"
	"github.com/pasarhq/pasar/internal/platform/httpx"
	"github.com/pasarhq/pasar/internal/platform/observability"
)

// exported scrapes the metric names a real shop exports after some traffic: an all-in-one process
// that sold something (checkouts, stock changes, events relayed and consumed, a WAF block), a
// gateway in front of it, and a process that calls a service running elsewhere (the service
// clients' breaker series).
func exported(t *testing.T) map[string]bool {
	t.Helper()
	ctx := t.Context()
	log := slog.New(slog.DiscardHandler)
	names := map[string]bool{}

	cfg := config.Default()
	cfg.DataDir, cfg.Demo, cfg.WAF = t.TempDir(), true, "block"
	cfg.RateLimitClient, cfg.RateLimitAccount = 0, 0
	cfg.Argon2Memory, cfg.Argon2Iterations = 64, 1
	const pass = "tangerine submarine 42"
	if _, err := app.CreateUser(ctx, cfg, log, "boss@example.test", pass, auth.Admin); err != nil {
		t.Fatal(err)
	}
	shop, err := app.New(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(shop.Close)
	srv := httptest.NewServer(shop.Handler())
	t.Cleanup(srv.Close)
	sell(t, srv.URL, pass)
	// The relay and the consumers run in the background: wait until an event went all the way.
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := scrape(t, srv.URL)
		if got["pasar_events_published_total"] && got["pasar_events_consumer_lag_seconds"] {
			merge(names, got)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no event published and consumed within 30s of the checkout")
		}
		time.Sleep(100 * time.Millisecond)
	}

	reg := observability.NewRegistry()
	g, err := gateway.New(gateway.Options{Upstreams: map[string][]string{"catalog": {srv.URL}}, Logger: log, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	g.Start(ctx)
	t.Cleanup(g.Close)
	e, err := edge.New(edge.Options{WAF: "off", Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	gw := httptest.NewServer(gateway.NewServer(g, e, reg, httpx.Options{Logger: log}))
	t.Cleanup(gw.Close)
	if code := get(t, gw.URL+"/api/v1/products?limit=2"); code != 200 {
		t.Fatalf("products through the gateway: %d", code)
	}
	merge(names, scrape(t, gw.URL))

	// Everything but the catalog, which "runs elsewhere": at an address where nothing listens.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	nowhere := "http://" + l.Addr().String()
	l.Close()
	split := config.Default()
	split.DataDir = t.TempDir()
	split.Argon2Memory, split.Argon2Iterations = 64, 1
	split.Services, split.CatalogURL = "identity,inventory,cart,payment,order", nowhere
	part, err := app.New(ctx, split, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(part.Close)
	ps := httptest.NewServer(part.Handler())
	t.Cleanup(ps.Close)
	merge(names, scrape(t, ps.URL))
	return names
}

func merge(dst, src map[string]bool) {
	for k := range src {
		dst[k] = true
	}
}

// sell walks a shopper's and an admin's requests through the shop: reads, a search, stock, a
// paid checkout and a declined one, a request the WAF blocks.
func sell(t *testing.T, base, pass string) {
	t.Helper()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if code := call(t, base, "", "POST", "/api/v1/auth/login", map[string]string{"email": "boss@example.test", "password": pass}, &tok); code != 200 {
		t.Fatalf("login: %d", code)
	}
	var page struct {
		Items []struct {
			Slug     string `json:"slug"`
			Variants []struct {
				SKU string `json:"sku"`
			} `json:"variants"`
		} `json:"items"`
	}
	if code := call(t, base, "", "GET", "/api/v1/products?limit=2", nil, &page); code != 200 || len(page.Items) == 0 {
		t.Fatalf("products: %d", code)
	}
	call(t, base, "", "GET", "/api/v1/products?limit=2", nil, nil) // a cache hit
	call(t, base, "", "GET", "/api/v1/products/"+page.Items[0].Slug, nil, nil)
	call(t, base, "", "GET", "/api/v1/categories", nil, nil)
	call(t, base, "", "GET", "/api/v1/search?q=shirt", nil, nil)
	call(t, base, "", "GET", "/readyz", nil, nil)
	sku := page.Items[0].Variants[0].SKU
	if code := call(t, base, tok.AccessToken, "PUT", "/api/v1/admin/inventory/"+sku, map[string]any{"warehouse": "main", "on_hand": 5, "reason": "delivery"}, nil); code != 200 {
		t.Fatalf("stock: %d", code)
	}
	for i, card := range []string{"4242424242424242", "4000000000000002"} {
		var cart struct {
			ID string `json:"id"`
		}
		if code := call(t, base, "", "POST", "/api/v1/carts", map[string]any{}, &cart); code != 201 {
			t.Fatalf("cart: %d", code)
		}
		if code := call(t, base, "", "POST", "/api/v1/carts/"+cart.ID+"/items", map[string]any{"sku": sku, "quantity": 1}, nil); code != 200 {
			t.Fatalf("add item: %d", code)
		}
		code := call(t, base, "", "POST", "/api/v1/checkout", map[string]any{"cart_id": cart.ID, "email": "ann@example.test",
			"shipping_address": map[string]string{"name": "Ann", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"},
			"payment":          map[string]string{"provider": "test", "card_number": card}}, nil, "Idempotency-Key", "metrics-"+string(rune('a'+i)))
		if (i == 0) != (code == 201) {
			t.Fatalf("checkout with %s: %d", card, code)
		}
	}
	if code := get(t, base+"/api/v1/search?q=%3Cscript%3Ealert(1)%3C/script%3E"); code != 403 {
		t.Fatalf("an XSS probe answered %d, want the WAF's 403", code)
	}
}

func call(t *testing.T, base, token, method, path string, body, out any, hdr ...string) int {
	t.Helper()
	var r io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		r = bytes.NewReader(raw)
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, base+path, r)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

func get(t *testing.T, url string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// scrape reads /metrics in the text format and returns every sample name it may hold: each
// family, and for histograms and summaries the _bucket, _sum and _count series.
func scrape(t *testing.T, base string) map[string]bool {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	names := map[string]bool{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 4 || f[0] != "#" || f[1] != "TYPE" {
			continue
		}
		names[f[2]] = true
		switch f[3] {
		case "histogram":
			names[f[2]+"_bucket"], names[f[2]+"_sum"], names[f[2]+"_count"] = true, true, true
		case "summary":
			names[f[2]+"_sum"], names[f[2]+"_count"] = true, true
		}
	}
	if len(names) < 20 {
		t.Fatalf("%s/metrics: only %d metric families", base, len(names))
	}
	return names
}
