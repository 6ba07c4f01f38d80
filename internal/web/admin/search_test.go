package admin_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// The product search is the catalog's text filter, paged: it finds a product on any page (it
// used to look through the newest 1,000 products only; the catalog's own tests hold the filter
// over more than that), and the next page keeps the text.
func TestProductSearchPagesThroughMatches(t *testing.T) {
	s := testShop(t)
	b := s.signedIn(t, s.admin)
	tag := uniq("ELDER")
	token := apiToken(t, s, s.admin)
	create := func(title, slug, sku string) {
		t.Helper()
		body := fmt.Sprintf(`{"title":%q,"slug":%q,"status":"draft","variants":[{"sku":%q,"price":{"amount":500,"currency":"USD"}}]}`,
			title, slug, sku)
		req, _ := http.NewRequest("POST", s.URL+"/api/v1/admin/products", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		if p := b.do(req); p.Status != http.StatusCreated {
			t.Fatalf("create %s: %d %.300s", slug, p.Status, p.Body)
		}
	}
	// The one to find first, then a page's worth and more of newer matches.
	create("Elder lamp "+tag, strings.ToLower(tag)+"-lamp", tag+"-LAMP")
	const newer = 21
	for i := range newer {
		create(fmt.Sprintf("Filler %d %s", i, tag), fmt.Sprintf("%s-f%d", strings.ToLower(tag), i), fmt.Sprintf("%s-F%d", tag, i))
	}

	p := b.get("/admin/products?q=" + url.QueryEscape("ELDER LAMP "+strings.ToLower(tag)))
	wantPage(t, "by title, any case", p, http.StatusOK, "Elder lamp "+tag, tag+"-LAMP")
	if strings.Contains(p.Body, "Filler") {
		t.Error("the search lists products that do not match")
	}

	p = b.get("/admin/products?status=draft&q=" + url.QueryEscape(strings.ToLower(tag)))
	next := regexp.MustCompile(`href="(/admin/products\?[^"]*cursor=[^"]*)">Next page`).FindStringSubmatch(p.Body)
	if p.Status != http.StatusOK || next == nil || !strings.Contains(p.Body, fmt.Sprintf("Filler %d %s", newer-1, tag)) ||
		strings.Contains(p.Body, "Elder lamp "+tag) {
		t.Fatalf("first page: %d %.3000s", p.Status, p.Body)
	}
	second := b.get(html.UnescapeString(next[1]))
	if second.Status != http.StatusOK || !strings.Contains(second.Body, "Elder lamp "+tag) ||
		strings.Contains(second.Body, fmt.Sprintf("Filler %d %s<", newer-1, tag)) || strings.Contains(second.Body, ">Next page") {
		t.Fatalf("second page (%s): %d %.3000s", next[1], second.Status, second.Body)
	}
}

// apiToken signs a in through the API and returns an access token, for API calls that are not
// page forms.
func apiToken(t *testing.T, s *shop, a account) string {
	t.Helper()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if st := s.browser(t).api("POST", "/api/v1/auth/login", map[string]string{"email": a.Email, "password": a.Password}, &tok); st != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("API sign-in as %s: %d", a.Email, st)
	}
	return tok.AccessToken
}
