package admin_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// adminPages lists every admin page with what it must show an admin, and whether staff may
// see it.
var adminPages = []struct {
	path      string
	staff     bool
	wantAdmin []string
}{
	{"/admin/", true, []string{"<h1>Dashboard", "Orders today", "Low stock", "Recent activity"}},
	{"/admin/products", true, []string{"<h1>Products", `role="search"`, "New product"}},
	{"/admin/products/new", true, []string{"<h1>New product", `name="variants[0].sku"`, `enctype="multipart/form-data"`}},
	{"/admin/categories", true, []string{"<h1>Categories", "Add a category"}},
	{"/admin/inventory", true, []string{"<h1>Inventory", "Adjust stock", `name="reason"`}},
	{"/admin/orders", true, []string{"<h1>Orders", `name="status"`}},
	{"/admin/discounts", true, []string{"<h1>Discount codes", "New discount code"}},
	{"/admin/users", false, []string{"<h1>Users and roles", "admin@shop.example", "pasar user create"}},
	{"/admin/audit", false, []string{"<h1>Audit log", "user.login"}},
}

func TestPagesNeedSignInAndPermission(t *testing.T) {
	s := testShop(t)
	admin, staff, customer, anon := s.signedIn(t, s.admin), s.signedIn(t, s.staff), s.customerBrowser(t), s.browser(t)
	for _, pg := range adminPages {
		t.Run(pg.path, func(t *testing.T) {
			p := anon.get(pg.path)
			if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/admin/login") {
				t.Errorf("anonymous: %d to %q, want a redirect to the sign-in page", p.Status, p.Location)
			}
			wantPage(t, "customer", customer.get(pg.path), http.StatusForbidden, "may not use this page")
			p = admin.get(pg.path)
			wantPage(t, "admin", p, http.StatusOK, pg.wantAdmin...)
			for _, want := range []string{`<main id="main"`, `<nav aria-label="Admin sections"`, `lang="en"`, "Sign out"} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("admin page lacks %q", want)
				}
			}
			if cc := p.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", cc)
			}
			want := http.StatusOK
			if !pg.staff {
				want = http.StatusForbidden
			}
			if got := staff.get(pg.path).Status; got != want {
				t.Errorf("staff: status %d, want %d", got, want)
			}
		})
	}
}

func TestSignInForm(t *testing.T) {
	s := testShop(t)
	t.Run("wrong password", func(t *testing.T) {
		p := s.browser(t).login(s.admin.Email, "not the password")
		wantPage(t, "sign in", p, http.StatusUnauthorized, "The email or password is wrong.", `value="admin@shop.example"`)
		if strings.Contains(p.Body, "not the password") {
			t.Error("the password is shown again")
		}
	})
	t.Run("empty fields", func(t *testing.T) {
		wantPage(t, "sign in", s.browser(t).login("", ""), http.StatusUnprocessableEntity,
			`id="email-err">Enter your email address.`, `id="password-err">Enter your password.`, `aria-invalid="true"`)
	})
	t.Run("customer account", func(t *testing.T) {
		b := s.browser(t)
		wantPage(t, "sign in", b.login(s.customer.Email, s.customer.Password), http.StatusForbidden, "no access to the shop")
		if p := b.get("/admin/"); p.Status != http.StatusSeeOther {
			t.Errorf("customer kept a session: /admin/ answered %d", p.Status)
		}
	})
	t.Run("form without its token", func(t *testing.T) {
		b := s.browser(t)
		p := b.post("/admin/login", url.Values{"email": {s.admin.Email}, "password": {s.admin.Password}})
		wantPage(t, "sign in", p, http.StatusForbidden, "The form has expired")
	})
	t.Run("back to the page asked for, never off the site", func(t *testing.T) {
		for next, want := range map[string]string{"/admin/orders?status=paid": "/admin/orders?status=paid",
			"//evil.example/x": "/admin/", "https://evil.example/": "/admin/", "/admin/login": "/admin/"} {
			b := s.browser(t)
			lp := b.get("/admin/login?next=" + url.QueryEscape(next))
			tok := loginRe.FindStringSubmatch(lp.Body)[1]
			p := b.post("/admin/login", url.Values{"login_token": {tok}, "email": {s.admin.Email},
				"password": {s.admin.Password}, "next": {next}})
			if p.Status != http.StatusSeeOther || p.Location != want {
				t.Errorf("next=%s: %d to %q, want %q", next, p.Status, p.Location, want)
			}
		}
	})
	t.Run("anonymous page remembers where it was", func(t *testing.T) {
		p := s.browser(t).get("/admin/orders?status=paid")
		if p.Location != "/admin/login?next="+url.QueryEscape("/admin/orders?status=paid") {
			t.Errorf("Location %q", p.Location)
		}
	})
	t.Run("sign out", func(t *testing.T) {
		b := s.signedIn(t, s.admin)
		if p := b.post("/admin/logout", url.Values{}); p.Status != http.StatusForbidden {
			t.Errorf("sign out without CSRF token: %d, want 403", p.Status)
		}
		p := b.post("/admin/logout", b.with("/admin/", url.Values{}))
		if p.Status != http.StatusSeeOther || p.Location != "/admin/login?done=signedout" {
			t.Fatalf("sign out: %d %q", p.Status, p.Location)
		}
		if p := b.get("/admin/"); p.Status != http.StatusSeeOther {
			t.Errorf("after sign out /admin/ answered %d", p.Status)
		}
	})
}

// TestFormsRefuseMissingCSRF posts to every admin form target without the session's token:
// each is refused before the handler runs.
func TestFormsRefuseMissingCSRF(t *testing.T) {
	s := testShop(t)
	b := s.signedIn(t, s.admin)
	for _, path := range []string{"/admin/products", "/admin/products/x", "/admin/products/x/status",
		"/admin/categories", "/admin/categories/x", "/admin/categories/x/delete", "/admin/inventory",
		"/admin/orders/x/ship", "/admin/orders/x/deliver", "/admin/orders/x/cancel", "/admin/orders/x/refund", "/admin/discounts",
		"/admin/discounts/X/delete", "/admin/users/x"} {
		for name, token := range map[string]string{"missing": "", "wrong": "not-the-token"} {
			v := url.Values{"title": {"x"}, "code": {"X"}}
			if token != "" {
				v.Set("csrf_token", token)
			}
			if p := b.post(path, v); p.Status != http.StatusForbidden {
				t.Errorf("%s with %s token: %d, want 403", path, name, p.Status)
			}
		}
	}
}

func TestStylesheetIsFingerprintedAndCached(t *testing.T) {
	s := testShop(t)
	b := s.signedIn(t, s.admin)
	m := regexp.MustCompile(`href="(/admin/assets/admin\.[0-9a-f]{10}\.css)"`).FindStringSubmatch(b.get("/admin/").Body)
	if m == nil {
		t.Fatal("no fingerprinted stylesheet link")
	}
	p := s.browser(t).get(m[1])
	if p.Status != http.StatusOK || !strings.Contains(p.Header.Get("Content-Type"), "text/css") ||
		p.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || !strings.Contains(p.Body, ":root") {
		t.Fatalf("stylesheet: %d %v", p.Status, p.Header)
	}
	if p := s.browser(t).get("/admin/assets/admin.0000000000.css"); p.Status != http.StatusNotFound {
		t.Errorf("old stylesheet name: %d, want 404", p.Status)
	}
}
