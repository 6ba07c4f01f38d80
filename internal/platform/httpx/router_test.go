package httpx_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/httpx"
)

func catalogStack() *stack {
	s := newStack(httpx.Options{})
	s.router.HandleFunc("GET /api/v1/products/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "missing" {
			httpx.WriteError(w, r, errProductNotFound)
			return
		}
		httpx.JSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id")})
	})
	s.router.HandleFunc("POST /api/v1/carts", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
	})
	s.router.HandleFunc("DELETE /api/v1/carts/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	s.router.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {})
	s.router.HandleFunc("GET /static/", func(w http.ResponseWriter, r *http.Request) {})
	s.router.HandleFunc("GET /boom", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	return s
}

func TestRouter(t *testing.T) {
	t.Parallel()
	s := catalogStack()
	tests := []struct {
		name       string
		method     string
		target     string
		wantStatus int
		wantAllow  string
		wantCode   string // problem code; "" for non-problem answers
	}{
		{"match", "GET", "/api/v1/products/42", 200, "", ""},
		{"HEAD on a GET route", "HEAD", "/api/v1/products/42", 200, "", ""},
		{"method-less pattern, any method", "PUT", "/healthz", 200, "", ""},
		{"handler's own 404", "GET", "/api/v1/products/missing", 404, "", "product_not_found"},
		{"unknown path", "GET", "/api/v1/nope", 404, "", "not_found"},
		{"unregistered root", "GET", "/", 404, "", "not_found"},
		{"wrong method", "POST", "/api/v1/products/42", 405, "GET, HEAD", "method_not_allowed"},
		{"wrong method, other route", "GET", "/api/v1/carts/7", 405, "DELETE", "method_not_allowed"},
		{"odd method", "BREW", "/api/v1/carts", 405, "POST", "method_not_allowed"},
		{"trailing-slash redirect kept", "GET", "/static", 0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := s.do(tt.method, tt.target, "", "")
			if tt.wantStatus == 0 { // any redirect
				if rec.Code < 300 || rec.Code > 399 || rec.Header().Get("Location") != "/static/" {
					t.Fatalf("status %d Location %q, want a redirect to /static/", rec.Code, rec.Header().Get("Location"))
				}
				return
			}
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if got := rec.Header().Get("Allow"); got != tt.wantAllow {
				t.Errorf("Allow %q, want %q", got, tt.wantAllow)
			}
			if tt.wantCode == "" {
				return
			}
			p := problem(t, rec.Code, rec.Header(), rec.Body.Bytes())
			if p.Code != tt.wantCode || p.RequestID == "" {
				t.Errorf("problem %+v, want code %q and a request id", p, tt.wantCode)
			}
		})
	}
}

func TestRouterMetrics(t *testing.T) {
	t.Parallel()
	s := catalogStack()
	for _, r := range []struct{ method, target string }{
		{"GET", "/api/v1/products/1"},
		{"GET", "/api/v1/products/2"},
		{"HEAD", "/api/v1/products/3"},
		{"GET", "/api/v1/products/missing"},
		{"POST", "/api/v1/carts"},
		{"GET", "/no/such/path"},
		{"GET", "/another/unknown"},
		{"POST", "/api/v1/products/1"},
		{"GET", "/boom"},
		{"BREW", "/healthz"},
	} {
		s.do(r.method, r.target, "", "")
	}
	out := s.metrics(t)
	for _, want := range []string{
		`http_requests_total{code="200",method="GET",route="/api/v1/products/{id}"} 2`,
		`http_requests_total{code="200",method="HEAD",route="/api/v1/products/{id}"} 1`,
		`http_requests_total{code="404",method="GET",route="/api/v1/products/{id}"} 1`,
		`http_requests_total{code="201",method="POST",route="/api/v1/carts"} 1`,
		`http_requests_total{code="404",method="GET",route="unmatched"} 2`,
		`http_requests_total{code="405",method="POST",route="unmatched"} 1`,
		`http_requests_total{code="500",method="GET",route="/boom"} 1`,
		`http_requests_total{code="200",method="_OTHER",route="/healthz"} 1`,
		`http_request_duration_seconds_count{method="GET",route="/api/v1/products/{id}"} 3`,
		`http_request_duration_seconds_bucket{method="POST",route="/api/v1/carts",le="0.0005"}`,
		// Declared at registration, so dashboards see the route before traffic.
		`http_request_duration_seconds_count{method="DELETE",route="/api/v1/carts/{id}"} 0`,
		`http_requests_in_flight 0`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	for _, unwanted := range []string{"/no/such/path", "BREW"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("metrics have a series for %q: unbounded cardinality", unwanted)
		}
	}
}

// TestRouterWithoutMiddleware checks the Router stands alone: metrics and
// problem answers work without Middleware's request state.
func TestRouterWithoutMiddleware(t *testing.T) {
	t.Parallel()
	s := catalogStack()
	s.handler = s.router
	if rec := s.do("GET", "/api/v1/products/9", "", ""); rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	rec := s.do("GET", "/nope", "", "")
	if p := problem(t, rec.Code, rec.Header(), rec.Body.Bytes()); p.Status != 404 {
		t.Errorf("status %d", p.Status)
	}
	if out := s.metrics(t); !strings.Contains(out, `http_requests_total{code="200",method="GET",route="/api/v1/products/{id}"} 1`) {
		t.Errorf("route not counted without Middleware:\n%s", out)
	}
}

func TestNewMetricsTwice(t *testing.T) {
	t.Parallel()
	s := newStack(httpx.Options{})
	second := httpx.NewRouter(httpx.NewMetrics(s.reg)) // same registry: reuses, no panic
	second.HandleFunc("GET /b", func(http.ResponseWriter, *http.Request) {})
	s.router.HandleFunc("GET /a", func(http.ResponseWriter, *http.Request) {})
	s.do("GET", "/a", "", "")
	s.handler = second
	s.do("GET", "/b", "", "")
	out := s.metrics(t)
	for _, r := range []string{"/a", "/b"} {
		if !strings.Contains(out, `http_requests_total{code="200",method="GET",route="`+r+`"} 1`) {
			t.Errorf("route %s missing", r)
		}
	}
}

func TestRouterNilMetrics(t *testing.T) {
	t.Parallel()
	rt := httpx.NewRouter(nil)
	rt.HandleFunc("GET /a", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
	h := httpx.Middleware(rt, httpx.Options{})
	tests := []struct {
		name   string
		target string
		want   int
	}{
		{"route", "/a", http.StatusAccepted},
		{"unknown", "/b", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.target, nil))
			if rec.Code != tt.want {
				t.Errorf("status %d, want %d", rec.Code, tt.want)
			}
		})
	}
}

func TestRouterRoutes(t *testing.T) {
	t.Parallel()
	r := httpx.NewRouter(nil)
	if got := r.Routes(); len(got) != 0 {
		t.Fatalf("new router lists %q; want nothing (the fallback is not a route)", got)
	}
	want := []string{"GET /api/v1/products/{id}", "POST /api/v1/carts", "/healthz"}
	for _, p := range want {
		r.HandleFunc(p, func(http.ResponseWriter, *http.Request) {})
	}
	got := r.Routes()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("Routes() = %q, want %q", got, want)
	}
	got[0] = "changed"
	if r.Routes()[0] != want[0] {
		t.Error("Routes returned the router's own slice; callers must not be able to change it")
	}
}
