package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/app"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/config"
)

// shop is one all-in-one Pasar (every service, the edge with the WAF blocking, sessions) on a
// temporary data folder, served over HTTP, with an admin, a staff member and a customer.
type shop struct {
	URL                    string
	cfg                    config.Config
	admin, staff, customer account
	closeOnce              sync.Once
	close                  func()
}

type account struct{ Email, Password, ID string }

var (
	sharedOnce sync.Once
	sharedShop *shop
	sharedErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedShop != nil {
		sharedShop.closeOnce.Do(sharedShop.close)
	}
	os.Exit(code)
}

// testShop returns the shop the handler tests share (started on first use).
func testShop(t *testing.T) *shop {
	t.Helper()
	sharedOnce.Do(func() { sharedShop, sharedErr = startShop() })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedShop
}

func startShop() (*shop, error) {
	dir, err := os.MkdirTemp("", "pasar-admin-test-*")
	if err != nil {
		return nil, err
	}
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.Argon2Memory, cfg.Argon2Iterations = 64, 1 // fast hashes: the tests sign in often
	cfg.RateLimitClient, cfg.RateLimitAccount = 0, 0
	cfg.WAF = "block"
	log := slog.New(slog.DiscardHandler)
	ctx := context.Background()
	s := &shop{cfg: cfg}
	for _, a := range []struct {
		acc  *account
		role auth.Role
	}{{&s.admin, auth.Admin}, {&s.staff, auth.Staff}, {&s.customer, auth.Customer}} {
		a.acc.Email, a.acc.Password = string(a.role)+"@shop.example", "Tq7-wharf-lantern-"+string(a.role)[:2]
		u, err := app.CreateUser(ctx, cfg, log, a.acc.Email, a.acc.Password, a.role)
		if err != nil {
			return nil, fmt.Errorf("create %s: %w", a.role, err)
		}
		a.acc.ID = u.ID
	}
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	srv := httptest.NewServer(a.Handler())
	s.URL = srv.URL
	s.close = func() {
		srv.Close()
		a.Close()
		os.RemoveAll(dir)
	}
	return s, nil
}

// browser is an HTTP client with its own cookies that does not follow redirects, so tests see
// each answer.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (s *shop) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: s.URL, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is an answer: status, Location, body.
type page struct {
	Status   int
	Location string
	Body     string
	Header   http.Header
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(body), Header: resp.Header}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.do(req)
}

// post sends a form as a browser would.
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *browser) postMultipart(path, contentType string, body []byte) page {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	return b.do(req)
}

// api calls the JSON API with the browser's cookies.
func (b *browser) api(method, path string, in any, out any, hdr ...string) int {
	b.t.Helper()
	var body io.Reader
	if in != nil {
		j, _ := json.Marshal(in)
		body = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, b.base+path, body)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			b.t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
	if resp.StatusCode >= 300 && out != nil {
		b.t.Logf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	return resp.StatusCode
}

var (
	csrfRe  = regexp.MustCompile(`name="csrf_token" value="([^"]*)"`)
	loginRe = regexp.MustCompile(`name="login_token" value="([^"]*)"`)
)

// csrf returns the CSRF token a page's forms carry.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	p := b.get(path)
	m := csrfRe.FindStringSubmatch(p.Body)
	if m == nil || m[1] == "" {
		b.t.Fatalf("no CSRF token on %s (status %d)", path, p.Status)
	}
	return m[1]
}

// login signs in through the admin sign-in form and returns the answer to the form.
func (b *browser) login(email, password string) page {
	b.t.Helper()
	p := b.get("/admin/login")
	m := loginRe.FindStringSubmatch(p.Body)
	if m == nil {
		b.t.Fatalf("no sign-in form: %d %s", p.Status, p.Body)
	}
	return b.post("/admin/login", url.Values{"login_token": {m[1]}, "email": {email}, "password": {password}})
}

// signedIn returns a browser signed in as a (admin or staff) through the sign-in form.
func (s *shop) signedIn(t *testing.T, a account) *browser {
	t.Helper()
	b := s.browser(t)
	if p := b.login(a.Email, a.Password); p.Status != http.StatusSeeOther || p.Location != "/admin/" {
		t.Fatalf("sign in as %s: %d %s", a.Email, p.Status, p.Location)
	}
	return b
}

// customerBrowser signs the customer in as the storefront does, with the session API.
func (s *shop) customerBrowser(t *testing.T) *browser {
	t.Helper()
	b := s.browser(t)
	if st := b.api("POST", "/api/v1/auth/session", map[string]string{"email": s.customer.Email, "password": s.customer.Password}, &struct{}{}); st != http.StatusOK {
		t.Fatalf("customer session: %d", st)
	}
	return b
}

// with returns form values with the CSRF token of the page at path added.
func (b *browser) with(path string, v url.Values) url.Values {
	b.t.Helper()
	v.Set("csrf_token", b.csrf(path))
	return v
}

// wantPage fails unless p has status and contains every string of want.
func wantPage(t *testing.T, what string, p page, status int, want ...string) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("%s: status %d, want %d; body: %.2000s", what, p.Status, status, p.Body)
	}
	for _, w := range want {
		if !strings.Contains(p.Body, w) {
			t.Fatalf("%s: body lacks %q: %.3000s", what, w, p.Body)
		}
	}
}

// uniq makes names that do not collide between tests sharing the shop.
func uniq(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()%1_000_000_000)
}

var productIDRe = regexp.MustCompile(`^/admin/products/([0-9a-f-]{36})\?done=created$`)

// createProduct creates an active product with one variant through the product form and returns
// its id.
func createProduct(t *testing.T, b *browser, title, sku, price string) string {
	t.Helper()
	p := b.post("/admin/products", b.with("/admin/products/new", url.Values{"title": {title}, "status": {"active"},
		"description":     {"<p>Made for the test of <em>" + title + "</em>.</p>"},
		"variants[0].sku": {sku}, "variants[0].price.amount": {price}, "variants[1].sku": {""}}))
	m := productIDRe.FindStringSubmatch(p.Location)
	if p.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("create product: %d %q %.2000s", p.Status, p.Location, p.Body)
	}
	return m[1]
}

// stock sets the units on hand of sku through the inventory form and returns the page it
// redirects to.
func stock(t *testing.T, b *browser, sku string, n int, threshold string) string {
	t.Helper()
	p := b.post("/admin/inventory", b.with("/admin/inventory", url.Values{"sku": {sku}, "warehouse": {"main"},
		"on_hand": {strconv.Itoa(n)}, "low_stock_threshold": {threshold}, "reason": {"delivery"}}))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("stock %s: %d %.2000s", sku, p.Status, p.Body)
	}
	return p.Location
}

// paidOrder checks out one unit of sku as a guest through the cart and checkout API and returns
// the order's id and number.
func (s *shop) paidOrder(t *testing.T, sku string) (id, number string) {
	t.Helper()
	b := s.browser(t)
	var c struct {
		ID string `json:"id"`
	}
	if st := b.api("POST", "/api/v1/carts", nil, &c); st != http.StatusCreated {
		t.Fatalf("create cart: %d", st)
	}
	// The cart learns of new products from the catalog's events: wait for this one.
	deadline := time.Now().Add(15 * time.Second)
	for {
		st := b.api("POST", "/api/v1/carts/"+c.ID+"/items", map[string]any{"sku": sku, "quantity": 1}, &struct{}{})
		if st == http.StatusOK || st == http.StatusCreated {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("add %s to the cart: %d", sku, st)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var o struct {
		ID     string `json:"id"`
		Number string `json:"number"`
		Status string `json:"status"`
	}
	req := map[string]any{"cart_id": c.ID, "email": "shopper@example.com",
		"shipping_address": map[string]string{"name": "Ada Shopper", "line1": "1 Market St", "city": "Springfield",
			"postal_code": "12345", "country": "US"},
		"payment": map[string]any{"card_number": "4242424242424242", "exp_month": 12, "exp_year": time.Now().Year() + 2, "cvc": "123"}}
	if st := b.api("POST", "/api/v1/checkout", req, &o, "Idempotency-Key", uniq("key")); st != http.StatusCreated || o.Status != "paid" {
		t.Fatalf("checkout: %d %+v", st, o)
	}
	return o.ID, o.Number
}
