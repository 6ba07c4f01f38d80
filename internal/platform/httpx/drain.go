package httpx

import (
	"log/slog"
	"time"
)

// DrainDelay is the pause between a server turning its /readyz to 503 and closing its
// listener: it keeps serving for d, so a load balancer polling /readyz stops sending new
// requests before connections are refused. It ends early when the server fails (errc).
func DrainDelay(log *slog.Logger, d time.Duration, errc <-chan error) {
	if d <= 0 {
		return
	}
	log.Info("draining: /readyz answers 503, still serving", "for", d.String())
	select {
	case <-time.After(d):
	case err := <-errc:
		log.Warn("http server stopped while draining", "err", err)
	}
}
