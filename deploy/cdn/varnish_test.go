package cdn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pasarhq/pasar/deploy/deploytest"
	"github.com/pasarhq/pasar/internal/app"
	"github.com/pasarhq/pasar/internal/platform/config"
)

// origin counts the requests that reach Pasar per method and path (query included).
type origin struct {
	mu sync.Mutex
	n  map[string]int
}

func (o *origin) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		o.n[r.Method+" "+r.URL.RequestURI()]++
		o.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (o *origin) count(method, uri string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n[method+" "+uri]
}

// TestVarnishCachesCatalogButNeverShoppers puts Debian's varnishd with deploy/cdn/pasar.vcl in
// front of a real all-in-one Pasar (demo catalog, WAF in block mode) and checks, by the
// X-Cache and Age headers, varnishd's hit counter and the requests that reached Pasar, that
// catalog reads, search results and product images are served from the cache, while carts,
// checkout and account answers, and requests with a session or token, always reach Pasar.
func TestVarnishCachesCatalogButNeverShoppers(t *testing.T) {
	varnishd := deploytest.Binary(t, "varnishd", "varnish")
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Demo = true
	cfg.RateLimitClient = 0 // every request comes from varnishd's one address
	a, err := app.New(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	seen := &origin{n: map[string]int{}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: seen.wrap(a.Handler()), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close() })

	// The shipped configuration, pointed at this Pasar.
	vcl, err := os.ReadFile("pasar.vcl")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	vcl = bytes.Replace(vcl, []byte(`.port = "8080";`), []byte(`.port = "`+port+`";`), 1)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pasar.vcl"), vcl, 0o644); err != nil {
		t.Fatal(err)
	}
	vport := deploytest.FreePort(t)
	workdir := filepath.Join(dir, "varnish")
	deploytest.Start(t, nil, varnishd, "-F", "-n", workdir, "-j", "none",
		"-a", "127.0.0.1:"+strconv.Itoa(vport), "-f", filepath.Join(dir, "pasar.vcl"),
		"-s", "malloc,32m", "-T", "none", "-p", "default_grace=0")
	base := "http://127.0.0.1:" + strconv.Itoa(vport)
	deploytest.WaitHTTP(t, base+"/healthz", http.StatusOK, 30*time.Second)

	c := &client{t: t, base: base}
	var list struct {
		Items []struct {
			Slug     string `json:"slug"`
			Variants []struct {
				SKU string `json:"sku"`
			} `json:"variants"`
		} `json:"items"`
	}
	c.json("GET", "/api/v1/products?limit=3", nil, nil, http.StatusOK, &list)
	if len(list.Items) == 0 || len(list.Items[0].Variants) == 0 {
		t.Fatalf("demo catalog: %+v", list)
	}
	p := list.Items[0]

	// Public reads: fetched once from Pasar, then served by varnishd with a growing Age.
	public := []string{
		"/api/v1/products?limit=3",
		"/api/v1/products/" + p.Slug,
		"/api/v1/categories",
		"/api/v1/search?q=shirt",
		"/images/placeholder/" + p.Slug + ".svg",
	}
	for _, uri := range public {
		c.get(uri, nil)
	}
	time.Sleep(1100 * time.Millisecond)
	for _, uri := range public {
		for i := range 2 {
			resp := c.get(uri, nil)
			age, _ := strconv.Atoi(resp.Header.Get("Age"))
			if resp.Header.Get("X-Cache") != "HIT" || age < 1 {
				t.Errorf("GET %s (repeat %d): X-Cache %q Age %q, want a HIT at least 1 s old (Cache-Control %q)",
					uri, i, resp.Header.Get("X-Cache"), resp.Header.Get("Age"), resp.Header.Get("Cache-Control"))
			}
		}
		if n := seen.count("GET", uri); n != 1 {
			t.Errorf("GET %s reached Pasar %d times, want once", uri, n)
		}
	}
	// A cookie other than the session (consent, analytics) does not split the cache.
	if resp := c.get(public[1], map[string]string{"Cookie": "consent=yes"}); resp.Header.Get("X-Cache") != "HIT" {
		t.Errorf("product read with a consent cookie: X-Cache %q, want HIT", resp.Header.Get("X-Cache"))
	}
	// A signed-in request (session cookie or token) always goes to Pasar.
	for name, hdr := range map[string]map[string]string{
		"session cookie": {"Cookie": "consent=yes; pasar_session=abc"},
		"bearer token":   {"Authorization": "Bearer abc"},
	} {
		before := seen.count("GET", public[1])
		// Pasar refuses these made-up credentials; what matters is that it was asked.
		if resp := c.json("GET", public[1], nil, hdr, 0, nil); resp.Header.Get("X-Cache") != "PASS" {
			t.Errorf("product read with a %s: X-Cache %q, want PASS", name, resp.Header.Get("X-Cache"))
		}
		if seen.count("GET", public[1]) != before+1 {
			t.Errorf("product read with a %s did not reach Pasar", name)
		}
	}

	// Cart: created, read, changed, read again; every read reaches Pasar and sees the change.
	var cart struct {
		ID    string `json:"id"`
		Items []struct {
			Quantity int `json:"quantity"`
		} `json:"items"`
	}
	c.json("POST", "/api/v1/carts", map[string]any{}, nil, http.StatusCreated, &cart)
	cartURI := "/api/v1/carts/" + cart.ID
	for qty := 1; qty <= 2; qty++ {
		c.json("POST", cartURI+"/items", map[string]any{"sku": p.Variants[0].SKU, "quantity": 1}, nil, 0, nil)
		var got struct {
			Items []struct {
				Quantity int `json:"quantity"`
			} `json:"items"`
		}
		resp := c.json("GET", cartURI, nil, nil, http.StatusOK, &got)
		if len(got.Items) != 1 || got.Items[0].Quantity != qty {
			t.Errorf("cart read %d: %+v, want quantity %d (a stale copy?)", qty, got, qty)
		}
		c.neverCached(resp, "GET "+cartURI)
	}
	if n := seen.count("GET", cartURI); n != 2 {
		t.Errorf("cart reads reached Pasar %d times, want 2", n)
	}

	// Checkout: every attempt reaches Pasar (here refused for want of stock, as the demo
	// catalog has none; the answer is the checkout's own either way).
	order := map[string]any{"cart_id": cart.ID, "email": "shopper@example.com",
		"shipping_address": map[string]string{"name": "A Shopper", "line1": "1 High St", "city": "Leeds",
			"postal_code": "LS1 1AA", "country": "GB"},
		"payment": map[string]any{"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}}
	for i := range 2 {
		resp := c.json("POST", "/api/v1/checkout", order, map[string]string{"Idempotency-Key": "varnish-test-" + strconv.Itoa(i)}, 0, nil)
		c.neverCached(resp, "POST /api/v1/checkout")
	}
	if n := seen.count("POST", "/api/v1/checkout"); n != 2 {
		t.Errorf("checkouts reached Pasar %d times, want 2", n)
	}

	// Account: register, sign in, read the account twice; each read reaches Pasar.
	creds := map[string]string{"email": "varnish@example.com", "password": "correct horse battery staple 9"}
	c.json("POST", "/api/v1/auth/register", creds, nil, 0, nil)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	c.json("POST", "/api/v1/auth/login", creds, nil, http.StatusOK, &tok)
	for _, uri := range []string{"/api/v1/me", "/api/v1/me", "/api/v1/orders", "/api/v1/orders"} {
		resp := c.json("GET", uri, nil, map[string]string{"Authorization": "Bearer " + tok.AccessToken}, http.StatusOK, nil)
		c.neverCached(resp, "GET "+uri)
	}
	if n := seen.count("GET", "/api/v1/me"); n != 2 {
		t.Errorf("account reads reached Pasar %d times, want 2", n)
	}

	// varnishd's own counters agree: hits for the public reads, none beyond them.
	// The list was read once more before the others' first reads, which made it a hit too.
	want := 2*len(public) + 2
	// Worker threads add their counts to the shared ones in batches: wait for them.
	var stats map[string]int
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if stats = varnishStats(t, workdir); stats["MAIN.cache_hit"] >= want && stats["MAIN.s_pass"] >= 10 {
			break
		}
	}
	if stats["MAIN.cache_hit"] != want {
		t.Errorf("MAIN.cache_hit = %d, want %d (the public repeats, the list's early repeat and the consent-cookie read)", stats["MAIN.cache_hit"], want)
	}
	if stats["MAIN.s_pass"] < 10 {
		t.Errorf("MAIN.s_pass = %d, want the shopper requests passed", stats["MAIN.s_pass"])
	}
}

type client struct {
	t    *testing.T
	base string
}

// get fetches uri through varnishd and fails the test unless it is a 200.
func (c *client) get(uri string, hdr map[string]string) *http.Response {
	c.t.Helper()
	return c.json("GET", uri, nil, hdr, http.StatusOK, nil)
}

// json sends a request (body as JSON when not nil) and decodes the answer into out when not
// nil; want 0 accepts any status below 500.
func (c *client) json(method, uri string, body any, hdr map[string]string, want int, out any) *http.Response {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+uri, rd)
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, uri, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if (want != 0 && resp.StatusCode != want) || (want == 0 && resp.StatusCode >= 500) {
		c.t.Fatalf("%s %s: %d, want %d: %.300s", method, uri, resp.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v: %.300s", method, uri, err, b)
		}
	}
	return resp
}

// neverCached checks that a shopper's answer was passed through and forbids caches to keep it.
func (c *client) neverCached(resp *http.Response, what string) {
	c.t.Helper()
	if x := resp.Header.Get("X-Cache"); x != "PASS" {
		c.t.Errorf("%s: X-Cache %q, want PASS", what, x)
	}
	if age := resp.Header.Get("Age"); age != "" && age != "0" {
		c.t.Errorf("%s: Age %q from a cache", what, age)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") && !strings.Contains(cc, "private") {
		c.t.Errorf("%s: Cache-Control %q lets a shared cache keep it", what, cc)
	}
}

// varnishStats reads varnishd's counters with varnishstat.
func varnishStats(t *testing.T, workdir string) map[string]int {
	t.Helper()
	out, err := exec.Command(deploytest.Binary(t, "varnishstat", "varnish"), "-n", workdir, "-1").Output()
	if err != nil {
		t.Fatalf("varnishstat: %v", err)
	}
	stats := map[string]int{}
	for line := range strings.Lines(string(out)) {
		var name string
		var v int
		if _, err := fmt.Sscan(line, &name, &v); err == nil {
			stats[name] = v
		}
	}
	return stats
}
