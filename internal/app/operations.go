package app

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pasarhq/pasar/internal/platform/httpx"
	"github.com/pasarhq/pasar/internal/platform/observability"
)

// routeOperations adds the endpoints operators and orchestrators poll.
func (a *App) routeOperations() {
	a.router.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		httpx.JSON(w, http.StatusOK, map[string]string{"status": "alive"})
	})
	a.router.HandleFunc("GET /readyz", a.readyz)
	a.router.Handle("GET /metrics", observability.MetricsHandler(a.registry))
}

// readyz runs every check at once, each bounded, and names the failing ones.
func (a *App) readyz(w http.ResponseWriter, r *http.Request) {
	select {
	case <-a.draining:
		httpx.WriteProblem(w, r, httpx.Problem{Status: http.StatusServiceUnavailable,
			Title: "Not ready", Detail: "shutting down"})
		return
	default:
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	results := make(map[string]string, len(a.checks))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range a.checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status := "ok"
			if err := c.fn(ctx); err != nil {
				// The cause goes to the log; the answer only names the part.
				status = "failing"
				a.log.Warn("readiness check failed", "check", c.name, "err", err)
			}
			mu.Lock()
			results[c.name] = status
			mu.Unlock()
		}()
	}
	wg.Wait()
	var failing []string
	for name, status := range results {
		if status != "ok" {
			failing = append(failing, name)
		}
	}
	if len(failing) > 0 {
		sort.Strings(failing)
		httpx.WriteProblem(w, r, httpx.Problem{Status: http.StatusServiceUnavailable,
			Title: "Not ready", Detail: "failing: " + strings.Join(failing, ", ")})
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"status": "ready", "checks": results})
}
