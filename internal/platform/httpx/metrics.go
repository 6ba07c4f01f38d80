package httpx

import (
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// routeUnmatched labels requests no registered pattern matched, so scanners
// cannot mint one series per probed path.
const routeUnmatched = "unmatched"

// Metrics holds the HTTP metrics a Router records per route.
type Metrics struct {
	requests *prometheus.CounterVec   // route, method, code
	duration *prometheus.HistogramVec // route, method
	inFlight prometheus.Gauge
}

// NewMetrics creates the HTTP metrics and registers them with reg (nil: not
// registered, e.g. in benchmarks). Registering on a registry that already
// has them reuses those, so several Routers can share one registry.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "HTTP requests served, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "http_request_duration_seconds",
			Help: "Time from receiving an HTTP request to its handler returning, by route pattern and method.",
			// Finer than DefBuckets at the low end: catalog reads take well under 5 ms.
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "http_requests_in_flight",
			Help: "HTTP requests being served.",
		}),
	}
	if reg != nil {
		m.requests = register(reg, m.requests)
		m.duration = register(reg, m.duration)
		m.inFlight = register(reg, m.inFlight)
	}
	return m
}

// register registers c, or returns the collector already registered under
// the same description. Any other error is a programming error (a metric of
// the same name with other labels) that must fail at startup, not hide.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	switch {
	case err == nil:
		return c
	case errors.As(err, &are):
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing
		}
	}
	panic("httpx: register metrics: " + err.Error())
}

// methods are the label values for request methods; anything else is
// "_OTHER" (OpenTelemetry's convention) so arbitrary methods cannot grow the
// series count.
var methods = [...]string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace, "_OTHER",
}

func methodIndex(m string) int {
	switch m {
	case http.MethodGet:
		return 0
	case http.MethodHead:
		return 1
	case http.MethodPost:
		return 2
	case http.MethodPut:
		return 3
	case http.MethodPatch:
		return 4
	case http.MethodDelete:
		return 5
	case http.MethodOptions:
		return 6
	case http.MethodConnect:
		return 7
	case http.MethodTrace:
		return 8
	}
	return len(methods) - 1
}

// routeMethod is one (route, method) pair with its metric children resolved,
// so recording a request costs atomic adds and one small map read.
type routeMethod struct {
	spanName string
	duration prometheus.Observer    // nil when the Router has no Metrics
	requests *prometheus.CounterVec // curried with route and method; only code is left

	mu    sync.Mutex // serialises adding a status code to codes
	codes atomic.Pointer[map[int]prometheus.Counter]
}

func newRouteMethod(m *Metrics, route, method string) *routeMethod {
	rm := &routeMethod{spanName: method + " " + route}
	if method == "_OTHER" {
		rm.spanName = "HTTP " + route
	}
	empty := map[int]prometheus.Counter{}
	rm.codes.Store(&empty)
	if m != nil {
		labels := prometheus.Labels{"route": route, "method": method}
		rm.duration = m.duration.With(labels)
		rm.requests = m.requests.MustCurryWith(labels)
	}
	return rm
}

func (rm *routeMethod) observe(status int, d time.Duration) {
	if rm.duration == nil {
		return
	}
	rm.duration.Observe(d.Seconds())
	rm.counter(status).Inc()
}

// counter returns the child for status. The map is copied on write: reads
// take no lock, and a route sees only a handful of distinct codes.
func (rm *routeMethod) counter(status int) prometheus.Counter {
	if c, ok := (*rm.codes.Load())[status]; ok {
		return c
	}
	rm.mu.Lock()
	defer rm.mu.Unlock()
	old := *rm.codes.Load()
	if c, ok := old[status]; ok {
		return c
	}
	c := rm.requests.WithLabelValues(strconv.Itoa(status))
	next := make(map[int]prometheus.Counter, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[status] = c
	rm.codes.Store(&next)
	return c
}
