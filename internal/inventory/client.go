package inventory

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/svcclient"
)

// Client is Service over the inventory's REST API, for processes that do not run the inventory.
// Calls carry the bearer token in the context (auth.WithBearer): Get, Adjust, Adjustments,
// LowStock and the reservation calls need one holding auth.InventoryWrite; Available needs none. Errors come back
// as the sentinels Core returns, so errors.Is works in both shapes.
type Client struct {
	caller *svcclient.Caller
}

var _ Service = (*Client)(nil)

// NewClient returns a client of the inventory at base (e.g. "http://inventory:8080"); hc nil
// means a client with a 10 s timeout.
func NewClient(base string, hc *http.Client, opts ...svcclient.Option) *Client {
	return &Client{caller: svcclient.New("inventory", base, hc, 10*time.Second, errUnavailable, opts...)}
}

var errUnavailable = apperr.New(apperr.Unavailable, "inventory_unavailable", "Stock cannot be checked right now.")

// call sends one request through the shared service caller.
func (c *Client) call(ctx context.Context, method, path string, in, out any) error {
	return c.caller.Call(ctx, method, path, in, out)
}

// Get calls GET /api/v1/admin/inventory/{sku} (the full stock, with warehouses).
func (c *Client) Get(ctx context.Context, sku string) (Stock, error) {
	var s Stock
	return s, c.call(ctx, "GET", "/api/v1/admin/inventory/"+url.PathEscape(sku), nil, &s)
}

// LowStock calls GET /api/v1/admin/inventory?low_stock=true.
func (c *Client) LowStock(ctx context.Context, limit int) ([]Stock, error) {
	q := url.Values{"low_stock": {"true"}}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(min(limit, MaxLowStockLimit)))
	}
	var out struct {
		Items []Stock `json:"items"`
	}
	return out.Items, c.call(ctx, "GET", "/api/v1/admin/inventory?"+q.Encode(), nil, &out)
}

// Available calls GET /api/v1/inventory?sku=...
func (c *Client) Available(ctx context.Context, skus []string) (map[string]int64, error) {
	if len(skus) == 0 {
		return map[string]int64{}, nil
	}
	q := url.Values{"sku": skus}
	var out struct {
		Available map[string]int64 `json:"available"`
	}
	return out.Available, c.call(ctx, "GET", "/api/v1/inventory?"+q.Encode(), nil, &out)
}

// Adjust calls PUT /api/v1/admin/inventory/{sku}.
func (c *Client) Adjust(ctx context.Context, a Adjustment) (Stock, error) {
	var s Stock
	in := adjustBody{Warehouse: a.Warehouse, OnHand: &a.OnHand, Reason: a.Reason, LowStockThreshold: a.LowStockThreshold}
	return s, c.call(ctx, "PUT", "/api/v1/admin/inventory/"+url.PathEscape(a.SKU), in, &s)
}

// Adjustments calls GET /api/v1/admin/inventory/{sku}/adjustments.
func (c *Client) Adjustments(ctx context.Context, sku string, limit int) ([]AdjustmentRecord, error) {
	path := "/api/v1/admin/inventory/" + url.PathEscape(sku) + "/adjustments"
	if limit > 0 && limit <= 500 {
		path += "?limit=" + strconv.Itoa(limit)
	}
	var out struct {
		Items []AdjustmentRecord `json:"items"`
	}
	return out.Items, c.call(ctx, "GET", path, nil, &out)
}

func reservationPath(orderID string) string {
	return "/api/v1/internal/inventory/reservations/" + url.PathEscape(orderID)
}

// Reserve calls PUT /api/v1/internal/inventory/reservations/{order}. A TTL is sent in whole
// seconds, rounded up.
func (c *Client) Reserve(ctx context.Context, orderID string, lines []Line, ttl time.Duration) (Reservation, error) {
	if err := checkReservation(orderID, lines, ttl); err != nil {
		return Reservation{}, err // the same answer as the core, without a round trip
	}
	var r Reservation
	in := reserveBody{Lines: lines, TTLSeconds: int64((ttl + time.Second - 1) / time.Second)}
	return r, c.call(ctx, "PUT", reservationPath(orderID), in, &r)
}

// Release calls DELETE /api/v1/internal/inventory/reservations/{order}.
func (c *Client) Release(ctx context.Context, orderID string) error {
	if err := checkSKU("order_id", orderID); err != nil {
		return err
	}
	return c.call(ctx, "DELETE", reservationPath(orderID), nil, nil)
}

// Commit calls POST /api/v1/internal/inventory/reservations/{order}/commit.
func (c *Client) Commit(ctx context.Context, orderID string) error {
	if err := checkSKU("order_id", orderID); err != nil {
		return err
	}
	return c.call(ctx, "POST", reservationPath(orderID)+"/commit", nil, nil)
}

// Restock calls POST /api/v1/internal/inventory/reservations/{order}/restock.
func (c *Client) Restock(ctx context.Context, orderID string) error {
	if err := checkSKU("order_id", orderID); err != nil {
		return err
	}
	return c.call(ctx, "POST", reservationPath(orderID)+"/restock", nil, nil)
}

// Reservation calls GET /api/v1/internal/inventory/reservations/{order}.
func (c *Client) Reservation(ctx context.Context, orderID string) (Reservation, error) {
	if err := checkSKU("order_id", orderID); err != nil {
		return Reservation{}, err
	}
	var r Reservation
	return r, c.call(ctx, "GET", reservationPath(orderID), nil, &r)
}
