package httpx_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// The benchmarks compare a bare handler returning a fixed 4 KiB body with
// the same handler behind Router + Middleware (metrics, a JSON access log
// formatted and written to io.Discard, a request timeout and a body limit),
// so the plumbing's cost per request can be quoted as a ratio.

var body4k = []byte(strings.Repeat("x", 4096))

func bare(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(body4k) }

// discardWriter is a reusable ResponseWriter, so the loop measures the
// handlers, not a recorder's buffers.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

// shop is Middleware over a Router with a realistic number of routes.
func shop(logger *slog.Logger, o httpx.Options) http.Handler {
	rt := httpx.NewRouter(httpx.NewMetrics(prometheus.NewRegistry()))
	for _, p := range []string{
		"GET /api/v1/products", "GET /api/v1/categories", "GET /api/v1/search",
		"POST /api/v1/carts", "GET /api/v1/carts/{id}", "POST /api/v1/carts/{id}/items",
		"PATCH /api/v1/carts/{id}/items/{sku}", "DELETE /api/v1/carts/{id}/items/{sku}",
		"POST /api/v1/checkout", "GET /api/v1/orders", "GET /api/v1/orders/{id}",
		"GET /api/v1/inventory/{sku}", "GET /healthz", "GET /readyz",
	} {
		rt.HandleFunc(p, bare)
	}
	rt.HandleFunc("GET /api/v1/products/{id}", bare)
	o.Logger = logger
	return httpx.Middleware(rt, o)
}

func jsonDiscard() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

var prodOptions = httpx.Options{RequestTimeout: 10 * time.Second, MaxBodyBytes: 1 << 20}

func serveLoop(b *testing.B, h http.Handler) {
	r := httptest.NewRequest(http.MethodGet, "/api/v1/products/42", nil)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	b.SetBytes(int64(len(body4k)))
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

func serveParallel(b *testing.B, h http.Handler) {
	b.ReportAllocs()
	b.SetBytes(int64(len(body4k)))
	b.RunParallel(func(pb *testing.PB) {
		r := httptest.NewRequest(http.MethodGet, "/api/v1/products/42", nil)
		w := &discardWriter{h: http.Header{}}
		for pb.Next() {
			clear(w.h)
			h.ServeHTTP(w, r)
		}
	})
}

func BenchmarkBare(b *testing.B) { serveLoop(b, http.HandlerFunc(bare)) }

func BenchmarkMiddleware(b *testing.B) { serveLoop(b, shop(jsonDiscard(), prodOptions)) }

// BenchmarkMiddlewareNoLog is the same with logging disabled, to separate
// the access log's share (slog formatting) from the rest.
func BenchmarkMiddlewareNoLog(b *testing.B) {
	serveLoop(b, shop(slog.New(slog.DiscardHandler), prodOptions))
}

func BenchmarkBareParallel(b *testing.B) { serveParallel(b, http.HandlerFunc(bare)) }

func BenchmarkMiddlewareParallel(b *testing.B) { serveParallel(b, shop(jsonDiscard(), prodOptions)) }

// The Server benchmarks add net/http's server and a keep-alive client over
// loopback: the ratio a load test would see, not just the handler's.
func serveHTTP(b *testing.B, h http.Handler) {
	srv := httptest.NewServer(h)
	defer srv.Close()
	url := srv.URL + "/api/v1/products/42"
	client := srv.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	b.ReportAllocs()
	b.SetBytes(int64(len(body4k)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Get(url)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}

func BenchmarkServerBare(b *testing.B) { serveHTTP(b, http.HandlerFunc(bare)) }

func BenchmarkServerMiddleware(b *testing.B) { serveHTTP(b, shop(jsonDiscard(), prodOptions)) }

// TestMiddlewareAllocs guards the hot path against regressions: a routed
// GET through the full chain with the access log on.
func TestMiddlewareAllocs(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocation counts differ under -race")
	}
	h := shop(jsonDiscard(), prodOptions)
	r := httptest.NewRequest(http.MethodGet, "/api/v1/products/42", nil)
	w := &discardWriter{h: http.Header{}}
	allocs := testing.AllocsPerRun(1000, func() {
		clear(w.h)
		h.ServeHTTP(w, r)
	})
	const max = 12
	if allocs > max {
		t.Errorf("%.0f allocations per request, budget %d", allocs, max)
	}
}
