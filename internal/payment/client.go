package payment

import (
	"context"
	"errors"
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
	c := svcclient.New("payment", base, hc, 30*time.Second, errUnavailable, opts...)
	c.OnError = func(resp *http.Response, e *apperr.Error) *apperr.Error {
		// A failed pay names the intent it recorded, for Pay to return.
		if id := resp.Header.Get(intentHeader); id != "" {
			return e.WithCause(&recordedIntent{id: id, err: e.Err})
		}
		return e
	}
	return &Client{caller: c}
}

// recordedIntent is the cause of a failed pay's error: the intent the service recorded anyway.
type recordedIntent struct {
	id  string
	err error // the remote cause it replaces
}

func (r *recordedIntent) Error() string {
	if r.err == nil {
		return "intent " + r.id
	}
	return "intent " + r.id + ": " + r.err.Error()
}

func (r *recordedIntent) Unwrap() error { return r.err }

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

// Pay calls POST /api/v1/internal/payments/pay. A failed pay that recorded an intent returns it
// with its ID only (from the answer's Pasar-Payment-Intent header), which is all a caller needs
// to void it.
func (c *Client) Pay(ctx context.Context, r IntentRequest, card Card, capture bool) (Intent, error) {
	var in Intent
	err := c.call(ctx, "POST", "/api/v1/internal/payments/pay", payBody{IntentRequest: r, Card: bodyOf(card), Capture: capture}, &in)
	if err != nil {
		var rec *recordedIntent
		if errors.As(err, &rec) {
			return Intent{ID: rec.id}, err
		}
		return Intent{}, err
	}
	return in, nil
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
