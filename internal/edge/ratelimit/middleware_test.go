package ratelimit

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

var ok200 = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })

// chain is ByClient outside, then a stand-in for auth.Middleware (the "Subject" header becomes
// the principal), then ByAccount, as internal/app arranges them.
func chain(l *Limiter) http.Handler {
	inner := l.ByAccount(ok200)
	withPrincipal := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s := r.Header.Get("Subject"); s != "" {
			s, actor, _ := strings.Cut(s, " via ") // "u1 via service:web": a page server's call for u1
			r = r.WithContext(auth.WithPrincipal(r.Context(), auth.Principal{Subject: s, Role: auth.Customer, Actor: actor}))
		}
		inner.ServeHTTP(w, r)
	})
	return httpx.Middleware(l.ByClient(withPrincipal), httpx.Options{})
}

func get(h http.Handler, path, remote, subject string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", path, nil)
	req.RemoteAddr = remote
	if subject != "" {
		req.Header.Set("Subject", subject)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestLimiter(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, s Store) {
		type step struct {
			path, remote, subject string
			want                  int
		}
		for _, tc := range []struct {
			name  string
			l     Limiter
			steps []step
		}{
			{"client over its burst gets 429", Limiter{Client: Rate{PerSecond: 0.1, Burst: 2}}, []step{
				{"/api/v1/products", "192.0.2.1:1000", "", 200},
				{"/p/shirt", "192.0.2.1:1001", "", 200},
				{"/api/v1/products", "192.0.2.1:1002", "", 429},
				{"/api/v1/products", "192.0.2.2:1000", "", 200}, // another client
			}},
			{"operations endpoints are exempt", Limiter{Client: Rate{PerSecond: 0.1, Burst: 1}, Account: Rate{PerSecond: 0.1, Burst: 1}}, []step{
				{"/api/v1/products", "192.0.2.1:1000", "", 200},
				{"/healthz", "192.0.2.1:1000", "", 200},
				{"/readyz", "192.0.2.1:1000", "u1", 200},
				{"/metrics", "192.0.2.1:1000", "", 200},
				{"/api/v1/products", "192.0.2.1:1000", "", 429},
			}},
			{"account limit follows the account across addresses", Limiter{Client: Rate{PerSecond: 100, Burst: 100}, Account: Rate{PerSecond: 0.1, Burst: 2}}, []step{
				{"/api/v1/orders", "192.0.2.1:1000", "u1", 200},
				{"/api/v1/orders", "198.51.100.7:1000", "u1", 200},
				{"/api/v1/orders", "203.0.113.9:1000", "u1", 429},
				{"/api/v1/orders", "203.0.113.9:1000", "u2", 200},
				{"/api/v1/products", "203.0.113.9:1000", "", 200}, // anonymous: only the client limit
			}},
			{"a page server's calls for a person count once, as the page", Limiter{Client: Rate{PerSecond: 100, Burst: 100}, Account: Rate{PerSecond: 0.1, Burst: 1}}, []step{
				{"/admin/", "192.0.2.1:1000", "u1", 200},
				{"/api/v1/admin/orders", "10.0.0.5:1000", "u1 via service:web", 200},
				{"/api/v1/admin/inventory/SKU-1", "10.0.0.5:1000", "u1 via service:web", 200},
				{"/admin/orders", "192.0.2.1:1000", "u1", 429},
			}},
			{"zero rates limit nothing", Limiter{}, []step{
				{"/", "192.0.2.1:1", "u", 200}, {"/", "192.0.2.1:1", "u", 200}, {"/", "192.0.2.1:1", "u", 200},
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				tc.l.Store = prefixed{s, tc.name + ":"}
				h := chain(&tc.l)
				for i, st := range tc.steps {
					rec := get(h, st.path, st.remote, st.subject)
					if rec.Code != st.want {
						t.Fatalf("step %d %s from %s as %q: status %d, want %d", i, st.path, st.remote, st.subject, rec.Code, st.want)
					}
					if st.want == 429 {
						checkTooMany(t, rec)
					}
				}
			})
		}
	})
}

// prefixed gives each test case a key space of its own in a shared store.
type prefixed struct {
	Store
	prefix string
}

func (p prefixed) Take(ctx context.Context, key string, r Rate) (bool, time.Duration, error) {
	return p.Store.Take(ctx, p.prefix+key, r)
}

func checkTooMany(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	if ra, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || ra < 1 || ra > 10 {
		t.Errorf("Retry-After %q, want 1-10 seconds", rec.Header().Get("Retry-After"))
	}
	var p httpx.Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != 429 || p.Code != "rate_limited" || p.RequestID == "" {
		t.Errorf("problem %s (%v)", rec.Body, err)
	}
	if ct := rec.Header().Get("Content-Type"); ct != httpx.ContentTypeProblem {
		t.Errorf("Content-Type %q", ct)
	}
}

type failingStore struct{}

func (failingStore) Take(context.Context, string, Rate) (bool, time.Duration, error) {
	return false, 0, errors.New("redis: connection refused")
}

func TestStoreFailureLetsRequestsThrough(t *testing.T) {
	t.Parallel()
	h := chain(&Limiter{Store: failingStore{}, Client: Rate{PerSecond: 1, Burst: 1}, Account: Rate{PerSecond: 1, Burst: 1}})
	for range 3 {
		if rec := get(h, "/api/v1/products", "192.0.2.1:1", "u1"); rec.Code != 200 {
			t.Fatalf("status %d with the store down, want 200", rec.Code)
		}
	}
}
