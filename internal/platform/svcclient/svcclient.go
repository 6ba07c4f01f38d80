// Package svcclient is how a service's HTTP client calls another process's REST API: JSON in and
// out, the caller's bearer token and request id passed on, problem+json answers turned back into
// the same *apperr.Error the service returns in process (so errors.Is holds in both shapes), and
// an unreachable service reported as Unavailable. One place for what every service's client
// needs across processes: a timeout per attempt, calls spread round robin over the service's
// replicas, idempotent calls retried on another replica, a circuit breaker per replica, and a
// client span with the W3C trace context passed on.
package svcclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// maxAnswerBytes bounds how much of an answer is decoded, so a broken peer cannot exhaust memory.
const maxAnswerBytes = 4 << 20

// Caller calls one service at one or more replicas.
type Caller struct {
	service     string
	replicas    []*replica
	hc          *http.Client
	timeout     time.Duration // per attempt
	breaker     breakerPolicy
	token       func(context.Context) (string, error) // nil: pass the caller's own bearer on
	unavailable *apperr.Error
	next        *counter // round robin position, shared by copies of the Caller
	metrics     *Metrics // nil: not counted
	// OnError may refine the error of a 4xx/5xx answer using the response (e.g. its Retry-After).
	OnError func(*http.Response, *apperr.Error) *apperr.Error
}

// Option changes a Caller.
type Option func(*Caller)

// WithTimeout bounds each attempt of a call (a retry gets a fresh one), overriding the default.
func WithTimeout(d time.Duration) Option {
	return func(c *Caller) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithBreaker opens a replica's breaker after failures consecutive failed attempts; it stays open
// for cooldown, then lets one probe through (half-open) and closes again if the probe succeeds.
func WithBreaker(failures int, cooldown time.Duration) Option {
	return func(c *Caller) {
		if failures > 0 && cooldown > 0 {
			c.breaker = breakerPolicy{failures: failures, cooldown: cooldown}
		}
	}
}

// WithToken makes every call carry the bearer token token returns instead of the caller's own:
// a service calling another with its own permissions (the client-credentials grant).
func WithToken(token func(context.Context) (string, error)) Option {
	return func(c *Caller) { c.token = token }
}

// Default breaker policy: five failures in a row open a replica for five seconds.
const (
	DefaultBreakerFailures = 5
	DefaultBreakerCooldown = 5 * time.Second
)

// New returns a Caller of service at base: one URL (e.g. "http://inventory:8080") or a comma list
// of the service's replicas. hc nil means a shared-nothing client of its own; timeout bounds each
// attempt; unavailable is the error returned, with the cause, when no replica can be reached.
func New(service, base string, hc *http.Client, timeout time.Duration, unavailable *apperr.Error, opts ...Option) *Caller {
	if hc == nil {
		hc = &http.Client{}
	}
	c := &Caller{service: service, hc: hc, timeout: timeout, unavailable: unavailable, next: new(counter),
		breaker: breakerPolicy{failures: DefaultBreakerFailures, cooldown: DefaultBreakerCooldown}}
	for _, b := range strings.Split(base, ",") {
		if b = strings.TrimRight(strings.TrimSpace(b), "/"); b != "" {
			c.replicas = append(c.replicas, &replica{base: b})
		}
	}
	for _, o := range opts {
		o(c)
	}
	if c.metrics != nil {
		for _, r := range c.replicas {
			c.metrics.bind(service, r, c.breaker)
		}
	}
	return c
}

// With returns a copy of c with opts applied; the copy shares c's replicas, their breakers and
// its round robin.
func (c *Caller) With(opts ...Option) *Caller {
	cc := *c
	for _, o := range opts {
		o(&cc)
	}
	return &cc
}

// Call sends in as JSON (nil: no body) with extra headers given as name, value pairs, and
// decodes a 2xx answer into out (nil: ignore it). Error texts name the method and path only,
// never the body, which may hold secrets.
func (c *Caller) Call(ctx context.Context, method, path string, in, out any, hdr ...string) error {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = b
	}
	h := make(http.Header, 4+len(hdr)/2)
	if in != nil {
		h.Set("Content-Type", "application/json")
	}
	tok := auth.BearerFrom(ctx)
	if c.token != nil {
		t, err := c.token(ctx)
		if err != nil {
			return c.unavailable.WithCause(fmt.Errorf("%s %s %s: service token: %w", c.service, method, path, err))
		}
		tok = t
	}
	if tok != "" {
		h.Set("Authorization", "Bearer "+tok)
	}
	if id := httpx.RequestID(ctx); id != "" {
		h.Set("X-Request-Id", id)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		h.Set(hdr[i], hdr[i+1])
	}
	resp, cancel, err := c.send(ctx, method, path, body, h)
	if err != nil {
		return err
	}
	defer cancel()
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		e := httpx.ErrorFromResponse(resp)
		if c.OnError != nil {
			e = c.OnError(resp, e)
		}
		return e
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxAnswerBytes)).Decode(out); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return c.unavailable.WithCause(fmt.Errorf("%s %s %s: %w", c.service, method, path, err))
		}
		return fmt.Errorf("%s %s %s: decode answer: %w", c.service, method, path, err)
	}
	return nil
}

// send tries the replicas in round robin order until one answers (see attempts), inside one
// client span. The returned cancel ends the answering attempt's timeout once its body is read.
func (c *Caller) send(ctx context.Context, method, path string, body []byte, h http.Header) (*http.Response, context.CancelFunc, error) {
	ctx, span := startSpan(ctx, c.service, method, path)
	defer span.End()
	inject(ctx, h)
	idempotent := idempotentCall(method, h)
	start := c.next.add(len(c.replicas))
	var lastErr error
	tried := 0
	for i := range c.replicas {
		r := c.replicas[(start+i)%len(c.replicas)]
		if !r.allow(c.breaker, time.Now()) {
			continue
		}
		if tried > 0 && !idempotent && !refused(lastErr) {
			break // the request may have reached the last replica: sending it again could do it twice
		}
		tried++
		sent := time.Now()
		resp, cancel, err := c.attempt(ctx, r, method, path, body, h)
		status := 0
		if err == nil {
			status = resp.StatusCode
		}
		c.attempted(r, status, time.Since(sent))
		if err == nil && !overloaded(resp.StatusCode) {
			c.result(r, true)
			recordAttempt(span, r.base, tried, resp.StatusCode, nil)
			c.called(status, tried)
			return resp, cancel, nil
		}
		c.result(r, false)
		if err == nil { // a 502/503/504: retry on another replica when that is safe, else answer it
			if !idempotent || i == len(c.replicas)-1 {
				recordAttempt(span, r.base, tried, resp.StatusCode, nil)
				c.called(status, tried)
				return resp, cancel, nil
			}
			resp.Body.Close()
			cancel()
			lastErr = fmt.Errorf("%s answered %d", r.base, resp.StatusCode)
			continue
		}
		lastErr = err
		if ctx.Err() != nil {
			break // the caller gave up: no other replica can help
		}
	}
	if tried == 0 {
		lastErr = errBreakerOpen
	}
	err := c.unavailable.WithCause(fmt.Errorf("%s %s %s: %w", c.service, method, path, lastErr))
	recordAttempt(span, "", tried, 0, err)
	c.called(0, tried)
	return nil, nil, err
}

// result records an attempt's outcome on r's breaker, counting the breaker's openings.
func (c *Caller) result(r *replica, ok bool) {
	if r.result(c.breaker, ok, time.Now()) && r.m != nil {
		r.m.opens.Inc()
	}
}

// attempt sends the request once to replica r, bounded by the per-attempt timeout.
func (c *Caller) attempt(ctx context.Context, r *replica, method, path string, body []byte, h http.Header) (*http.Response, context.CancelFunc, error) {
	actx, cancel := ctx, context.CancelFunc(func() {})
	if c.timeout > 0 {
		actx, cancel = context.WithTimeout(ctx, c.timeout)
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, method, r.base+path, rd)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	req.Header = h.Clone()
	resp, err := c.hc.Do(req)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	return resp, cancel, nil
}

// HTTPClient returns the client c sends through.
func (c *Caller) HTTPClient() *http.Client { return c.hc }

// WithHTTPClient returns a copy of c that sends through hc, e.g. one that keeps cookies.
func (c *Caller) WithHTTPClient(hc *http.Client) *Caller {
	cc := *c
	cc.hc = hc
	return &cc
}

// Stream sends body (of contentType) once, without retries on another replica unless none was
// reached, and returns a 2xx answer for the caller to read and close; an error answer comes back
// as the service's error, as from Call. done ends the attempt's timeout; call it after reading.
func (c *Caller) Stream(ctx context.Context, method, path, contentType string, body []byte) (resp *http.Response, done func(), err error) {
	h := http.Header{"Content-Type": {contentType}}
	tok := auth.BearerFrom(ctx)
	if c.token != nil {
		if tok, err = c.token(ctx); err != nil {
			return nil, nil, c.unavailable.WithCause(fmt.Errorf("%s %s %s: service token: %w", c.service, method, path, err))
		}
	}
	if tok != "" {
		h.Set("Authorization", "Bearer "+tok)
	}
	if id := httpx.RequestID(ctx); id != "" {
		h.Set("X-Request-Id", id)
	}
	resp, cancel, err := c.send(ctx, method, path, body, h)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode >= 400 {
		defer cancel()
		defer resp.Body.Close()
		e := httpx.ErrorFromResponse(resp)
		if c.OnError != nil {
			e = c.OnError(resp, e)
		}
		return nil, nil, e
	}
	return resp, func() { resp.Body.Close(); cancel() }, nil
}
