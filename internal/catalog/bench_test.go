package catalog

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// The handler benchmarks serve cached reads through the same Router + Middleware the app uses
// (metrics, JSON access log formatted into io.Discard, timeout, body limit) beside a bare
// handler writing a body of the same size, so the catalog's cost per request reads as a ratio.
// bench/catalog.sh measures the same over real HTTP with wrk.

type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

func benchShop(b *testing.B) (http.Handler, string) {
	d := dbtest.Open(b, db.SQLite)
	c := newCore(b, d)
	seedTree(b, c)
	var slug string
	for i := range 50 {
		p := mustCreate(b, c, sample("p"+string(rune('a'+i%26))+string(rune('a'+i/26)), "Edge", "knives", int64(100+i), 200))
		slug = p.Slug
	}
	rt := httpx.NewRouter(httpx.NewMetrics(prometheus.NewRegistry()))
	NewHandler(NewCache(c, CacheOptions{}), HandlerOptions{}).Routes(rt)
	h := httpx.Middleware(rt, httpx.Options{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		RequestTimeout: 30 * time.Second, MaxBodyBytes: 1 << 20})
	return h, slug
}

func serveLoop(b *testing.B, h http.Handler, target string) {
	r := httptest.NewRequest(http.MethodGet, target, nil).WithContext(context.Background())
	w := &discardWriter{h: http.Header{}}
	h.ServeHTTP(w, r) // fill the cache
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

func BenchmarkHandlerProductDetail(b *testing.B) {
	h, slug := benchShop(b)
	serveLoop(b, h, "/api/v1/products/"+slug)
}

func BenchmarkHandlerProductList(b *testing.B) {
	h, _ := benchShop(b)
	serveLoop(b, h, "/api/v1/products?category=home&sort=price_asc&limit=20")
}

func BenchmarkHandlerBare(b *testing.B) {
	body := make([]byte, 1000)
	serveLoop(b, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(body) }), "/x")
}
