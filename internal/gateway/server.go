package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pasarhq/pasar/internal/edge"
	"github.com/pasarhq/pasar/internal/platform/httpx"
	"github.com/pasarhq/pasar/internal/platform/observability"
	"github.com/pasarhq/pasar/internal/platform/openapi"
)

// Server is the gateway's HTTP surface: the proxied routes and its own /healthz, /readyz and
// /metrics, inside the same edge and middleware chain as the all-in-one server.
type Server struct {
	g        *Gateway
	handler  http.Handler
	draining atomic.Bool
	http     httpx.Options
}

// NewServer puts e (WAF, rate limits, security headers, gzip) and httpx.Middleware (request id,
// access log, trace span, body limit) around g's routes. Per-account limits stay with the
// services, which know the account.
func NewServer(g *Gateway, e *edge.Edge, reg *prometheus.Registry, o httpx.Options) *Server {
	s := &Server{g: g, http: o}
	rt := httpx.NewRouter(httpx.NewMetrics(reg))
	rt.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		httpx.JSON(w, http.StatusOK, map[string]string{"status": "alive"})
	})
	rt.HandleFunc("GET /readyz", s.readyz)
	rt.Handle("GET /metrics", observability.MetricsHandler(reg))
	rt.Handle("GET /openapi.json", openapi.Handler(g.openapi))
	g.Routes(rt)
	var h http.Handler = rt
	if web := g.fallback(); web != nil {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if route, _ := Lookup(r.URL.Path); route.Prefix == "/" && !operations[r.URL.Path] {
				web.ServeHTTP(w, r)
				return
			}
			rt.ServeHTTP(w, r)
		})
	}
	s.handler = httpx.Middleware(e.Wrap(h), o)
	return s
}

// operations are the gateway's own endpoints, never passed on.
var operations = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true, "/openapi.json": true}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// readyz is ready while the gateway is not draining. A service with no replica in rotation does
// not make the gateway unready: every gateway replica would see the same, and a load balancer in
// front would take them all out, turning one service's outage into the whole shop's. The answer
// says which services are degraded.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() || !s.g.started.Load() {
		httpx.WriteProblem(w, r, httpx.Problem{Status: http.StatusServiceUnavailable, Title: "Not ready",
			Detail: "starting or shutting down"})
		return
	}
	status, services := "ready", s.g.Status()
	for _, st := range services {
		if st.Healthy == 0 {
			status = "degraded"
		}
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"status": status, "services": services})
}

// Serve answers on l until ctx ends, then turns /readyz to 503, serves on for drainDelay, finishes in-flight requests
// (bounded by shutdownTimeout) and stops the health checks.
func (s *Server) Serve(ctx context.Context, l net.Listener, shutdownTimeout, drainDelay time.Duration, log *slog.Logger) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       s.http.RequestTimeout,
		WriteTimeout:      s.http.RequestTimeout + 5*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	log.Info("gateway serving HTTP", "addr", l.Addr().String(), "services", s.g.Configured(), "balance", s.g.o.Balance)
	select {
	case err := <-errc:
		s.g.Close()
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	s.draining.Store(true)
	httpx.DrainDelay(log, drainDelay, errc)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("in-flight requests cut off at the shutdown timeout", "err", err)
		srv.Close()
	}
	s.g.Close()
	log.Info("stopped")
	return nil
}
