package web_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkPages renders the home and a product page through the whole process handler (edge
// with the WAF blocking, sessions, router, middleware, templates, catalog cache, stock lookup)
// next to a bare handler writing a fixed body of the same size, in the same run. A guest's
// request: no cookies, so no cart or session lookups.
//
//	go test -run '^$' -bench Pages -benchmem ./internal/web
func BenchmarkPages(b *testing.B) {
	home := render(b, "/")
	slug := firstSlug(b, home)
	product := render(b, "/p/"+slug)
	for _, c := range []struct {
		name string
		h    http.Handler
		path string
	}{
		{"home/bare", bare(home), "/"},
		{"home/pasar", shopHandler, "/"},
		{"product/bare", bare(product), "/p/" + slug},
		{"product/pasar", shopHandler, "/p/" + slug},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				req := httptest.NewRequest(http.MethodGet, c.path, nil)
				req.Header.Set("User-Agent", "Mozilla/5.0 pasar-bench")
				req.Header.Set("Accept", "text/html")
				c.h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d", c.path, rec.Code)
				}
			}
		})
	}
}

// bare answers every request with body, as a handler that does nothing else would.
func bare(body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(body)
	})
}

func render(b *testing.B, path string) []byte {
	b.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 pasar-bench")
	shopHandler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("GET %s: %d", path, rec.Code)
	}
	return rec.Body.Bytes()
}

func firstSlug(b *testing.B, home []byte) string {
	b.Helper()
	i := bytes.Index(home, []byte(`href="/p/`))
	if i < 0 {
		b.Fatal("home lists no product")
	}
	rest := home[i+len(`href="/p/`):]
	return string(rest[:bytes.IndexByte(rest, '"')])
}
