package gateway

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pasarhq/pasar/internal/edge"
	"github.com/pasarhq/pasar/internal/edge/waf"
	"github.com/pasarhq/pasar/internal/platform/httpx"
	"github.com/pasarhq/pasar/internal/platform/observability"
)

// upstream is a replica stand-in: a real HTTP server that records what reached it and answers
// with its name, unless answer is set.
type upstream struct {
	*httptest.Server
	name   string
	hits   atomic.Int64
	ready  atomic.Bool
	mu     sync.Mutex
	seen   []*http.Request
	bodies []string
	answer func(w http.ResponseWriter, r *http.Request) // nil: 200 with the name
}

func newUpstream(t testing.TB, name string) *upstream {
	t.Helper()
	u := &upstream{name: name}
	u.ready.Store(true)
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/readyz" {
			if !u.ready.Load() {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			w.WriteHeader(http.StatusOK)
			return
		}
		u.hits.Add(1)
		b, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.seen = append(u.seen, r.Clone(r.Context()))
		u.bodies = append(u.bodies, string(b))
		answer := u.answer
		u.mu.Unlock()
		w.Header().Set("X-Served-By", name)
		if answer != nil {
			answer(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"served_by":"`+name+`"}`)
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) setAnswer(f func(w http.ResponseWriter, r *http.Request)) {
	u.mu.Lock()
	u.answer = f
	u.mu.Unlock()
}

func (u *upstream) last() (*http.Request, string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.seen) == 0 {
		return nil, ""
	}
	return u.seen[len(u.seen)-1], u.bodies[len(u.bodies)-1]
}

// testGateway runs a gateway over the upstreams (service -> replicas) behind a real listener,
// with the WAF and rate limits off unless e is given.
type testGateway struct {
	*httptest.Server
	g *Gateway
}

func newTestGateway(t testing.TB, ups map[string][]*upstream, tweak func(*Options), e *edge.Edge) *testGateway {
	t.Helper()
	o := Options{Upstreams: map[string][]string{}, HealthInterval: 50e6, EjectFor: 100e6,
		Logger: slog.New(slog.DiscardHandler)}
	for svc, list := range ups {
		for _, u := range list {
			o.Upstreams[svc] = append(o.Upstreams[svc], u.URL)
		}
	}
	reg := observability.NewRegistry()
	o.Registerer = reg
	if tweak != nil {
		tweak(&o)
	}
	g, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	g.Start(t.Context())
	t.Cleanup(g.Close)
	if e == nil {
		if e, err = edge.New(edge.Options{WAF: waf.Off}); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(NewServer(g, e, reg, httpx.Options{MaxBodyBytes: 1 << 20}))
	t.Cleanup(srv.Close)
	return &testGateway{Server: srv, g: g}
}

func (tg *testGateway) do(t *testing.T, method, path, body string, hdr ...string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, tg.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := tg.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}
