// Package edge is what stands between the internet and Pasar's handlers: security headers, a
// UTF-8 check, rate limits per client address and per account, the OWASP Coraza WAF, gzip, and
// TLS for the listener. The all-in-one server applies it in internal/app; the gateway wraps its
// proxy in the same chain.
package edge

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/pasarhq/pasar/internal/edge/ratelimit"
	"github.com/pasarhq/pasar/internal/edge/waf"
)

// Options configures an Edge.
type Options struct {
	WAF          waf.Mode
	MaxBodyBytes int64          // the WAF inspects bodies up to this size
	ClientRate   ratelimit.Rate // per client address; zero: no limit
	AccountRate  ratelimit.Rate // per account; zero: no limit
	RedisURL     string         // when set, rate limit buckets live in Redis, shared by replicas
	RedisPrefix  string         // key prefix in Redis; empty means "pasar:ratelimit:"
	Logger       *slog.Logger
	Registerer   prometheus.Registerer // WAF incidents and rate-limit refusals; nil: not counted
}

// Edge holds the compiled WAF and the rate limit store for the life of the process.
type Edge struct {
	waf     *waf.WAF
	limiter *ratelimit.Limiter
	rdb     *redis.Client // nil with in-process buckets
}

// New compiles the WAF rules (about a second with the WAF on) and opens the rate limit store.
func New(o Options) (*Edge, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	m := newMetrics(o.Registerer)
	wo := waf.Options{Mode: o.WAF, MaxBodyBytes: o.MaxBodyBytes, Logger: o.Logger}
	if m != nil {
		wo.OnIncident = m.incident
	}
	w, err := waf.New(wo)
	if err != nil {
		return nil, err
	}
	e := &Edge{waf: w}
	var store ratelimit.Store = ratelimit.NewMemory(nil)
	if o.RedisURL != "" && (o.ClientRate.Enabled() || o.AccountRate.Enabled()) {
		opt, err := redis.ParseURL(o.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("rate limits: Redis URL: %w", err)
		}
		prefix := o.RedisPrefix
		if prefix == "" {
			prefix = "pasar:ratelimit:"
		}
		e.rdb = redis.NewClient(opt)
		store = ratelimit.NewRedis(e.rdb, prefix)
	}
	e.limiter = &ratelimit.Limiter{Store: store, Client: o.ClientRate, Account: o.AccountRate, Logger: o.Logger}
	if m != nil {
		e.limiter.OnRefused = m.refused
	}
	return e, nil
}

// Wrap puts the edge in front of next, outermost first: security headers (so every answer
// carries them, refusals included), the UTF-8 check, the client rate limit (before the costlier
// WAF), the WAF, then compression. Authentication and AccountLimit go inside, around the router.
func (e *Edge) Wrap(next http.Handler) http.Handler {
	h := compress(next)
	h = e.waf.Wrap(h)
	h = e.limiter.ByClient(h)
	h = validUTF8(h)
	return secureHeaders(h)
}

// AccountLimit limits next per signed-in account; it goes inside the authentication middleware.
func (e *Edge) AccountLimit(next http.Handler) http.Handler {
	return e.limiter.ByAccount(next)
}

// WAFMode returns the mode the WAF runs in.
func (e *Edge) WAFMode() waf.Mode { return e.waf.Mode() }

// Close releases the Redis client, if any.
func (e *Edge) Close() error {
	if e.rdb != nil {
		return e.rdb.Close()
	}
	return nil
}
