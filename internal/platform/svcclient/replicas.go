package svcclient

import (
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// errBreakerOpen is the cause when every replica's breaker refuses the call.
var errBreakerOpen = errors.New("every replica's circuit breaker is open")

// counter hands out round robin positions.
type counter struct{ n atomic.Uint64 }

func (c *counter) add(mod int) int {
	if mod <= 1 {
		return 0
	}
	return int((c.n.Add(1) - 1) % uint64(mod))
}

type breakerPolicy struct {
	failures int
	cooldown time.Duration
}

// replica is one base URL of a service with its circuit breaker: closed (calls go through) until
// failures attempts in a row fail; then open (calls skip it) for the cooldown; then half-open, when
// one probe goes through and its outcome closes or reopens the breaker.
type replica struct {
	base string
	m    *replicaMetrics // nil without WithMetrics

	mu       sync.Mutex
	failures int       // consecutive failed attempts
	openedAt time.Time // zero while closed
	probing  bool      // a half-open probe is in flight
}

// allow tells whether an attempt may go to r now, and marks the probe when half-open.
func (r *replica) allow(p breakerPolicy, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.openedAt.IsZero() {
		return true
	}
	if now.Sub(r.openedAt) < p.cooldown || r.probing {
		return false
	}
	r.probing = true
	return true
}

// result records an attempt's outcome, and reports whether it opened the breaker (attempts that
// were in flight when it opened keep it open, they do not open it again).
func (r *replica) result(p breakerPolicy, ok bool, now time.Time) (opened bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ok {
		r.failures, r.openedAt, r.probing = 0, time.Time{}, false
		return false
	}
	r.failures++
	if r.probing || r.failures >= p.failures {
		opened = r.openedAt.IsZero() || r.probing
		r.openedAt, r.probing = now, false
	}
	return opened
}

// State names r's breaker state, for tests and diagnostics: "closed", "open" or "half-open".
func (r *replica) state(p breakerPolicy, now time.Time) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.openedAt.IsZero():
		return "closed"
	case r.probing || now.Sub(r.openedAt) >= p.cooldown:
		return "half-open"
	}
	return "open"
}

// idempotentCall tells whether sending the request twice does no more than sending it once:
// GET, HEAD, PUT and DELETE by their definition, and a POST carrying an Idempotency-Key.
func idempotentCall(method string, h http.Header) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return h.Get("Idempotency-Key") != ""
}

// refused tells whether err shows the request never reached the replica (nothing listening,
// no route), so any call may safely go to another.
func refused(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, errBreakerOpen)
}

// overloaded tells whether a status says the replica (or a proxy in front of it) could not
// serve the call, rather than the call being wrong: those count against its breaker.
func overloaded(status int) bool {
	return status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}
