package search

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// serveTest serves the search API of an index holding the fixtures.
func serveTest(t *testing.T) http.Handler {
	t.Helper()
	x := openTest(t)
	fill(t, x, fixtures())
	r := httpx.NewRouter(httpx.NewMetrics(prometheus.NewRegistry()))
	NewHandler(x).Routes(r)
	return r
}

func TestHTTP(t *testing.T) {
	t.Parallel()
	h := serveTest(t)
	long := strings.Repeat("laptop ", 40)
	tests := []struct {
		name   string
		target string
		status int
		field  string // the parameter a 400 must name
		total  int    // for 200s; -1 not checked
	}{
		{"empty query lists all", "/api/v1/search", 200, "", 7},
		{"empty q lists all", "/api/v1/search?q=", 200, "", 7},
		{"text", "/api/v1/search?q=laptop", 200, "", 2},
		{"filters", "/api/v1/search?category=shoes&brand=Stride&price_min=0&price_max=10000&in_stock=true", 200, "", 1},
		{"attribute filter", "/api/v1/search?attr.colour=blue&attr.colour=red", 200, "", 2},
		{"attribute name case", "/api/v1/search?attr.Colour=blue", 200, "", 2},
		{"sort and page", "/api/v1/search?sort=price_desc&page=2&page_size=2", 200, "", 7},
		{"syntax characters are text", "/api/v1/search?q=" + url.QueryEscape(`laptop AND title:"x" OR *~2 ^3 {a TO b}`), 200, "", -1},
		{"unicode", "/api/v1/search?q=" + url.QueryEscape("Ünïcödé 日本語 🙂"), 200, "", 0},
		{"empty brand is no filter", "/api/v1/search?brand=", 200, "", 7},
		{"too long", "/api/v1/search?q=" + url.QueryEscape(long), 400, "q", 0},
		{"invalid utf-8", "/api/v1/search?q=%ff%fe", 400, "q", 0},
		{"unknown filter", "/api/v1/search?colour=blue", 400, "colour", 0},
		{"unknown sort", "/api/v1/search?sort=popular", 400, "sort", 0},
		{"bad number", "/api/v1/search?price_min=ten", 400, "price_min", 0},
		{"negative price", "/api/v1/search?price_max=-1", 400, "price_max", 0},
		{"inverted range", "/api/v1/search?price_min=500&price_max=100", 400, "price_max", 0},
		{"float price", "/api/v1/search?price_min=9.99", 400, "price_min", 0},
		{"page zero", "/api/v1/search?page=0", 400, "page", 0},
		{"huge page", "/api/v1/search?page=99999999999999999999", 400, "page", 0},
		{"deep page", "/api/v1/search?page=1000&page_size=100", 400, "page", 0},
		{"page size", "/api/v1/search?page_size=1000", 400, "page_size", 0},
		{"repeated q", "/api/v1/search?q=a&q=b", 400, "q", 0},
		{"bad in_stock", "/api/v1/search?in_stock=maybe", 400, "in_stock", 0},
		{"bad attribute name", "/api/v1/search?attr.a%20b=c", 400, "attr.a b", 0},
		{"empty attribute name", "/api/v1/search?attr.=c", 400, "attr.", 0},
		{"suggest", "/api/v1/search/suggest?q=lap", 200, "", -1},
		{"suggest empty", "/api/v1/search/suggest", 200, "", -1},
		{"suggest unknown parameter", "/api/v1/search/suggest?prefix=lap", 400, "prefix", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", tc.target, nil))
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			if tc.status != 200 {
				var p struct {
					Errors []struct{ Field string } `json:"errors"`
				}
				if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
					t.Errorf("content type %q", ct)
				}
				if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || len(p.Errors) == 0 || p.Errors[0].Field != tc.field {
					t.Errorf("problem does not name %q: %s", tc.field, w.Body)
				}
				return
			}
			var res Result
			if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
				t.Fatal(err)
			}
			if tc.total >= 0 && int(res.Total) != tc.total {
				t.Errorf("total %d, want %d", res.Total, tc.total)
			}
		})
	}
}
