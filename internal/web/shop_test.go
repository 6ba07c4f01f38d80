package web_test

import (
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
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/app"
	"github.com/pasarhq/pasar/internal/cart"
	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/identity"
	"github.com/pasarhq/pasar/internal/inventory"
	"github.com/pasarhq/pasar/internal/order"
	"github.com/pasarhq/pasar/internal/platform/config"
	"github.com/pasarhq/pasar/internal/search"
	"github.com/pasarhq/pasar/internal/web"
)

// The services wired in-process satisfy the storefront's interfaces.
var (
	_ web.Catalog  = catalog.Service(nil)
	_ web.Search   = search.Service(nil)
	_ web.Carts    = cart.Service(nil)
	_ web.Orders   = (*order.Core)(nil)
	_ web.Identity = identity.Service(nil)
	_ web.Stock    = inventory.Service(nil)
)

// shopProducts is how many demo products the test shop holds: enough for facets and two pages
// of a category, few enough to start in a second.
const shopProducts = 60

// shopURL is the base URL of the one real pasar App every test in this package shares (WAF in
// block mode, as shipped); TestMain starts it.
var shopURL string

// shopDataDir is that App's data folder; mail goes to the mail log in its mail/ folder.
var shopDataDir string

// shopHandler is that App's whole HTTP handler, for benchmarks without the network.
var shopHandler http.Handler

func TestMain(m *testing.M) {
	os.Exit(runShop(m))
}

func runShop(m *testing.M) int {
	dir, err := os.MkdirTemp("", "pasar-web-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	cfg := config.Default()
	cfg.DataDir = dir
	shopDataDir = dir
	cfg.Demo = true // stocks the seeded products so they can be bought
	// Many requests from one address in a few seconds: the client limits are not under test here.
	cfg.RateLimitClient, cfg.RateLimitAccount = 0, 0
	cfg.Argon2Memory, cfg.Argon2Iterations = 8*1024, 1 // fast password hashing for tests
	log := slog.New(slog.DiscardHandler)
	ctx := context.Background()
	if _, err := app.SeedCatalog(ctx, cfg, log, shopProducts, nil); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		return 1
	}
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, "app:", err)
		return 1
	}
	defer a.Close()
	shopHandler = a.Handler()
	srv := httptest.NewServer(shopHandler)
	defer srv.Close()
	shopURL = srv.URL
	if err := waitIndexed(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// waitIndexed waits until search has indexed every active product from the catalog's events.
func waitIndexed() error {
	resp, err := http.Get(shopURL + "/api/v1/products?limit=100")
	if err != nil {
		return err
	}
	var list struct{ Items []json.RawMessage }
	err = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if err != nil {
		return err
	}
	n := len(list.Items)
	re := regexp.MustCompile(`of (\d+) products`)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(shopURL + "/search")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if m := re.FindSubmatch(b); m != nil && string(m[1]) == fmt.Sprint(n) {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	resp, err = http.Get(shopURL + "/search")
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return fmt.Errorf("search did not index %d products in time: %s", n, re.Find(b))
	}
	return fmt.Errorf("search did not index %d products in time: %v", n, err)
}

// shopper is a browser without JavaScript: a cookie jar and no redirect following, so tests see
// each answer.
type shopper struct {
	t      *testing.T
	c      *http.Client
	follow *http.Client
}

func newShopper(t *testing.T) *shopper {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &shopper{t: t,
		c: &http.Client{Jar: jar, Timeout: 20 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		follow: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
}

type page struct {
	Status int
	Header http.Header
	Body   string
}

func (s *shopper) get(path string) page {
	s.t.Helper()
	return s.do(http.MethodGet, path, nil)
}

// post submits a form as a browser on this shop's page does (same-origin fetch metadata), with
// the session's CSRF token when it has one.
func (s *shopper) post(path string, form url.Values) page {
	s.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if tok := s.csrf(); tok != "" && form.Get("csrf_token") == "" {
		form.Set("csrf_token", tok)
	}
	return s.do(http.MethodPost, path, form)
}

func (s *shopper) do(method, path string, form url.Values) page {
	s.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, shopURL+path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Origin", shopURL)
	}
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) pasar-web-test")
	req.Header.Set("Accept", "text/html")
	resp, err := s.c.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return page{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf reads the session's CSRF token off a page, as a form would carry it.
func (s *shopper) csrf() string {
	u, _ := url.Parse(shopURL)
	signed := false
	for _, c := range s.c.Jar.Cookies(u) {
		if c.Name == identity.SessionCookie {
			signed = true
		}
	}
	if !signed {
		return ""
	}
	p := s.do(http.MethodGet, "/cart", nil)
	if m := csrfRe.FindStringSubmatch(p.Body); m != nil {
		return m[1]
	}
	return ""
}

var emails atomic.Int64

// register signs a new account up and in.
func (s *shopper) register() string {
	s.t.Helper()
	email := fmt.Sprintf("shopper%d-%d@example.com", time.Now().UnixNano(), emails.Add(1))
	p := s.post("/account/register", url.Values{"email": {email}, "password": {"correct horse battery"}, "next": {"/account/"}})
	if p.Status != http.StatusSeeOther {
		s.t.Fatalf("register: %d %s", p.Status, excerpt(p.Body))
	}
	return email
}

func excerpt(body string) string {
	if i := strings.Index(body, "<main"); i >= 0 {
		body = body[i:]
	}
	if len(body) > 1200 {
		body = body[:1200]
	}
	return body
}

// firstProduct returns the slug and first variant SKU of a product the shop lists.
func firstProduct(t *testing.T, s *shopper) (slug, sku string) {
	t.Helper()
	home := s.get("/")
	m := regexp.MustCompile(`href="/p/([^"]+)"`).FindStringSubmatch(home.Body)
	if m == nil {
		t.Fatalf("home lists no product: %s", excerpt(home.Body))
	}
	p := s.get("/p/" + m[1])
	v := regexp.MustCompile(`name="sku" value="([^"]+)" checked`).FindStringSubmatch(p.Body)
	if v == nil {
		t.Fatalf("product page has no chosen variant: %s", excerpt(p.Body))
	}
	return m[1], v[1]
}
