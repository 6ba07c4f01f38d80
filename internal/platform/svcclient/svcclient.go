// Package svcclient is how a service's HTTP client calls another process's REST API: JSON in and
// out, the caller's bearer token and request id passed on, problem+json answers turned back into
// the same *apperr.Error the service returns in process (so errors.Is holds in both shapes), and
// an unreachable service reported as Unavailable. One place, so timeouts, retries and circuit
// breaking are added once for every service.
package svcclient

import (
	"bytes"
	"context"
	"encoding/json"
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

// Caller calls one service at one base URL.
type Caller struct {
	service     string
	base        string
	hc          *http.Client
	unavailable *apperr.Error
	// OnError may refine the error of a 4xx/5xx answer using the response (e.g. its Retry-After).
	OnError func(*http.Response, *apperr.Error) *apperr.Error
}

// New returns a Caller of service at base (e.g. "http://inventory:8080"). hc nil means a client
// with timeout; unavailable is the error returned, with the cause, when the service cannot be
// reached.
func New(service, base string, hc *http.Client, timeout time.Duration, unavailable *apperr.Error) *Caller {
	if hc == nil {
		hc = &http.Client{Timeout: timeout}
	}
	return &Caller{service: service, base: strings.TrimRight(base, "/"), hc: hc, unavailable: unavailable}
}

// Call sends in as JSON (nil: no body) with extra headers given as name, value pairs, and
// decodes a 2xx answer into out (nil: ignore it). Error texts name the method and path only,
// never the body, which may hold secrets.
func (c *Caller) Call(ctx context.Context, method, path string, in, out any, hdr ...string) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("%s %s %s: %w", c.service, method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if t := auth.BearerFrom(ctx); t != "" {
		req.Header.Set("Authorization", "Bearer "+t)
	}
	if id := httpx.RequestID(ctx); id != "" {
		req.Header.Set("X-Request-Id", id)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.unavailable.WithCause(fmt.Errorf("%s %s %s: %w", c.service, method, path, err))
	}
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
		return fmt.Errorf("%s %s %s: decode answer: %w", c.service, method, path, err)
	}
	return nil
}

// HTTPClient returns the client c sends through.
func (c *Caller) HTTPClient() *http.Client { return c.hc }

// WithHTTPClient returns a copy of c that sends through hc, e.g. one that keeps cookies.
func (c *Caller) WithHTTPClient(hc *http.Client) *Caller {
	cc := *c
	cc.hc = hc
	return &cc
}
