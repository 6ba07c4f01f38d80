package waf

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkProductRead measures the WAF's cost on a product-read-shaped request: a GET with a
// browser's headers and a query, against a handler that does nothing.
func BenchmarkProductRead(b *testing.B) {
	for _, mode := range []Mode{Off, Block} {
		b.Run(string(mode), func(b *testing.B) {
			h := testWAF(b, mode, nil).Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			req := request{method: "GET", target: "/api/v1/products?category=clothing&sort=price_asc&limit=20"}.build()
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
