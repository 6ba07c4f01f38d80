package httpx_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// logBuffer is a goroutine-safe log sink: with httptest.Server the access
// line is written on the server's goroutine.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lines returns the JSON log lines whose msg is msg.
func (b *logBuffer) lines(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// stack is a Router behind Middleware, with its registry and log.
type stack struct {
	router  *httpx.Router
	handler http.Handler
	reg     *prometheus.Registry
	log     *logBuffer
}

func newStack(o httpx.Options) *stack {
	s := &stack{reg: prometheus.NewRegistry(), log: &logBuffer{}}
	s.router = httpx.NewRouter(httpx.NewMetrics(s.reg))
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewJSONHandler(s.log, nil))
	}
	s.handler = httpx.Middleware(s.router, o)
	return s
}

func (s *stack) do(method, target, contentType, body string, header ...string) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, r)
	return rec
}

// metrics returns the registry in the text exposition format.
func (s *stack) metrics(t *testing.T) string {
	t.Helper()
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Body.String()
}

// problem decodes a problem+json answer, failing if it is not one.
func problem(t *testing.T, status int, header http.Header, body []byte) httpx.Problem {
	t.Helper()
	if ct := header.Get("Content-Type"); ct != httpx.ContentTypeProblem {
		t.Fatalf("Content-Type = %q, want %q (body %s)", ct, httpx.ContentTypeProblem, body)
	}
	var p httpx.Problem
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("problem body %s: %v", body, err)
	}
	if p.Status != status {
		t.Errorf("problem status %d, response status %d", p.Status, status)
	}
	if p.Title == "" {
		t.Error("problem has no title")
	}
	return p
}
