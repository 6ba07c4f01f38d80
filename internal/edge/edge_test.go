package edge

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/pasarhq/pasar/internal/edge/ratelimit"
	"github.com/pasarhq/pasar/internal/edge/waf"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// edges shares one Edge per WAF mode across tests: compiling the rules takes about a second.
var edges = struct {
	sync.Mutex
	m map[waf.Mode]*Edge
}{m: map[waf.Mode]*Edge{}}

func testEdge(t testing.TB, mode waf.Mode) *Edge {
	t.Helper()
	edges.Lock()
	defer edges.Unlock()
	e, ok := edges.m[mode]
	if !ok {
		var err error
		if e, err = New(Options{WAF: mode, MaxBodyBytes: 1 << 20}); err != nil {
			t.Fatal(err)
		}
		edges.m[mode] = e
	}
	return e
}

// product is a product-read-shaped handler: a cached JSON document with a strong ETag.
func product(size int) http.Handler {
	body := []byte(`{"id":"p1","name":"Linen shirt","description":"` + strings.Repeat("x", max(size-50, 0)) + `"}`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		if inm := r.Header.Get("If-None-Match"); inm == `"v1"` || inm == `W/"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
}

func chain(e *Edge, h http.Handler) http.Handler {
	return httpx.Middleware(e.Wrap(h), httpx.Options{MaxBodyBytes: 1 << 20})
}

func TestSecureHeadersOnEveryResponse(t *testing.T) {
	t.Parallel()
	limited, err := New(Options{WAF: waf.Off, ClientRate: ratelimit.Rate{PerSecond: 0.01, Burst: 1}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		h      http.Handler
		target string
		repeat int // send this many first, check the last
		want   int
	}{
		{"success", chain(testEdge(t, waf.Off), product(100)), "/api/v1/products/p1", 1, 200},
		{"waf refusal", chain(testEdge(t, waf.Block), product(100)), "/api/v1/search?q=%3Cscript%3Ealert(1)%3C/script%3E", 1, 403},
		{"rate limit refusal", chain(limited, product(100)), "/api/v1/products", 2, 429},
		{"invalid utf-8", chain(testEdge(t, waf.Off), product(100)), "/api/v1/search?q=%C0%AE%FF", 1, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var rec *httptest.ResponseRecorder
			for range tc.repeat {
				rec = httptest.NewRecorder()
				tc.h.ServeHTTP(rec, httptest.NewRequest("GET", tc.target, nil))
			}
			if rec.Code != tc.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.want, rec.Body)
			}
			h := rec.Header()
			for k, want := range map[string]string{
				"Content-Security-Policy": contentSecurityPolicy,
				"X-Content-Type-Options":  "nosniff",
				"X-Frame-Options":         "DENY",
				"Referrer-Policy":         "strict-origin-when-cross-origin",
			} {
				if got := h.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") || strings.Contains(h.Get("Content-Security-Policy"), "unsafe-inline") {
				t.Errorf("CSP %q", h.Get("Content-Security-Policy"))
			}
			if h.Get("Strict-Transport-Security") != "" {
				t.Error("HSTS sent over plain HTTP")
			}
			if tc.want >= 400 {
				var p httpx.Problem
				if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != tc.want || p.RequestID == "" {
					t.Errorf("problem %s (%v)", rec.Body, err)
				}
			}
		})
	}
}

func TestValidUTF8(t *testing.T) {
	t.Parallel()
	h := chain(testEdge(t, waf.Off), product(10))
	for _, tc := range []struct {
		name, target string
		want         int
	}{
		{"plain", "/api/v1/search?q=shoes", 200},
		{"encoded utf-8", "/api/v1/search?q=caf%C3%A9+cr%C3%A8me", 200},
		{"percent sign itself", "/api/v1/search?q=100%25+cotton", 200},
		{"overlong dot in query", "/api/v1/search?q=%C0%AE%C0%AE%2F", 400},
		{"lone continuation byte", "/api/v1/search?q=%80", 400},
		{"truncated sequence in path", "/p/caf%C3", 400},
		{"malformed escape", "/api/v1/search?q=%zz", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", tc.target, nil))
			if rec.Code != tc.want {
				t.Errorf("status %d, want %d", rec.Code, tc.want)
			}
		})
	}
}
