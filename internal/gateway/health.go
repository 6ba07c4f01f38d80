package gateway

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// checkAll asks every replica's /readyz at once and waits for the answers.
func (g *Gateway) checkAll(ctx context.Context) {
	var wg sync.WaitGroup
	for _, p := range g.pools {
		for _, r := range p.replicas {
			wg.Add(1)
			go func() {
				defer wg.Done()
				g.checked(p, r, g.check(ctx, r))
			}()
		}
	}
	wg.Wait()
}

// check GETs the replica's /readyz; only a 200 counts as ready.
func (g *Gateway) check(ctx context.Context, r *replica) error {
	ctx, cancel := context.WithTimeout(ctx, g.o.HealthTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base.JoinPath("/readyz").String(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "pasar-gateway-health")
	resp, err := g.checker.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // keeps the connection reusable
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status)
	}
	return nil
}

// checked applies one health check's result: Fall failures in a row take a replica out, one
// success brings it back (once a passive ejection's hold has passed). The first check after
// start decides alone, so a replica that is down at start gets no traffic.
func (g *Gateway) checked(p *pool, r *replica, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	first := !g.started.Load()
	if err == nil {
		r.checkFails = 0
		if !r.healthy.Load() && time.Now().After(r.ejectedUntil) {
			r.fails.Store(0)
			r.healthy.Store(true)
			if !first {
				g.log.Info("replica back in rotation", "service", p.service, "upstream", r.name)
			}
		}
		return
	}
	r.checkFails++
	if r.healthy.Load() && (first || r.checkFails >= g.o.HealthFall) {
		r.healthy.Store(false)
		g.m.ejections.WithLabelValues(p.service, r.name, "check").Inc()
		g.log.Warn("replica out of rotation: readiness check failing", "service", p.service, "upstream", r.name,
			"err", err, "failed_checks", r.checkFails)
	}
}

// failed records a request to r that got no usable answer. A refused connection takes the
// replica out at once (nothing listens there); other failures after FailThreshold in a row.
func (g *Gateway) failed(p *pool, r *replica, err error, status int) {
	fails := r.fails.Add(1)
	if !isDialError(err) && int(fails) < g.o.FailThreshold {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.healthy.Load() {
		return
	}
	r.healthy.Store(false)
	r.ejectedUntil = time.Now().Add(g.o.EjectFor)
	g.m.ejections.WithLabelValues(p.service, r.name, "requests").Inc()
	g.log.Warn("replica out of rotation: requests failing", "service", p.service, "upstream", r.name,
		"err", err, "status", status, "failed_requests", fails)
}

// succeeded resets r's run of failed requests; the load first keeps the common case a read.
func (g *Gateway) succeeded(r *replica) {
	if r.fails.Load() != 0 {
		r.fails.Store(0)
	}
}

// isDialError reports whether err happened before the request left: no connection was made,
// so sending it elsewhere is safe whatever the method.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// runChecks checks every replica each HealthInterval until ctx ends.
func (g *Gateway) runChecks(ctx context.Context) {
	t := time.NewTicker(g.o.HealthInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			g.checkAll(ctx)
		}
	}
}
