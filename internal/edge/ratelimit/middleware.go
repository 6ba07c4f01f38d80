package ratelimit

import (
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// Limiter answers 429 to clients over their rate. The zero Rate of a kind turns that limit off.
type Limiter struct {
	Store   Store
	Client  Rate         // per client address (httpx.ClientIP)
	Account Rate         // per signed-in account (the principal's subject)
	Logger  *slog.Logger // store failures; nil discards
	// OnRefused, when set, is called with "client" or "account" for each request refused.
	OnRefused func(limit string)
}

// exempt are the operations endpoints: probes and scrapes must never be refused.
var exempt = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// ByClient limits next per client address. It belongs outside the WAF, so a flood is refused
// before the costlier rules run.
func (l *Limiter) ByClient(next http.Handler) http.Handler {
	if !l.Client.Enabled() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if exempt[r.URL.Path] || l.allow(w, r, "ip:"+httpx.ClientIP(r), l.Client, "client") {
			next.ServeHTTP(w, r)
		}
	})
}

// ByAccount limits next per account. It belongs inside the authentication middleware, where the
// principal is known; anonymous requests are left to ByClient.
func (l *Limiter) ByAccount(next http.Handler) http.Handler {
	if !l.Account.Enabled() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := auth.FromContext(r.Context())
		// A call a page server makes for a signed-in person (a token with an actor) follows the
		// page request the page server has already counted: counting each of its calls too would
		// spend the person's allowance several times per page.
		if p.Subject == "" || p.Actor != "" || exempt[r.URL.Path] || l.allow(w, r, "acct:"+p.Subject, l.Account, "account") {
			next.ServeHTTP(w, r)
		}
	})
}

// allow takes a token for key, or answers 429 and reports false. A store that fails (Redis
// down) lets the request through: the limits protect capacity, and refusing every request
// while Redis is away would be the outage they exist to prevent.
func (l *Limiter) allow(w http.ResponseWriter, r *http.Request, key string, rate Rate, limit string) bool {
	ok, retry, err := l.Store.Take(r.Context(), key, rate)
	if err != nil {
		if l.Logger != nil {
			l.Logger.LogAttrs(r.Context(), slog.LevelWarn, "rate limit store failed; request let through",
				slog.String("request_id", httpx.RequestID(r.Context())), slog.String("err", err.Error()))
		}
		return true
	}
	if ok {
		return true
	}
	if l.OnRefused != nil {
		l.OnRefused(limit)
	}
	secs := int(math.Ceil(retry.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	httpx.WriteProblem(w, r, httpx.Problem{Status: http.StatusTooManyRequests, Code: "rate_limited",
		Detail: "Too many requests; try again in " + (time.Duration(max(secs, 1)) * time.Second).String() + "."})
	return false
}
