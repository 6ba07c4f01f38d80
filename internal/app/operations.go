package app

import (
	"context"
	_ "embed"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pasarhq/pasar/internal/platform/httpx"
	"github.com/pasarhq/pasar/internal/platform/observability"
	"github.com/pasarhq/pasar/internal/platform/openapi"
)

// operationsOpenAPI documents the routes this file adds.
//
//go:embed openapi.json
var operationsOpenAPI []byte

// routeOperations adds the endpoints operators and orchestrators poll, and /openapi.json: the
// documents of the services wired so far merged with these routes' own. It runs after the
// services are wired, so a document that conflicts with another stops the start.
func (a *App) routeOperations() error {
	a.router.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		httpx.JSON(w, http.StatusOK, map[string]string{"status": "alive"})
	})
	a.router.HandleFunc("GET /readyz", a.readyz)
	a.router.Handle("GET /metrics", observability.MetricsHandler(a.registry))
	doc, err := openapi.Merge(openapi.Info{Title: "Pasar", Version: "1",
		Description: "The HTTP API of the services this process runs. Errors are application/problem+json (RFC 9457); " +
			"money is integer minor units with an ISO 4217 currency."},
		append(a.openapi, operationsOpenAPI)...)
	if err != nil {
		return err
	}
	a.router.Handle("GET /openapi.json", openapi.Handler(doc))
	return nil
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
