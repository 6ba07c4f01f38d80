package payment

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/svcclient"
)

// Client is Service over the payment service's REST API, for an order service in another
// process. Calls carry the bearer token in the context (auth.WithBearer), which needs
// auth.OrdersManage to take payments, auth.OrdersRead for Get and auth.PaymentsRefund for
// Refund. Errors come back as the sentinels Core returns, so errors.Is works in both shapes.
type Client struct {
	caller *svcclient.Caller
}

var _ Service = (*Client)(nil)

// NewClient returns a client of the payment service at base; hc nil means a 30 s timeout
// (a provider may be slow to answer).
func NewClient(base string, hc *http.Client, opts ...svcclient.Option) *Client {
	return &Client{caller: svcclient.New("payment", base, hc, 30*time.Second, errUnavailable, opts...)}
}

var errUnavailable = apperr.New(apperr.Unavailable, "payments_unavailable", "Payments are unavailable right now.")

// call sends one request through the shared service caller.
func (c *Client) call(ctx context.Context, method, path string, in, out any) error {
	return c.caller.Call(ctx, method, path, in, out)
}

func intentPath(id, step string) string {
	return "/api/v1/internal/payments/intents/" + url.PathEscape(id) + "/" + step
}

// CreateIntent calls POST /api/v1/internal/payments/intents.
func (c *Client) CreateIntent(ctx context.Context, r IntentRequest) (Intent, error) {
	var in Intent
	return in, c.call(ctx, "POST", "/api/v1/internal/payments/intents", r, &in)
}

// Charge calls POST /api/v1/internal/payments/intents/{id}/charge.
func (c *Client) Charge(ctx context.Context, id string, card Card) (Intent, error) {
	var out Intent
	return out, c.call(ctx, "POST", intentPath(id, "charge"), bodyOf(card), &out)
}

// Authorize calls POST /api/v1/internal/payments/intents/{id}/authorize.
func (c *Client) Authorize(ctx context.Context, id string, card Card) (Intent, error) {
	var in Intent
	return in, c.call(ctx, "POST", intentPath(id, "authorize"), bodyOf(card), &in)
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
