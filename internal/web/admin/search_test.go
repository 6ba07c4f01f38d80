package admin_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// The product search finds a product however many newer ones there are: it used to look
// through the newest 1,000 only.
func TestProductSearchFindsOlderProducts(t *testing.T) {
	s := testShop(t)
	b := s.signedIn(t, s.admin)
	tag := uniq("ELDER")
	// Created through the product API, a request each (the NDJSON import does not pass the WAF
	// in blocking mode), four at a time, the one to find first.
	token := apiToken(t, s, s.admin)
	create := func(title, slug, sku string) {
		body := fmt.Sprintf(`{"title":%q,"slug":%q,"status":"draft","variants":[{"sku":%q,"price":{"amount":500,"currency":"USD"}}]}`,
			title, slug, sku)
		req, _ := http.NewRequest("POST", s.URL+"/api/v1/admin/products", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		if p := b.do(req); p.Status != http.StatusCreated {
			t.Errorf("create %s: %d %.300s", slug, p.Status, p.Body)
		}
	}
	create("Elder lamp "+tag, strings.ToLower(tag)+"-lamp", tag+"-LAMP")
	const newer = 1001
	var wg sync.WaitGroup
	work := make(chan int)
	for range 4 {
		wg.Go(func() {
			for i := range work {
				create(fmt.Sprintf("Filler %d %s", i, tag), fmt.Sprintf("%s-f%d", strings.ToLower(tag), i), fmt.Sprintf("%s-F%d", tag, i))
			}
		})
	}
	for i := range newer {
		work <- i
	}
	close(work)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	p := b.get("/admin/products?q=" + url.QueryEscape("ELDER LAMP "+strings.ToLower(tag)))
	wantPage(t, "the oldest of 1,002", p, http.StatusOK, "Elder lamp "+tag, tag+"-LAMP")
	if strings.Contains(p.Body, "Filler") {
		t.Error("the search lists products that do not match")
	}

	// Every match, a page at a time: the next page keeps the text.
	p = b.get("/admin/products?status=draft&q=" + url.QueryEscape(tag))
	next := regexp.MustCompile(`href="(/admin/products\?[^"]*cursor=[^"]*)">Next page`).FindStringSubmatch(p.Body)
	if p.Status != http.StatusOK || next == nil || !strings.Contains(p.Body, fmt.Sprintf("Filler %d %s", newer-1, tag)) {
		t.Fatalf("first page: %d %.3000s", p.Status, p.Body)
	}
	second := b.get(html.UnescapeString(next[1]))
	if second.Status != http.StatusOK || !strings.Contains(second.Body, tag) ||
		strings.Contains(second.Body, fmt.Sprintf("Filler %d %s<", newer-1, tag)) {
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
