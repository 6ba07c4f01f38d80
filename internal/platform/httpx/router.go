package httpx

import (
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
)

// Router routes with http.ServeMux patterns ("GET /api/v1/products/{id}")
// and records metrics per route. Unknown paths get a problem+json 404 and a
// wrong method a problem+json 405 with Allow, where ServeMux would answer in
// plain text. The pattern "/" is taken by that fallback; register
// "GET /{$}" for the root.
type Router struct {
	mux      *http.ServeMux
	shadow   *http.ServeMux // same patterns, no fallback: tells 404 from 405
	metrics  *Metrics
	patterns []string // as registered, for Routes
}

// NewRouter returns a Router that records into m (nil: no metrics).
func NewRouter(m *Metrics) *Router {
	rt := &Router{mux: http.NewServeMux(), shadow: http.NewServeMux(), metrics: m}
	rt.mux.Handle("/", rt.wrap(routeUnmatched, "", http.HandlerFunc(rt.fallback)))
	return rt
}

// Handle registers h for pattern, wrapped with the route's metrics. Like
// ServeMux.Handle it panics on an invalid or conflicting pattern: routes are
// fixed at startup and a bad one must stop it.
func (rt *Router) Handle(pattern string, h http.Handler) {
	method, route := splitPattern(pattern)
	rh := rt.wrap(route, method, h)
	rt.mux.Handle(pattern, rh)
	rt.shadow.Handle(pattern, rh)
	rt.patterns = append(rt.patterns, pattern)
}

// Routes returns the registered patterns in registration order, so tests and tools can compare
// what is served with what is documented. Like Handle, it belongs to startup: it is not safe to
// call while routes are still being added.
func (rt *Router) Routes() []string {
	return append([]string(nil), rt.patterns...)
}

// HandleFunc registers f for pattern.
func (rt *Router) HandleFunc(pattern string, f func(http.ResponseWriter, *http.Request)) {
	rt.Handle(pattern, http.HandlerFunc(f))
}

// ServeHTTP dispatches the request to the handler whose pattern matches.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rt.metrics != nil {
		rt.metrics.inFlight.Inc()
		defer rt.metrics.inFlight.Dec()
	}
	rt.mux.ServeHTTP(w, r)
}

// splitPattern separates "GET /x/{id}" into "GET" and "/x/{id}": the method
// is its own label, and the route label is the same for every method.
func splitPattern(pattern string) (method, route string) {
	pattern = strings.TrimSpace(pattern)
	if i := strings.IndexAny(pattern, " \t"); i >= 0 {
		return pattern[:i], strings.TrimSpace(pattern[i+1:])
	}
	return "", pattern
}

// fallback answers requests that match no registered pattern. The shadow
// mux holds the same patterns without this catch-all, so its verdict is the
// standard library's own 404-or-405 with the right Allow list.
func (rt *Router) fallback(w http.ResponseWriter, r *http.Request) {
	h, _ := rt.shadow.Handler(r)
	probe := headerProbe{header: http.Header{}}
	h.ServeHTTP(&probe, r)
	if probe.status == http.StatusMethodNotAllowed {
		allow := probe.header.Get("Allow")
		w.Header().Set("Allow", allow)
		WriteProblem(w, r, Problem{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed",
			Detail: "Method " + r.Method + " is not allowed here; allowed: " + allow + "."})
		return
	}
	WriteProblem(w, r, Problem{Status: http.StatusNotFound, Code: apperr.NotFound.String(),
		Detail: "Nothing is served at this path."})
}

// headerProbe captures what ServeMux's own 404/405 handler would send.
type headerProbe struct {
	header http.Header
	status int
}

func (p *headerProbe) Header() http.Header         { return p.header }
func (p *headerProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *headerProbe) WriteHeader(code int)        { p.status = code }

// wrap returns the handler registered for a route. Metric children are
// resolved here, once; the method-specific ones for a pattern without a
// method (or HEAD on a GET route) are resolved on first use.
func (rt *Router) wrap(route, method string, h http.Handler) *routeHandler {
	rh := &routeHandler{route: route, next: h, metrics: rt.metrics}
	if method != "" {
		rh.forMethod(method)
	}
	return rh
}

// routeHandler runs one route's handler and records its metrics.
type routeHandler struct {
	route    string
	next     http.Handler
	metrics  *Metrics
	byMethod [len(methods)]atomic.Pointer[routeMethod]
}

func (h *routeHandler) forMethod(method string) *routeMethod {
	i := methodIndex(method)
	if rm := h.byMethod[i].Load(); rm != nil {
		return rm
	}
	rm := newRouteMethod(h.metrics, h.route, methods[i])
	if h.byMethod[i].CompareAndSwap(nil, rm) {
		return rm
	}
	return h.byMethod[i].Load()
}

func (h *routeHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rm := h.forMethod(r.Method)
	var rw *responseWriter
	var start time.Time
	if st := stateFrom(r.Context()); st != nil {
		// Middleware already wraps w and timed the request: reuse both.
		st.route, st.spanName = h.route, rm.spanName
		rw, start = &st.rw, st.start
	} else {
		rw, start = &responseWriter{ResponseWriter: w}, time.Now()
		w = rw
	}
	completed := false
	defer func() {
		status := rw.statusOr()
		if !completed && !rw.wroteHeader {
			status = http.StatusInternalServerError // panicked; Middleware answers 500
		}
		rm.observe(status, time.Since(start))
	}()
	h.next.ServeHTTP(w, r)
	completed = true
}
