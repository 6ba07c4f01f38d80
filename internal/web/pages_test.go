package web_test

import (
	"compress/gzip"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/pasarhq/pasar/internal/catalog"
)

// TestPagesAsGuest holds every page a guest can open to its status, key content and caching.
func TestPagesAsGuest(t *testing.T) {
	t.Parallel()
	s := newShopper(t)
	slug, _ := firstProduct(t, s)
	word := strings.Split(slug, "-")[1] // a word of a listed product's title
	cases := []struct {
		name, path string
		status     int
		want       []string
		cache      string
	}{
		{"home", "/", 200, []string{"Shop by category", `href="/c/`, `href="/p/`, `class="skip" href="#main"`, `<main id="main"`}, "public, max-age=60"},
		{"category", "/c/electronics", 200, []string{"<h1>Electronics</h1>", "Brand", "Sort by", " products"}, "public, max-age=60"},
		{"category sorted and filtered", "/c/electronics?sort=price_asc&page=1", 200, []string{`value="price_asc" selected`}, "public, max-age=60"},
		{"unknown category", "/c/no-such-category", 404, []string{"Not found"}, "private, no-store"},
		{"search", "/search?q=" + word, 200, []string{"Results for “" + word + "”", `class="card"`, "Brand", "Price", " – $"}, "public, max-age=60"},
		{"search with odd parameters", "/search?q=x&page=-4&sort=sideways&price=abc", 200, []string{"Results for"}, "public, max-age=60"},
		{"product", "/p/" + slug, 200, []string{`name="sku"`, `id="add-to-cart"`, "In stock", `<legend>Choose an option</legend>`}, "public, max-age=60"},
		{"unknown product", "/p/no-such-product", 404, []string{"could not find that product"}, "private, no-store"},
		{"empty cart", "/cart", 200, []string{"Your cart is empty"}, "private, no-store"},
		{"login", "/account/login", 200, []string{`<label for="email">`, `type="password"`, "Forgot your password?"}, "private, no-store"},
		{"register", "/account/register", 200, []string{"Create an account", `autocomplete="new-password"`}, "private, no-store"},
		{"reset", "/account/reset", 200, []string{"Reset your password"}, "private, no-store"},
		{"reset confirm", "/account/reset/confirm?token=abc", 200, []string{`name="token" value="abc"`}, "private, no-store"},
		{"reset link from the mail", "/account/reset?token=tok%2Fen", 200, []string{`name="token" value="tok/en"`, "Choose a new password"}, "private, no-store"},
		{"unknown order", "/orders/0123456789abcdef0123456789abcdef", 404, []string{"Not found"}, "private, no-store"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := s.get(c.path)
			if p.Status != c.status {
				t.Fatalf("GET %s: %d, want %d: %s", c.path, p.Status, c.status, excerpt(p.Body))
			}
			if ct := p.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			for _, w := range c.want {
				if !strings.Contains(p.Body, w) {
					t.Errorf("GET %s lacks %q: %s", c.path, w, excerpt(p.Body))
				}
			}
			if cc := p.Header.Get("Cache-Control"); cc != c.cache {
				t.Errorf("GET %s: Cache-Control %q, want %q", c.path, cc, c.cache)
			}
		})
	}
}

// TestGuestRedirects covers the pages that send a guest elsewhere.
func TestGuestRedirects(t *testing.T) {
	t.Parallel()
	s := newShopper(t)
	for path, to := range map[string]string{
		"/account/": "/account/login?next=/account/",
		"/checkout": "/cart",
		"/account":  "/account/",
		"/account/orders/0123456789abcdef0123456789abcdef": "/account/login?next=%2Faccount%2Forders%2F0123456789abcdef0123456789abcdef",
	} {
		p := s.get(path)
		if p.Status/100 != 3 || p.Header.Get("Location") != to {
			t.Errorf("GET %s: %d to %q, want a redirect to %q", path, p.Status, p.Header.Get("Location"), to)
		}
	}
}

// TestSignedInPages covers the header, account and cart of a signed-in shopper, and that their
// pages are not cached publicly.
func TestSignedInPages(t *testing.T) {
	t.Parallel()
	s := newShopper(t)
	email := s.register()
	acct := s.get("/account/")
	if acct.Status != 200 || !strings.Contains(acct.Body, email) || !strings.Contains(acct.Body, "No orders yet") {
		t.Fatalf("account: %d %s", acct.Status, excerpt(acct.Body))
	}
	if !strings.Contains(acct.Body, `action="/account/logout"`) || !csrfRe.MatchString(acct.Body) {
		t.Error("the sign-out form lacks the session's CSRF token")
	}
	home := s.get("/")
	if cc := home.Header.Get("Cache-Control"); cc != "private, no-cache" {
		t.Errorf("home signed in: Cache-Control %q", cc)
	}
	if !strings.Contains(home.Body, `href="/account/">Account`) {
		t.Error("home signed in does not link the account")
	}
	// A state-changing form without the session's token is refused.
	p := s.do(http.MethodPost, "/cart/discount", url.Values{"code": {"X"}})
	if p.Status != http.StatusForbidden {
		t.Errorf("post without CSRF token: %d, want 403", p.Status)
	}
	out := s.post("/account/logout", nil)
	if out.Status != http.StatusSeeOther {
		t.Fatalf("logout: %d %s", out.Status, excerpt(out.Body))
	}
	if p := s.get("/account/"); p.Status != http.StatusSeeOther {
		t.Errorf("account after logout: %d, want a redirect to sign in", p.Status)
	}
}

// TestFormErrors shows bad input next to its field with 422, never a 500.
func TestFormErrors(t *testing.T) {
	t.Parallel()
	s := newShopper(t)
	slug, sku := firstProduct(t, s)

	p := s.post("/cart/items", url.Values{"slug": {slug}, "sku": {sku}, "quantity": {"lots"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `id="quantity-err"`) ||
		!strings.Contains(p.Body, `aria-invalid="true"`) {
		t.Errorf("bad quantity: %d %s", p.Status, excerpt(p.Body))
	}
	p = s.post("/cart/items", url.Values{"slug": {slug}, "sku": {"NO-SUCH-SKU"}, "quantity": {"1"}})
	if p.Status/100 != 4 {
		t.Errorf("unknown SKU: %d, want 4xx: %s", p.Status, excerpt(p.Body))
	}
	p = s.post("/account/register", url.Values{"email": {"not-an-email"}, "password": {"short"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `id="email-err"`) {
		t.Errorf("bad registration: %d %s", p.Status, excerpt(p.Body))
	}
	p = s.post("/account/login", url.Values{"email": {"nobody@example.com"}, "password": {"wrong password here"}})
	if p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, `class="alert"`) || strings.Contains(p.Body, "wrong password here") {
		t.Errorf("wrong password: %d %s", p.Status, excerpt(p.Body))
	}

	if p := s.post("/cart/items", url.Values{"slug": {slug}, "sku": {sku}, "quantity": {"1"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("add to cart: %d %s", p.Status, excerpt(p.Body))
	}
	p = s.post("/cart/discount", url.Values{"code": {"NOSUCHCODE"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `id="code-err"`) {
		t.Errorf("unknown discount code: %d %s", p.Status, excerpt(p.Body))
	}
	p = s.post("/checkout", url.Values{"email": {"bad"}, "payment.card_number": {"12"}, "payment.exp": {"13/99"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `id="payment.exp-err"`) {
		t.Errorf("bad expiry: %d %s", p.Status, excerpt(p.Body))
	}
	p = s.post("/checkout", url.Values{"email": {"bad"}, "payment.card_number": {"12"}})
	for _, f := range []string{"email", "shipping_address.name", "shipping_address.line1", "payment.card_number"} {
		if !strings.Contains(p.Body, `id="`+f+`-err"`) {
			t.Errorf("checkout with bad input shows no error at %s", f)
		}
	}
	if p.Status != http.StatusUnprocessableEntity || strings.Contains(p.Body, `value="12"`) {
		t.Errorf("bad checkout: %d (card number must not be echoed)", p.Status)
	}
}

// TestCrossSiteFormRefused: a guest's form posted from another site does nothing.
func TestCrossSiteFormRefused(t *testing.T) {
	t.Parallel()
	req, _ := http.NewRequest(http.MethodPost, shopURL+"/account/login", strings.NewReader("email=a%40b.c&password=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site login post: %d, want 403", resp.StatusCode)
	}
}

// TestGuestCheckoutAndCartEdits buys as a guest: quantities, removal, a declined card, then the
// test card, and the receipt the guest's browser may see.
func TestGuestCheckoutAndCartEdits(t *testing.T) {
	t.Parallel()
	s := newShopper(t)
	slug, sku := firstProduct(t, s)
	if p := s.post("/cart/items", url.Values{"slug": {slug}, "sku": {sku}, "quantity": {"2"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("add: %d %s", p.Status, excerpt(p.Body))
	}
	c := s.get("/cart")
	if !strings.Contains(c.Body, `value="2"`) || !strings.Contains(c.Body, `class="count"`) {
		t.Fatalf("cart after adding 2: %s", excerpt(c.Body))
	}
	if p := s.post("/cart/items/"+sku, url.Values{"quantity": {"3"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("set quantity: %d %s", p.Status, excerpt(p.Body))
	}
	if c := s.get("/cart"); !strings.Contains(c.Body, `value="3"`) {
		t.Errorf("quantity not 3: %s", excerpt(c.Body))
	}
	if p := s.post("/cart/items/"+sku+"/remove", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("remove: %d", p.Status)
	}
	if c := s.get("/cart"); !strings.Contains(c.Body, "Your cart is empty") {
		t.Errorf("cart not empty after removing: %s", excerpt(c.Body))
	}
	s.post("/cart/items", url.Values{"slug": {slug}, "sku": {sku}, "quantity": {"1"}})
	co := s.get("/checkout")
	if co.Status != 200 || !strings.Contains(co.Body, `name="shipping_method"`) || co.Header.Get("Cache-Control") != "private, no-store" {
		t.Fatalf("checkout page: %d %s", co.Status, excerpt(co.Body))
	}
	key := regexp.MustCompile(`name="key" value="([0-9a-f]+)"`).FindStringSubmatch(co.Body)[1]
	form := url.Values{"key": {key}, "email": {"guest@example.com"}, "shipping_address.name": {"Grace Hopper"},
		"shipping_address.line1": {"1 Navy Way"}, "shipping_address.city": {"Arlington"}, "shipping_address.postal_code": {"22201"},
		"shipping_address.country": {"US"}, "shipping_method": {"standard"}, "payment.card_number": {"4000 0000 0000 0002"}}
	if p := s.post("/checkout", form); p.Status != http.StatusPaymentRequired || !strings.Contains(p.Body, `id="payment.card_number-err"`) {
		t.Fatalf("declined card: %d %s", p.Status, excerpt(p.Body))
	}
	form.Set("key", key+"2") // a new attempt, as the form shown again carries
	form.Set("payment.card_number", "4242424242424242")
	p := s.post("/checkout", form)
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/orders/") {
		t.Fatalf("checkout: %d %s", p.Status, excerpt(p.Body))
	}
	conf := s.get(p.Header.Get("Location"))
	if conf.Status != 200 || !strings.Contains(conf.Body, "Your order is placed") || !strings.Contains(conf.Body, "PSR-") {
		t.Fatalf("confirmation: %d %s", conf.Status, excerpt(conf.Body))
	}
	// Another browser without the receipt cookie does not see the guest's order.
	if p := newShopper(t).get(p.Header.Get("Location")); p.Status != http.StatusNotFound {
		t.Errorf("guest order seen by another browser: %d", p.Status)
	}
	if c := s.get("/cart"); !strings.Contains(c.Body, "Your cart is empty") {
		t.Error("the cart survived its checkout")
	}
}

// TestLoginMergesGuestCart: what a guest put in the cart is there after signing in.
func TestLoginMergesGuestCart(t *testing.T) {
	t.Parallel()
	s := newShopper(t)
	email := s.register()
	s.post("/account/logout", nil)
	slug, sku := firstProduct(t, s)
	s.post("/cart/items", url.Values{"slug": {slug}, "sku": {sku}, "quantity": {"2"}})
	p := s.post("/account/login", url.Values{"email": {email}, "password": {"correct horse battery"}, "next": {"/cart"}})
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/cart" {
		t.Fatalf("login: %d %s", p.Status, excerpt(p.Body))
	}
	c := s.get("/cart")
	if !strings.Contains(c.Body, sku) || !strings.Contains(c.Body, `value="2"`) {
		t.Errorf("cart after sign-in lacks the guest's items: %s", excerpt(c.Body))
	}
	if p := s.post("/account/login", url.Values{"email": {email}, "password": {"correct horse battery"}, "next": {"https://evil.example/"}}); p.Header.Get("Location") != "/account/" {
		t.Errorf("sign-in sent the shopper to %q", p.Header.Get("Location"))
	}
}

// TestAssetsAndImages: fingerprinted assets and sized images are cached for a year.
func TestAssetsAndImages(t *testing.T) {
	t.Parallel()
	s := newShopper(t)
	home := s.get("/")
	css := regexp.MustCompile(`href="(/assets/app\.[0-9a-f]{10}\.css)"`).FindStringSubmatch(home.Body)
	if css == nil {
		t.Fatalf("home links no fingerprinted stylesheet: %s", excerpt(home.Body))
	}
	img := regexp.MustCompile(`src="(/images/400/[a-z0-9-]+\.svg)"`).FindStringSubmatch(home.Body)
	if img == nil {
		t.Fatal("home shows no sized product image")
	}
	for path, ct := range map[string]string{css[1]: "text/css; charset=utf-8", img[1]: "image/svg+xml",
		strings.Replace(img[1], "/400/", "/160/", 1): "image/svg+xml", strings.Replace(img[1], "/400/", "/800/", 1): "image/svg+xml"} {
		p := s.get(path)
		if p.Status != 200 || p.Header.Get("Content-Type") != ct || p.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("GET %s: %d %q %q", path, p.Status, p.Header.Get("Content-Type"), p.Header.Get("Cache-Control"))
		}
	}
	for _, path := range []string{"/assets/app.0000000000.css", "/images/123/x.svg", "/images/400/UPPER.svg"} {
		if p := s.get(path); p.Status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, p.Status)
		}
	}
}

// TestHomeWeight keeps the home page, with its stylesheet and without images, under 100 KB as
// a phone on a slow network downloads it (compressed).
func TestHomeWeight(t *testing.T) {
	t.Parallel()
	total := 0
	get := func(path string) string {
		req, _ := http.NewRequest(http.MethodGet, shopURL+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		req.Header.Set("User-Agent", "Mozilla/5.0 pasar-web-test")
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		total += len(raw)
		if resp.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(strings.NewReader(string(raw)))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(zr)
			return string(b)
		}
		return string(raw)
	}
	body := get("/")
	for _, m := range regexp.MustCompile(`<link rel="stylesheet" href="([^"]+)"|<script[^>]+src="([^"]+)"`).FindAllStringSubmatch(body, -1) {
		get(m[1] + m[2])
	}
	t.Logf("home page transferred %d bytes without images", total)
	if total > 100_000 {
		t.Errorf("home page weighs %d bytes without images, over the 100 KB budget", total)
	}
}

// TestSearchNoteOnlyForTypos checks that the results page says there were no exact matches only
// when there were none: a word from a product's title is matched as typed even when the search
// also tried close spellings.
func TestSearchNoteOnlyForTypos(t *testing.T) {
	t.Parallel()
	s := newShopper(t)
	slug, _ := firstProduct(t, s)
	// The title's words (the slug without its id) match that one product, few enough that
	// close spellings are tried as well.
	words := strings.Split(slug, "-")
	title := strings.Join(words[:len(words)-1], " ")
	if p := s.get("/search?q=" + url.QueryEscape(title)); p.Status != 200 || strings.Contains(p.Body, "No exact matches") ||
		!strings.Contains(p.Body, "Few exact matches") {
		t.Errorf("search %q: %d, want the few-exact-matches note and not the no-exact-matches one: %s", title, p.Status, excerpt(p.Body))
	}
	typo := typoOf(t, title) // the title's longest word with a letter dropped
	if p := s.get("/search?q=" + typo); p.Status != 200 || !strings.Contains(p.Body, "No exact matches") {
		t.Errorf("search %q: %d, lacks the typo note: %s", typo, p.Status, excerpt(p.Body))
	}
}

// TestVariantOptionsShown buys two variants of one product: the cart, the checkout summary and
// the order page tell them apart by their options, sorted by name.
func TestVariantOptionsShown(t *testing.T) {
	t.Parallel()
	resp, err := http.Get(shopURL + "/api/v1/products?limit=100")
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Items []catalog.Product `json:"items"`
	}
	err = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var p catalog.Product
	for _, it := range list.Items {
		if len(it.Variants) >= 2 && len(it.Variants[0].Options) > 0 && len(it.Variants[1].Options) > 0 {
			p = it
			break
		}
	}
	if p.ID == "" {
		t.Fatal("the demo shop has no product with two variants that have options")
	}
	s := newShopper(t)
	var want []string
	for _, v := range p.Variants[:2] {
		if r := s.post("/cart/items", url.Values{"slug": {p.Slug}, "sku": {v.SKU}, "quantity": {"1"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("add %s: %d %s", v.SKU, r.Status, excerpt(r.Body))
		}
		want = append(want, html.EscapeString(p.Title+" ("+catalog.OptionsText(v.Options)+")"))
	}
	if want[0] == want[1] {
		t.Fatalf("variants alike: %q", want[0])
	}
	for _, path := range []string{"/cart", "/checkout"} {
		pg := s.get(path)
		for _, w := range want {
			if !strings.Contains(pg.Body, w) {
				t.Errorf("%s lacks %q: %s", path, w, excerpt(pg.Body))
			}
		}
	}
	co := s.get("/checkout")
	key := regexp.MustCompile(`name="key" value="([0-9a-f]+)"`).FindStringSubmatch(co.Body)[1]
	r := s.post("/checkout", url.Values{"key": {key}, "email": {"variants@example.com"}, "shipping_address.name": {"Ada Lovelace"},
		"shipping_address.line1": {"12 St James's Square"}, "shipping_address.city": {"London"}, "shipping_address.postal_code": {"SW1Y 4JH"},
		"shipping_address.country": {"GB"}, "shipping_method": {"standard"}, "payment.card_number": {"4242424242424242"}})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/orders/") {
		t.Fatalf("checkout: %d %s", r.Status, excerpt(r.Body))
	}
	o := s.get(r.Header.Get("Location"))
	for _, w := range want {
		if !strings.Contains(o.Body, w) {
			t.Errorf("order page lacks %q: %s", w, excerpt(o.Body))
		}
	}
}
