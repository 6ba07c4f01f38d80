package gateway

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestKeepAliveConnectionsAreReused: reads in a row share one connection to the replica, HEAD
// included, rather than dialing for each.
func TestKeepAliveConnectionsAreReused(t *testing.T) {
	t.Parallel()
	a := newUpstream(t, "a")
	tg := newTestGateway(t, map[string][]*upstream{"catalog": {a}}, nil, nil)
	for _, method := range []string{"GET", "HEAD", "GET", "OPTIONS", "GET"} {
		if resp, body := tg.do(t, method, "/api/v1/products", ""); resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", method, resp.StatusCode, body)
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, r := range a.seen[1:] {
		if r.RemoteAddr != a.seen[0].RemoteAddr {
			t.Fatalf("requests came from %s and %s: a new connection for a request in a row", a.seen[0].RemoteAddr, r.RemoteAddr)
		}
	}
}

// TestClosedKeepAliveConnectionIsRetried: a replica that closed its kept-alive connections
// (idle timeout, restart) costs the next read nothing: it goes on a new connection, is not
// counted against the replica and not retried elsewhere.
func TestClosedKeepAliveConnectionIsRetried(t *testing.T) {
	t.Parallel()
	a := newUpstream(t, "a")
	tg := newTestGateway(t, map[string][]*upstream{"catalog": {a}}, nil, nil)
	for range 3 {
		if resp, body := tg.do(t, "GET", "/api/v1/products", ""); resp.StatusCode != 200 {
			t.Fatalf("GET: %d %s", resp.StatusCode, body)
		}
		a.CloseClientConnections()
	}
	r := tg.g.pools["catalog"].replicas[0]
	if r.fails.Load() != 0 || !r.healthy.Load() {
		t.Errorf("replica fails %d healthy %v after closed keep-alive connections", r.fails.Load(), r.healthy.Load())
	}
	if n := a.hits.Load(); n != 3 {
		t.Errorf("replica got %d requests, want 3", n)
	}
}

// TestStalledReplicaTimesOut: a replica that sends no headers within the response timeout gets
// a 504 problem, and its connection is not reused for the next request.
func TestStalledReplicaTimesOut(t *testing.T) {
	t.Parallel()
	a := newUpstream(t, "a")
	release := make(chan struct{})
	a.setAnswer(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	tg := newTestGateway(t, map[string][]*upstream{"catalog": {a}},
		func(o *Options) { o.ResponseTimeout, o.Attempts, o.FailThreshold = 50*time.Millisecond, 1, 100 }, nil)
	resp, body := tg.do(t, "GET", "/api/v1/products", "")
	close(release)
	if resp.StatusCode != http.StatusGatewayTimeout || !strings.Contains(body, "gateway_timeout") {
		t.Fatalf("stalled replica: %d %s", resp.StatusCode, body)
	}
	a.setAnswer(nil)
	if resp, body := tg.do(t, "GET", "/api/v1/products", ""); resp.StatusCode != 200 {
		t.Fatalf("next GET: %d %s", resp.StatusCode, body)
	}
}

// TestClientGoneEndsTheExchange: a client that leaves while the replica works closes the
// gateway's connection to it, so the replica's request context ends too.
func TestClientGoneEndsTheExchange(t *testing.T) {
	t.Parallel()
	a := newUpstream(t, "a")
	started, ended := make(chan struct{}), make(chan struct{})
	a.setAnswer(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
		close(ended)
	})
	tg := newTestGateway(t, map[string][]*upstream{"catalog": {a}}, nil, nil)
	ctx, cancel := context.WithCancel(t.Context())
	req, _ := http.NewRequestWithContext(ctx, "GET", tg.URL+"/api/v1/products", nil)
	go func() {
		<-started
		cancel()
	}()
	if resp, err := tg.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("request answered after its client left")
	}
	<-ended // hangs (and the test times out) if the replica's request never ends
}

// TestInformationalAnswersAreSkipped: a 103 before the answer does not end the exchange early.
func TestInformationalAnswersAreSkipped(t *testing.T) {
	t.Parallel()
	a := newUpstream(t, "a")
	a.setAnswer(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</static/app.css>; rel=preload; as=style")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "final")
	})
	tg := newTestGateway(t, map[string][]*upstream{"catalog": {a}}, nil, nil)
	for range 2 {
		if resp, body := tg.do(t, "GET", "/api/v1/products", ""); resp.StatusCode != 200 || body != "final" {
			t.Fatalf("GET: %d %q", resp.StatusCode, body)
		}
	}
}
