package httpx_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/pasarhq/pasar/internal/platform/httpx"
)

var uuidV7 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestRequestID(t *testing.T) {
	t.Parallel()
	s := newStack(httpx.Options{})
	s.router.HandleFunc("GET /id", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, httpx.RequestID(r.Context()))
	})
	tests := []struct {
		name     string
		inbound  string
		wantEcho bool
	}{
		{"generated when absent", "", false},
		{"inbound echoed", "gw-7f3a.12:3", true},
		{"inbound uuid echoed", "0190a8c2-4b1e-7c3d-9a2b-1c2d3e4f5a6b", true},
		{"too long replaced", strings.Repeat("a", 65), false},
		{"unsafe characters replaced", "id with spaces", false},
		{"log injection replaced", `x","level":"ERROR`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var hdr []string
			if tt.inbound != "" {
				hdr = []string{"X-Request-Id", tt.inbound}
			}
			rec := s.do("GET", "/id", "", "", hdr...)
			got := rec.Header().Get("X-Request-Id")
			if rec.Body.String() != got {
				t.Errorf("RequestID(ctx) %q, header %q", rec.Body, got)
			}
			if tt.wantEcho && got != tt.inbound {
				t.Errorf("id %q, want inbound %q echoed", got, tt.inbound)
			}
			if !tt.wantEcho && !uuidV7.MatchString(got) {
				t.Errorf("id %q is not a generated UUIDv7", got)
			}
		})
	}
	a, b := s.do("GET", "/id", "", ""), s.do("GET", "/id", "", "")
	if a.Header().Get("X-Request-Id") == b.Header().Get("X-Request-Id") {
		t.Error("two requests got the same id")
	}
}

// TestPanic runs a real server: after each kind of panic it must go on
// serving, and a panic the handler could not answer must not look like a
// complete response.
func TestPanic(t *testing.T) {
	t.Parallel()
	s := newStack(httpx.Options{})
	s.router.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	s.router.HandleFunc("GET /panic", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		panic("nil map in checkout: secret-internal-detail")
	})
	s.router.HandleFunc("GET /panic-late", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		_, _ = io.WriteString(w, "partial")
		panic("late")
	})
	s.router.HandleFunc("GET /abort", func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) })
	srv := httptest.NewServer(s.handler)
	defer srv.Close()

	tests := []struct {
		name      string
		path      string
		wantErr   bool // the client sees a broken response
		wantPanic bool // logged as a panic with its stack
	}{
		{"before writing", "/panic", false, true},
		{"after writing", "/panic-late", true, true},
		{"abort handler", "/abort", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := srv.Client().Get(srv.URL + tt.path)
			if err == nil {
				_, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			if tt.wantErr {
				if err == nil {
					t.Errorf("client read a complete response (status %d)", resp.StatusCode)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != 500 {
					t.Fatalf("status %d, want 500", resp.StatusCode)
				}
			}
			// The server keeps serving.
			ok, err := srv.Client().Get(srv.URL + "/ok")
			if err != nil || ok.StatusCode != 200 {
				t.Fatalf("server stopped serving after a panic: %v", err)
			}
			ok.Body.Close()
		})
	}

	// The 500 carries the request id and none of the panic's text.
	resp, err := srv.Client().Get(srv.URL + "/panic")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	p := problem(t, resp.StatusCode, resp.Header, body)
	if p.RequestID == "" || p.RequestID != resp.Header.Get("X-Request-Id") {
		t.Errorf("request_id %q, header %q", p.RequestID, resp.Header.Get("X-Request-Id"))
	}
	if strings.Contains(string(body), "secret-internal-detail") {
		t.Errorf("panic text leaked: %s", body)
	}
	srv.Close() // flush the server goroutines' log lines
	panics := s.log.lines(t, "panic")
	if len(panics) != 3 {
		t.Fatalf("%d panics logged, want 3 (abort is not a panic to log)", len(panics))
	}
	last := panics[2]
	if last["request_id"] != p.RequestID || !strings.Contains(last["stack"].(string), "middleware_test.go") {
		t.Errorf("panic log lacks request id or stack: %v", last)
	}
}

func TestAccessLog(t *testing.T) {
	t.Parallel()
	s := newStack(httpx.Options{})
	s.router.HandleFunc("GET /api/v1/products/{id}", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "12345")
	})
	rec := s.do("GET", "/api/v1/products/7", "", "")
	lines := s.log.lines(t, "request")
	if len(lines) != 1 {
		t.Fatalf("%d access lines, want 1: %s", len(lines), s.log)
	}
	l := lines[0]
	want := map[string]any{
		"method": "GET", "path": "/api/v1/products/7", "route": "/api/v1/products/{id}",
		"status": 200.0, "bytes": 5.0, "request_id": rec.Header().Get("X-Request-Id"), "remote": "192.0.2.1",
		"level": "INFO",
	}
	for k, v := range want {
		if l[k] != v {
			t.Errorf("%s = %v, want %v", k, l[k], v)
		}
	}
	if d, ok := l["duration"].(float64); !ok || d <= 0 {
		t.Errorf("duration %v", l["duration"])
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	s := newStack(httpx.Options{RequestTimeout: 20 * time.Millisecond})
	s.router.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			httpx.WriteError(w, r, r.Context().Err())
		case <-time.After(5 * time.Second):
			w.WriteHeader(http.StatusOK)
		}
	})
	start := time.Now()
	rec := s.do("GET", "/slow", "", "")
	if rec.Code != http.StatusServiceUnavailable || time.Since(start) > 2*time.Second {
		t.Fatalf("status %d after %v, want 503 at the deadline", rec.Code, time.Since(start))
	}
	problem(t, rec.Code, rec.Header(), rec.Body.Bytes())
}

func TestClientIP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		trust  bool
		remote string
		xff    []string
		want   string
	}{
		{"remote address", false, "203.0.113.9:4711", nil, "203.0.113.9"},
		{"forwarded ignored without trust", false, "10.0.0.2:80", []string{"198.51.100.7"}, "10.0.0.2"},
		{"single proxy", true, "10.0.0.2:80", []string{"198.51.100.7"}, "198.51.100.7"},
		{"proxies skipped", true, "10.0.0.2:80", []string{"198.51.100.7, 10.0.0.5, 127.0.0.1"}, "198.51.100.7"},
		{"client forgery ignored", true, "10.0.0.2:80", []string{"6.6.6.6, 198.51.100.7, 10.0.0.5"}, "198.51.100.7"},
		{"several header lines", true, "10.0.0.2:80", []string{"6.6.6.6", "198.51.100.7, 10.0.0.5"}, "198.51.100.7"},
		{"ipv6", true, "[::1]:80", []string{"2001:db8::1"}, "2001:db8::1"},
		{"all internal", true, "10.0.0.2:80", []string{"192.168.1.20, 10.0.0.5"}, "192.168.1.20"},
		{"garbage falls back", true, "10.0.0.2:80", []string{"unknown, not-an-ip"}, "10.0.0.2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got string
			h := httpx.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = httpx.ClientIP(r)
			}), httpx.Options{TrustProxyHeaders: tt.trust})
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != tt.want {
				t.Errorf("ClientIP = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTracing(t *testing.T) {
	t.Parallel()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	s := newStack(httpx.Options{TracerProvider: tp})
	s.router.HandleFunc("GET /api/v1/products/{id}", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteError(w, r, errors.New("boom"))
	})
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	s.do("GET", "/api/v1/products/7", "", "", "Traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")

	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	sp := spans[0]
	if sp.Name() != "GET /api/v1/products/{id}" || sp.SpanContext().TraceID().String() != traceID || sp.Parent().SpanID().String() != "00f067aa0ba902b7" {
		t.Errorf("span %q trace %s parent %s: not continuing the inbound trace", sp.Name(), sp.SpanContext().TraceID(), sp.Parent().SpanID())
	}
	attrs := map[string]string{}
	for _, a := range sp.Attributes() {
		attrs[string(a.Key)] = a.Value.Emit()
	}
	if attrs["http.route"] != "/api/v1/products/{id}" || attrs["http.response.status_code"] != "500" {
		t.Errorf("attributes %v", attrs)
	}
	if sp.Status().Code.String() != "Error" {
		t.Errorf("status %v, want Error for a 500", sp.Status())
	}
	if l := s.log.lines(t, "request"); len(l) != 1 || l[0]["trace_id"] != traceID {
		t.Errorf("access log lacks trace_id: %v", l)
	}
}
