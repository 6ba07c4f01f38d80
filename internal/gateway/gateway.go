// Package gateway is Pasar's single entry point in the distributed shape: it routes each request
// by path prefix (Table) to a replica of the service that owns it, balances round robin or by
// least connections, takes replicas out of rotation when their /readyz fails (active) or their
// requests fail (passive), retries what is safe to retry on another replica, and passes request
// ids and W3C trace context on. The edge protections (internal/edge) go around it, as in the
// all-in-one server.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// Options configures a Gateway. Zero durations and counts take the defaults in New.
type Options struct {
	// Upstreams are the base URLs of each service's replicas, by service name.
	Upstreams map[string][]string
	// Balance is RoundRobin (default) or LeastConn.
	Balance string
	// HealthInterval is how often every replica's /readyz is asked; HealthTimeout bounds one ask.
	HealthInterval, HealthTimeout time.Duration
	// HealthFall is how many failed checks in a row take a healthy replica out (default 2).
	HealthFall int
	// FailThreshold is how many failed requests in a row take a replica out (default 3); a
	// refused connection takes it out at once. EjectFor is the least time it then stays out.
	FailThreshold int
	EjectFor      time.Duration
	// Attempts bounds the replicas one request is sent to (default 3).
	Attempts int
	// IdleConnsPerReplica is the keep-alive pool kept open to each replica (default 256): sized
	// for the load's concurrency, so busy moments reuse connections instead of dialing.
	IdleConnsPerReplica int
	// ResponseTimeout bounds the wait for a replica's response headers (default 30s).
	ResponseTimeout time.Duration
	// TrustProxy keeps an inbound X-Forwarded-For (set it behind a load balancer only).
	TrustProxy bool
	// OpenAPI are the services' OpenAPI documents; /openapi.json answers them merged with the
	// gateway's own endpoints, less the paths it refuses. None: only the gateway's endpoints.
	OpenAPI [][]byte

	Logger         *slog.Logger
	Registerer     prometheus.Registerer
	TracerProvider trace.TracerProvider // nil: no spans
}

// Gateway holds the replica pools, the shared transport and the health checker.
type Gateway struct {
	o         Options
	log       *slog.Logger
	m         *metrics
	tracer    trace.Tracer
	transport *http.Transport
	dialer    *net.Dialer
	checker   *http.Client
	buffers   *bufferPool
	pools     map[string]*pool
	openapi   []byte // the merged document
	started   atomic.Bool
	stop      context.CancelFunc
	wg        sync.WaitGroup
}

// New validates o and builds the pools; Start begins the health checks.
func New(o Options) (*Gateway, error) {
	defaults(&o)
	if o.Balance != RoundRobin && o.Balance != LeastConn {
		return nil, fmt.Errorf("gateway: balance %q: want %s or %s", o.Balance, RoundRobin, LeastConn)
	}
	g := &Gateway{o: o, log: o.Logger.With("component", "gateway"), m: newMetrics(o.Registerer),
		buffers: newBufferPool(), pools: map[string]*pool{}}
	if o.TracerProvider != nil {
		g.tracer = o.TracerProvider.Tracer("github.com/pasarhq/pasar/internal/gateway")
	}
	g.dialer = &net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}
	g.transport = &http.Transport{
		DialContext: g.dialer.DialContext,
		// The default of 2 idle connections per host would make every burst dial anew.
		MaxIdleConns:          0,
		MaxIdleConnsPerHost:   o.IdleConnsPerReplica,
		IdleConnTimeout:       idleConnTimeout,
		ResponseHeaderTimeout: o.ResponseTimeout,
		ExpectContinueTimeout: time.Second,
		// Encodings pass through untouched: a service's gzip goes to the client as it is.
		DisableCompression: true,
		WriteBufferSize:    32 << 10,
		ReadBufferSize:     32 << 10,
	}
	g.checker = &http.Client{Transport: g.transport, Timeout: o.HealthTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, service := range sortedServices(o.Upstreams) {
		if !known(service) {
			return nil, fmt.Errorf("gateway: unknown service %q (known: %s)", service, strings.Join(Services, ", "))
		}
		p, err := g.newPool(service, o.Upstreams[service])
		if err != nil {
			return nil, err
		}
		if p != nil {
			g.pools[service] = p
		}
	}
	var err error
	if g.openapi, err = document(o.OpenAPI); err != nil {
		return nil, err
	}
	if len(g.pools) == 0 {
		return nil, errors.New("gateway: no upstreams: set PASAR_<SERVICE>_URL for the services, e.g. PASAR_CATALOG_URL")
	}
	return g, nil
}

func defaults(o *Options) {
	if o.Balance == "" {
		o.Balance = RoundRobin
	}
	set := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	set(&o.HealthInterval, 2*time.Second)
	set(&o.HealthTimeout, time.Second)
	set(&o.EjectFor, 5*time.Second)
	set(&o.ResponseTimeout, 30*time.Second)
	for _, c := range []struct {
		p *int
		v int
	}{{&o.HealthFall, 2}, {&o.FailThreshold, 3}, {&o.Attempts, 3}, {&o.IdleConnsPerReplica, 256}} {
		if *c.p <= 0 {
			*c.p = c.v
		}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

func (g *Gateway) newPool(service string, urls []string) (*pool, error) {
	p := &pool{service: service, leastConn: g.o.Balance == LeastConn}
	seen := map[string]bool{}
	for _, raw := range urls {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
			return nil, fmt.Errorf("gateway: %s replica %q: want a URL like http://host:port", service, raw)
		}
		if seen[u.Host+u.Path] {
			return nil, fmt.Errorf("gateway: %s replica %s listed twice", service, u.Host)
		}
		seen[u.Host+u.Path] = true
		r := &replica{base: u, name: u.Host, index: len(p.replicas)}
		r.healthy.Store(true) // until the first check, which Start runs before serving
		r.m = g.m.forReplica(p, r)
		r.conns = &conns{addr: hostPort(u), dial: g.dialer.DialContext, maxIdle: g.o.IdleConnsPerReplica,
			idleFor: idleConnTimeout}
		p.replicas = append(p.replicas, r)
	}
	if len(p.replicas) > maxReplicas {
		return nil, fmt.Errorf("gateway: %s has %d replicas; at most %d", service, len(p.replicas), maxReplicas)
	}
	if len(p.replicas) == 0 {
		return nil, nil
	}
	return p, nil
}

func sortedServices(m map[string][]string) []string {
	s := make([]string, 0, len(m))
	for k := range m {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}

// Start checks every replica once, so traffic only goes to ready ones from the first request,
// then keeps checking in the background until Close.
func (g *Gateway) Start(ctx context.Context) {
	ctx, g.stop = context.WithCancel(context.WithoutCancel(ctx))
	g.checkAll(ctx)
	g.started.Store(true)
	for _, s := range g.Status() {
		g.log.Info("upstream", "service", s.Service, "replicas", s.Replicas, "healthy", s.Healthy)
	}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		g.runChecks(ctx)
	}()
}

// Close stops the health checks and closes idle connections to the replicas.
func (g *Gateway) Close() {
	if g.stop != nil {
		g.stop()
		g.wg.Wait()
	}
	g.transport.CloseIdleConnections()
	for _, p := range g.pools {
		for _, r := range p.replicas {
			r.conns.closeIdle()
		}
	}
}

// idleConnTimeout closes keep-alive connections unused this long, before a replica's own idle
// timeout (two minutes in pasar serve) can close them under a request.
const idleConnTimeout = 90 * time.Second

// hostPort is u's host with the scheme's port when it names none.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return net.JoinHostPort(u.Hostname(), "443")
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

// Routes registers a proxy for every Table prefix but the "/" fallback on rt. A prefix of a service without
// replicas answers 503, and internal prefixes 404, so neither falls through to another route.
func (g *Gateway) Routes(rt *httpx.Router) {
	handlers := map[string]http.Handler{}
	for _, r := range Table {
		if r.Prefix == "/" {
			continue // the fallback: Server sends there what no route matches
		}
		h := handlers[r.Service]
		switch p := g.pools[r.Service]; {
		case r.Internal:
			h = notServed
		case p == nil:
			h = unconfigured(r.Service)
		case h == nil:
			h = g.proxy(p)
			handlers[r.Service] = h
		}
		rt.Handle(r.Prefix, h)
		if !strings.HasSuffix(r.Prefix, ".json") {
			rt.Handle(r.Prefix+"/", h)
		}
	}
}

// fallback returns the handler for paths no registered prefix covers: the web pages' proxy, or
// nil when no page server is configured.
func (g *Gateway) fallback() http.Handler {
	p := g.pools["web"]
	if p == nil {
		return nil
	}
	return g.proxy(p)
}

var notServed = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	httpx.WriteProblem(w, r, httpx.Problem{Status: http.StatusNotFound, Code: "not_found",
		Detail: "Nothing is served at this path."})
})

func unconfigured(service string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteProblem(w, r, httpx.Problem{Status: http.StatusServiceUnavailable, Code: "unavailable",
			Detail: "The " + service + " service is not available at this gateway."})
	})
}

// ServiceStatus is one service's replicas as the gateway sees them.
type ServiceStatus struct {
	Service  string   `json:"service"`
	Replicas int      `json:"replicas"`
	Healthy  int      `json:"healthy"`
	Down     []string `json:"down,omitempty"`
}

// Status lists every configured service's replicas, in Services order.
func (g *Gateway) Status() []ServiceStatus {
	var out []ServiceStatus
	for _, s := range Services {
		p := g.pools[s]
		if p == nil {
			continue
		}
		st := ServiceStatus{Service: s, Replicas: len(p.replicas), Healthy: p.healthyCount()}
		for _, r := range p.replicas {
			if !r.healthy.Load() {
				st.Down = append(st.Down, r.name)
			}
		}
		out = append(out, st)
	}
	return out
}

// Configured lists the services that have replicas.
func (g *Gateway) Configured() []string {
	var out []string
	for s := range g.pools {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}
