package app

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/notification"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/config"
)

// shopClient calls a running shop's API.
type shopClient struct {
	t     *testing.T
	base  string
	token string
}

func (c shopClient) do(method, path string, body any, out any, hdr ...string) int {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		r = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, raw, err)
		}
	}
	if resp.StatusCode >= 300 {
		c.t.Logf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode
}

// TestCheckoutMailsAndWebhooks runs the all-in-one shop: a checkout over HTTP leaves a
// confirmation in the mail log folder and a signed order.paid webhook at the merchant's
// endpoint, and a password reset request mails its link.
func TestCheckoutMailsAndWebhooks(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	log := slog.New(slog.DiscardHandler)
	cfg := config.Default()
	cfg.DataDir, cfg.Demo, cfg.WAF = t.TempDir(), true, "off"
	cfg.RateLimitClient, cfg.RateLimitAccount = 0, 0
	cfg.Argon2Memory, cfg.Argon2Iterations = 64, 1
	cfg.PublicURL = "https://shop.example.test"
	cfg.WebhookAllowPrivate = true // the merchant's receiver is an httptest server on loopback
	const pass = "tangerine submarine 42"
	if _, err := CreateUser(ctx, cfg, log, "boss@example.test", pass, auth.Admin); err != nil {
		t.Fatal(err)
	}
	a, err := New(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	c := shopClient{t: t, base: srv.URL}

	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if code := c.do("POST", "/api/v1/auth/login", map[string]string{"email": "boss@example.test", "password": pass}, &tok); code != 200 {
		t.Fatalf("login: %d", code)
	}
	staff := shopClient{t: t, base: srv.URL, token: tok.AccessToken}

	var mu sync.Mutex
	var hooks []string
	var secret string
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		ts := r.Header.Get("webhook-timestamp")
		var sec int64
		json.Unmarshal([]byte(ts), &sec)
		want, _ := notification.Sign(secret, r.Header.Get("webhook-id"), sec, body)
		if r.Header.Get("webhook-signature") != want {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		hooks = append(hooks, string(body))
	}))
	t.Cleanup(recv.Close)
	var ep notification.Endpoint
	mu.Lock()
	code := staff.do("POST", "/api/v1/admin/webhooks", map[string]any{"url": recv.URL, "event_types": []string{"order.paid"}}, &ep)
	secret = ep.Secret
	mu.Unlock()
	if code != 201 || !strings.HasPrefix(ep.Secret, "whsec_") {
		t.Fatalf("register webhook: %d %+v", code, ep)
	}
	if code := c.do("POST", "/api/v1/admin/webhooks", map[string]any{"url": recv.URL, "event_types": []string{"*"}}, nil); code != 401 {
		t.Errorf("anonymous registers a webhook: %d", code)
	}

	var page struct {
		Items []struct {
			Title    string `json:"title"`
			Variants []struct {
				SKU     string            `json:"sku"`
				Options map[string]string `json:"options"`
			} `json:"variants"`
		} `json:"items"`
	}
	if code := c.do("GET", "/api/v1/products?limit=1", nil, &page); code != 200 || len(page.Items) == 0 {
		t.Fatalf("products: %d", code)
	}
	sku := page.Items[0].Variants[0].SKU
	if code := staff.do("PUT", "/api/v1/admin/inventory/"+sku, map[string]any{"warehouse": "main", "on_hand": 5, "reason": "delivery"}, nil); code != 200 {
		t.Fatalf("stock: %d", code)
	}
	var cart struct {
		ID string `json:"id"`
	}
	if code := c.do("POST", "/api/v1/carts", map[string]any{}, &cart); code != 201 {
		t.Fatalf("cart: %d", code)
	}
	if code := c.do("POST", "/api/v1/carts/"+cart.ID+"/items", map[string]any{"sku": sku, "quantity": 2}, nil); code != 200 {
		t.Fatalf("add item: %d", code)
	}
	var o struct {
		ID, Number, Status string
	}
	code = c.do("POST", "/api/v1/checkout", map[string]any{"cart_id": cart.ID, "email": "ann@example.test",
		"shipping_address": map[string]string{"name": "Ann", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"},
		"payment":          map[string]string{"provider": "test", "card_number": "4242424242424242"}}, &o, "Idempotency-Key", "e2e-1")
	if code != 201 || o.Status != "paid" {
		t.Fatalf("checkout: %d %+v", code, o)
	}
	if code := c.do("POST", "/api/v1/auth/password-reset", map[string]string{"email": "boss@example.test"}, nil); code >= 300 {
		t.Fatalf("password reset: %d", code)
	}

	mails := func() map[string]notification.LoggedMail { // subject -> mail
		out := map[string]notification.LoggedMail{}
		logged, err := notification.ReadMailLog(filepath.Join(cfg.DataDir, "mail"))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range logged {
			out[m.Subject()] = m
		}
		return out
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		m := mails()
		mu.Lock()
		n := len(hooks)
		mu.Unlock()
		conf, okConf := m["Order "+o.Number+" confirmed"]
		reset, okReset := m["Reset your password"]
		if okConf && okReset && n == 1 {
			resetText, err := reset.Part("text/plain")
			if conf.Header.Get("To") != "<ann@example.test>" || err != nil || !strings.Contains(resetText, "https://shop.example.test/account/reset?token=") {
				t.Fatalf("mails:\n%s\n%s", conf.Raw, reset.Raw)
			}
			// The confirmation lists what was ordered and where it goes, from the event alone.
			text, err := conf.Part("text/plain")
			if err != nil {
				t.Fatalf("confirmation: %v\n%s", err, conf.Raw)
			}
			line := "2 x " + page.Items[0].Title
			if o := page.Items[0].Variants[0].Options; len(o) > 0 {
				line += " (" + catalog.OptionsText(o) + ")"
			}
			for _, w := range []string{line + " (SKU " + sku + ")", "Subtotal: USD ", "Shipping to:\n    Ann\n    1 Main St\n    12345 Springfield\n    US\n",
				"https://shop.example.test/orders/" + o.ID} {
				if !strings.Contains(text, w) {
					t.Errorf("confirmation lacks %q:\n%s", w, text)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 20s: mails %v, %d webhooks", len(m), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(hooks[0], `"type":"order.paid"`) || !strings.Contains(hooks[0], o.Number) ||
		!strings.Contains(hooks[0], `"lines":[{"sku":"`+sku+`"`) {
		t.Errorf("webhook body %s", hooks[0])
	}
}
