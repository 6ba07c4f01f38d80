package waf

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// BenchmarkProductRead measures the WAF's cost on a product-read-shaped request: a GET with a
// browser's headers and a query, against a handler that does nothing. block repeats one
// request (its clean verdict is remembered after the first); block-unique changes the query
// every time, so every request is evaluated by the rules.
func BenchmarkProductRead(b *testing.B) {
	for _, mode := range []Mode{Off, Block, Block + "-unique"} {
		b.Run(string(mode), func(b *testing.B) {
			m, unique := mode, false
			if mode == Block+"-unique" {
				m, unique = Block, true
			}
			h := testWAF(b, m, nil).Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			req := request{method: "GET", target: "/api/v1/products?category=clothing&sort=price_asc&limit=20"}.build()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if unique {
					i++
					req.URL.RawQuery = "category=clothing&sort=price_asc&limit=20&cursor=" + strconv.Itoa(i)
				}
				h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
