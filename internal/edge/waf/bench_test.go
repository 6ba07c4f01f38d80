package waf

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
)

// BenchmarkProductRead measures the WAF's cost on a product-read-shaped request: a GET with a
// browser's headers and a query, against a handler that does nothing. block repeats one
// request (its clean verdict is remembered after the first); block-unique changes the query
// every time, so every request is evaluated by the rules.
// benchSeq numbers the unique requests across runs, which share one compiled WAF.
var benchSeq atomic.Int64

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
			for b.Loop() {
				if unique {
					req.URL.RawQuery = "category=clothing&sort=price_asc&limit=20&cursor=" + strconv.FormatInt(benchSeq.Add(1), 10)
				}
				h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
