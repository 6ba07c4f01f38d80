package waf

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
	"github.com/corazawaf/coraza/v3"
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

// BenchmarkUnseenRead measures reads the WAF has not seen before, so every one is evaluated by
// the rules: a product by a new slug, a search for new words, and a signed-in shopper's page
// (a session cookie, never remembered), each with the rules as configured (SecRxPreFilter On)
// and with the prefilter off. Besides ns/op it reports cpu-ns/op, the process's CPU time per
// request (garbage collection included), which other work on a shared machine disturbs less
// than wall time. go test runs a case's counts back to back, so to interleave the cases run
// the command several times with -count 1.
func BenchmarkUnseenRead(b *testing.B) {
	reads := []struct {
		name  string
		build func(n string) *http.Request
	}{
		{"product", func(n string) *http.Request {
			return request{method: "GET", target: "/api/v1/products/linen-shirt-blue-" + n}.build()
		}},
		{"search", func(n string) *http.Request {
			return request{method: "GET", target: "/api/v1/search?q=" + q("linen shirt "+n) + "&sort=relevance&page=2"}.build()
		}},
		{"signed-in", func(n string) *http.Request {
			return request{method: "GET", target: "/account/orders?page=" + n, header: map[string]string{
				"Cookie":  "pasar_session=Zm9vYmFyLWJhei0xMjM0NTY3ODkw.c2ln-_; pasar_csrf=a1B2c3D4e5",
				"Referer": "https://shop.example.com/cart?x=1"}}.build()
		}},
	}
	on := testWAF(b, Block, nil)
	cw, err := coraza.NewWAF(coraza.NewWAFConfig().WithRootFS(coreruleset.FS).
		WithDirectives(strings.Replace(directives(Block, 1<<20), "SecRxPreFilter On", "SecRxPreFilter Off", 1)))
	if err != nil {
		b.Fatal(err)
	}
	off := &WAF{waf: cw, mode: Block, log: on.log}
	nop := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	for _, rd := range reads {
		for _, c := range []struct {
			name string
			w    *WAF
		}{{"prefilter", on}, {"no-prefilter", off}} {
			b.Run(rd.name+"/"+c.name, func(b *testing.B) {
				h := c.w.Wrap(nop)
				b.ReportAllocs()
				start := cpuTime()
				for b.Loop() {
					h.ServeHTTP(httptest.NewRecorder(), rd.build(strconv.FormatInt(benchSeq.Add(1), 10)))
				}
				b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
