package order

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/svcclient"
)

// Client is Service over the order REST API, for processes (the storefront, the admin pages)
// that do not run the order service. Calls carry the caller's bearer token
// (auth.WithBearer). Errors come back as the sentinels Core returns, so errors.Is works in both
// shapes. A checkout carries its idempotency key, so it is retried on another replica safely.
type Client struct {
	caller *svcclient.Caller
}

var _ Service = (*Client)(nil)

// NewClient returns a client of the order service at base (one URL or a comma list of
// replicas); hc nil means a client of its own. A call attempt times out after 60 s (a checkout
// waits on stock and payment) unless opts say otherwise.
func NewClient(base string, hc *http.Client, opts ...svcclient.Option) *Client {
	return &Client{caller: svcclient.New("order", base, hc, time.Minute, errUnavailable, opts...)}
}

var errUnavailable = apperr.New(apperr.Unavailable, "orders_unavailable", "Orders are unavailable right now.")

// Checkout calls POST /api/v1/checkout with the Idempotency-Key header.
func (c *Client) Checkout(ctx context.Context, key string, r CheckoutRequest) (Order, error) {
	if key == "" {
		return Order{}, ErrMissingKey
	}
	var o Order
	return o, c.caller.Call(ctx, "POST", "/api/v1/checkout", r, &o, "Idempotency-Key", key)
}

// Get calls GET /api/v1/orders/{id}.
func (c *Client) Get(ctx context.Context, id string) (Order, error) {
	if id == "" {
		return Order{}, ErrNotFound
	}
	var o Order
	return o, c.caller.Call(ctx, "GET", "/api/v1/orders/"+url.PathEscape(id), nil, &o)
}

func withLimit(path string, v url.Values, limit int) string {
	if limit != 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	return path
}

// Mine calls GET /api/v1/orders.
func (c *Client) Mine(ctx context.Context, limit int) ([]Order, error) {
	var out struct {
		Orders []Order `json:"orders"`
	}
	return out.Orders, c.caller.Call(ctx, "GET", withLimit("/api/v1/orders", url.Values{}, limit), nil, &out)
}

// List calls GET /api/v1/admin/orders.
func (c *Client) List(ctx context.Context, f Filter) ([]Order, error) {
	v := url.Values{}
	if f.Status != "" {
		v.Set("status", string(f.Status))
	}
	var out struct {
		Orders []Order `json:"orders"`
	}
	return out.Orders, c.caller.Call(ctx, "GET", withLimit("/api/v1/admin/orders", v, f.Limit), nil, &out)
}

// act calls POST /api/v1/admin/orders/{id}/{action}.
func (c *Client) act(ctx context.Context, id, action string, b actionBody) (Order, error) {
	if id == "" {
		return Order{}, ErrNotFound
	}
	var o Order
	return o, c.caller.Call(ctx, "POST", "/api/v1/admin/orders/"+url.PathEscape(id)+"/"+action, b, &o)
}

// Ship calls POST /api/v1/admin/orders/{id}/ship.
func (c *Client) Ship(ctx context.Context, id, tracking string) (Order, error) {
	return c.act(ctx, id, "ship", actionBody{TrackingNumber: tracking})
}

// Deliver calls POST /api/v1/admin/orders/{id}/deliver.
func (c *Client) Deliver(ctx context.Context, id, note string) (Order, error) {
	return c.act(ctx, id, "deliver", actionBody{Reason: note})
}

// Cancel calls POST /api/v1/admin/orders/{id}/cancel.
func (c *Client) Cancel(ctx context.Context, id, reason string) (Order, error) {
	return c.act(ctx, id, "cancel", actionBody{Reason: reason})
}

// Refund calls POST /api/v1/admin/orders/{id}/refund.
func (c *Client) Refund(ctx context.Context, id, reason string) (Order, error) {
	return c.act(ctx, id, "refund", actionBody{Reason: reason})
}
