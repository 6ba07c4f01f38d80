package svcclient

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

var errDown = apperr.New(apperr.Unavailable, "test_unavailable", "down")

// replicaServer is a real HTTP server that counts its calls and answers with status.
type replicaServer struct {
	*httptest.Server
	calls  atomic.Int64
	status atomic.Int64
	delay  atomic.Int64 // nanoseconds to wait before answering
}

func newReplica(t *testing.T) *replicaServer {
	t.Helper()
	r := &replicaServer{}
	r.status.Store(http.StatusOK)
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.calls.Add(1)
		if d := r.delay.Load(); d > 0 {
			select {
			case <-time.After(time.Duration(d)):
			case <-req.Context().Done():
				return
			}
		}
		st := int(r.status.Load())
		if st >= 400 {
			httpx.WriteError(w, req, apperr.New(httpx.KindForStatus(st), "replica_says_no", "no"))
			return
		}
		httpx.JSON(w, st, map[string]string{"traceparent": req.Header.Get("traceparent"), "host": req.Host})
	}))
	t.Cleanup(r.Close)
	return r
}

// deadURL is an address nothing listens on: connections to it are refused.
func deadURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestRoundRobin(t *testing.T) {
	t.Parallel()
	a, b := newReplica(t), newReplica(t)
	c := New("test", a.URL+","+b.URL+"/", nil, time.Second, errDown)
	for range 10 {
		if err := c.Call(t.Context(), "GET", "/x", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if a.calls.Load() != 5 || b.calls.Load() != 5 {
		t.Fatalf("calls spread %d/%d, want 5/5", a.calls.Load(), b.calls.Load())
	}
}

func TestFailover(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		method     string
		hdr        []string
		deadStatus int // 0: the first replica refuses connections; else it answers this
		wantErr    bool
		wantCalls  int64 // on the healthy replica
	}{
		{"POST moves on when refused", "POST", nil, 0, false, 1},
		{"GET moves on when refused", "GET", nil, 0, false, 1},
		{"GET retried after 503", "GET", nil, 503, false, 1},
		{"PUT retried after 502", "PUT", nil, 502, false, 1},
		{"POST with key retried after 503", "POST", []string{"Idempotency-Key", "k1"}, 503, false, 1},
		{"POST not retried after 503", "POST", nil, 503, true, 0},
		{"GET not retried after 404", "GET", nil, 404, true, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			good := newReplica(t)
			first := deadURL(t)
			var bad *replicaServer
			if tc.deadStatus != 0 {
				bad = newReplica(t)
				bad.status.Store(int64(tc.deadStatus))
				first = bad.URL
			}
			c := New("test", first+","+good.URL, nil, time.Second, errDown)
			err := c.Call(t.Context(), tc.method, "/x", map[string]int{"n": 1}, nil, tc.hdr...)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if got := good.calls.Load(); got != tc.wantCalls {
				t.Errorf("healthy replica got %d calls, want %d", got, tc.wantCalls)
			}
			if tc.deadStatus == 404 && !strings.Contains(err.Error(), "no") {
				t.Errorf("the replica's own error should come back: %v", err)
			}
		})
	}
}

func TestUnreachableIsUnavailable(t *testing.T) {
	t.Parallel()
	c := New("test", deadURL(t)+","+deadURL(t), nil, time.Second, errDown)
	err := c.Call(t.Context(), "GET", "/x", nil, nil)
	if !errors.Is(err, errDown) || apperr.KindOf(err) != apperr.Unavailable {
		t.Fatalf("err = %v", err)
	}
}

func TestTimeoutPerAttempt(t *testing.T) {
	t.Parallel()
	slow, fast := newReplica(t), newReplica(t)
	slow.delay.Store(int64(5 * time.Second))
	c := New("test", slow.URL+","+fast.URL, nil, 100*time.Millisecond, errDown)
	start := time.Now()
	if err := c.Call(t.Context(), "GET", "/x", nil, nil); err != nil {
		t.Fatalf("GET should have moved to the fast replica: %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %v", took)
	}
	// A POST without a key may have been applied by the slow replica: it is not sent again.
	c2 := New("test", slow.URL+","+fast.URL, nil, 100*time.Millisecond, errDown)
	before := fast.calls.Load()
	if err := c2.Call(t.Context(), "POST", "/x", nil, nil); !errors.Is(err, errDown) {
		t.Fatalf("POST to a slow replica: %v", err)
	}
	if fast.calls.Load() != before {
		t.Error("a POST that timed out was sent to another replica")
	}
}

func TestBreaker(t *testing.T) {
	t.Parallel()
	bad, good := newReplica(t), newReplica(t)
	bad.status.Store(http.StatusServiceUnavailable)
	// The cooldown is long and the test moves the opening back in time instead of sleeping, so a
	// busy machine cannot let it run out while the first calls are still going.
	c := New("test", bad.URL+","+good.URL, nil, time.Second, errDown, WithBreaker(3, time.Hour))
	coolDown := func() {
		c.replicas[0].mu.Lock()
		c.replicas[0].openedAt = time.Now().Add(-2 * time.Hour)
		c.replicas[0].mu.Unlock()
	}
	for range 20 {
		if err := c.Call(t.Context(), "GET", "/x", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := bad.calls.Load(); n != 3 {
		t.Fatalf("failing replica got %d calls; its breaker should open after 3", n)
	}
	if s := c.replicas[0].state(c.breaker, time.Now()); s != "open" {
		t.Fatalf("breaker %s", s)
	}
	coolDown()
	if s := c.replicas[0].state(c.breaker, time.Now()); s != "half-open" {
		t.Fatalf("after the cooldown: %s", s)
	}
	// One probe goes through; it fails, so the breaker opens again for another cooldown.
	for range 4 {
		if err := c.Call(t.Context(), "GET", "/x", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := bad.calls.Load(); n != 4 {
		t.Fatalf("half-open breaker let %d calls through, want 1 probe", n-3)
	}
	// The replica recovers: the next probe closes the breaker and it takes its share again.
	bad.status.Store(http.StatusOK)
	coolDown()
	for range 10 {
		if err := c.Call(t.Context(), "GET", "/x", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if s := c.replicas[0].state(c.breaker, time.Now()); s != "closed" || bad.calls.Load() < 8 {
		t.Fatalf("after recovery: %s with %d calls", s, bad.calls.Load())
	}
}

func TestBreakerAllOpen(t *testing.T) {
	t.Parallel()
	c := New("test", deadURL(t), nil, time.Second, errDown, WithBreaker(1, time.Hour))
	_ = c.Call(t.Context(), "GET", "/x", nil, nil)
	err := c.Call(t.Context(), "GET", "/x", nil, nil)
	if !errors.Is(err, errDown) || !strings.Contains(errors.Unwrap(err).Error(), "circuit breaker is open") {
		t.Fatalf("err = %v", err)
	}
}

// TestTracing: a call made under a traced request gets a client span, child of the request's,
// and the replica receives the W3C traceparent of that client span.
func TestTracing(t *testing.T) {
	t.Parallel()
	r := newReplica(t)
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	ctx, parent := tp.Tracer("test").Start(context.Background(), "request")
	c := New("inventory", r.URL, nil, time.Second, errDown)
	var out map[string]string
	if err := c.Call(ctx, "GET", "/api/v1/inventory?sku=A", nil, &out); err != nil {
		t.Fatal(err)
	}
	parent.End()
	spans := exp.GetSpans()
	if len(spans) != 2 {
		t.Fatalf("%d spans", len(spans))
	}
	client := spans[0]
	if client.Name != "inventory GET" || client.Parent.SpanID() != parent.SpanContext().SpanID() {
		t.Fatalf("client span %q, parent %v", client.Name, client.Parent.SpanID())
	}
	if !strings.Contains(out["traceparent"], client.SpanContext.TraceID().String()) ||
		!strings.Contains(out["traceparent"], client.SpanContext.SpanID().String()) {
		t.Fatalf("traceparent %q does not name the client span", out["traceparent"])
	}
	// Without a traced caller nothing is recorded or sent.
	if err := c.Call(context.Background(), "GET", "/x", nil, &out); err != nil || out["traceparent"] != "" {
		t.Fatalf("untraced call sent %q (%v)", out["traceparent"], err)
	}
}
