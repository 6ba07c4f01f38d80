package payment

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// Client is Service over the payment service's REST API, for an order service in another
// process. Calls carry the bearer token in the context (auth.WithBearer), which needs
// auth.OrdersManage to take payments, auth.OrdersRead for Get and auth.PaymentsRefund for
// Refund. Errors come back as the sentinels Core returns, so errors.Is works in both shapes.
type Client struct {
	base string
	hc   *http.Client
}

var _ Service = (*Client)(nil)

// NewClient returns a client of the payment service at base; hc nil means a 30 s timeout
// (a provider may be slow to answer).
func NewClient(base string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{base: strings.TrimRight(base, "/"), hc: hc}
}

var errUnavailable = apperr.New(apperr.Unavailable, "payments_unavailable", "Payments are unavailable right now.")

// call sends in as JSON (nil: no body) and decodes a 2xx answer into out.
func (c *Client) call(ctx context.Context, method, path string, in, out any) error {
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
		return fmt.Errorf("payment %s %s: %w", method, path, err)
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
	resp, err := c.hc.Do(req)
	if err != nil {
		// The error text names the URL only: the body, which may hold a card, is never in it.
		return errUnavailable.WithCause(fmt.Errorf("payment %s %s: %w", method, path, err))
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		return httpx.ErrorFromResponse(resp)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(out); err != nil {
		return fmt.Errorf("payment %s %s: decode answer: %w", method, path, err)
	}
	return nil
}

func intentPath(id, step string) string {
	return "/api/v1/internal/payments/intents/" + url.PathEscape(id) + "/" + step
}

// CreateIntent calls POST /api/v1/internal/payments/intents.
func (c *Client) CreateIntent(ctx context.Context, r IntentRequest) (Intent, error) {
	var in Intent
	return in, c.call(ctx, "POST", "/api/v1/internal/payments/intents", r, &in)
}

// Authorize calls POST /api/v1/internal/payments/intents/{id}/authorize.
func (c *Client) Authorize(ctx context.Context, id string, card Card) (Intent, error) {
	var in Intent
	b := cardBody{Number: card.Number, ExpMonth: card.ExpMonth, ExpYear: card.ExpYear, CVC: card.CVC}
	return in, c.call(ctx, "POST", intentPath(id, "authorize"), b, &in)
}

// Capture calls POST /api/v1/internal/payments/intents/{id}/capture.
func (c *Client) Capture(ctx context.Context, id string, amount int64) (Intent, error) {
	var in Intent
	return in, c.call(ctx, "POST", intentPath(id, "capture"), amountBody{Amount: amount}, &in)
}

// Void calls POST /api/v1/internal/payments/intents/{id}/void.
func (c *Client) Void(ctx context.Context, id string) (Intent, error) {
	var in Intent
	return in, c.call(ctx, "POST", intentPath(id, "void"), nil, &in)
}

// Refund calls POST /api/v1/internal/payments/intents/{id}/refund.
func (c *Client) Refund(ctx context.Context, id string, amount int64, reason string) (Intent, error) {
	var in Intent
	return in, c.call(ctx, "POST", intentPath(id, "refund"), amountBody{Amount: amount, Reason: reason}, &in)
}

// Get calls GET /api/v1/admin/payments/{id}.
func (c *Client) Get(ctx context.Context, id string) (Intent, error) {
	var in Intent
	return in, c.call(ctx, "GET", "/api/v1/admin/payments/"+url.PathEscape(id), nil, &in)
}
