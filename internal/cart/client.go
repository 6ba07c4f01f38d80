package cart

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/svcclient"
)

// Client is Service over the cart's REST API, for processes that do not run the cart. Calls on
// a cart carry the caller's bearer token (auth.WithBearer), so a customer's cart is theirs only,
// as in process. Delete and Redeem follow a paid order and need auth.OrdersManage: with
// WithServiceToken they carry the calling service's own token. Errors come back as the
// sentinels Core returns, so errors.Is works in both shapes.
type Client struct {
	caller  *svcclient.Caller
	service *svcclient.Caller // for Delete and Redeem
}

var _ Service = (*Client)(nil)

// NewClient returns a client of the cart service at base (one URL or a comma list of replicas);
// hc nil means a client of its own. A call attempt times out after 10 s unless opts say otherwise.
func NewClient(base string, hc *http.Client, opts ...svcclient.Option) *Client {
	c := svcclient.New("cart", base, hc, 10*time.Second, errUnavailable, opts...)
	return &Client{caller: c, service: c}
}

// WithServiceToken returns a copy of c whose Delete and Redeem carry token's token.
func (c *Client) WithServiceToken(token func(context.Context) (string, error)) *Client {
	return &Client{caller: c.caller, service: c.caller.With(svcclient.WithToken(token))}
}

var errUnavailable = apperr.New(apperr.Unavailable, "cart_unavailable", "Carts are unavailable right now.")

func cartPath(id string) string { return "/api/v1/carts/" + url.PathEscape(id) }

// view sends one call answered with a cart.
func (c *Client) view(ctx context.Context, method, path string, in any) (View, error) {
	var v View
	return v, c.caller.Call(ctx, method, path, in, &v)
}

// Create calls POST /api/v1/carts.
func (c *Client) Create(ctx context.Context, currency string) (View, error) {
	return c.view(ctx, "POST", "/api/v1/carts", map[string]string{"currency": currency})
}

// Get calls GET /api/v1/carts/{id}.
func (c *Client) Get(ctx context.Context, id string) (View, error) {
	if !ValidID(id) {
		return View{}, ErrBadID
	}
	return c.view(ctx, "GET", cartPath(id), nil)
}

// Quote calls GET /api/v1/internal/carts/{id}/quote.
func (c *Client) Quote(ctx context.Context, id string, d Destination) (View, error) {
	if !ValidID(id) {
		return View{}, ErrBadID
	}
	q := url.Values{}
	for k, v := range map[string]string{"shipping_method": d.ShippingMethod, "country": d.Country, "region": d.Region} {
		if v != "" {
			q.Set(k, v)
		}
	}
	path := "/api/v1/internal/carts/" + url.PathEscape(id) + "/quote"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return c.view(ctx, "GET", path, nil)
}

// SetDestination calls PATCH /api/v1/carts/{id}.
func (c *Client) SetDestination(ctx context.Context, id string, d Destination) (View, error) {
	if !ValidID(id) {
		return View{}, ErrBadID
	}
	return c.view(ctx, "PATCH", cartPath(id), map[string]string{"shipping_method": d.ShippingMethod,
		"country": d.Country, "region": d.Region})
}

// AddItem calls POST /api/v1/carts/{id}/items.
func (c *Client) AddItem(ctx context.Context, id, sku string, quantity int64) (View, error) {
	if !ValidID(id) {
		return View{}, ErrBadID
	}
	return c.view(ctx, "POST", cartPath(id)+"/items", map[string]any{"sku": sku, "quantity": quantity})
}

// SetQuantity calls PATCH /api/v1/carts/{id}/items/{sku}.
func (c *Client) SetQuantity(ctx context.Context, id, sku string, quantity int64) (View, error) {
	if !ValidID(id) {
		return View{}, ErrBadID
	}
	return c.view(ctx, "PATCH", cartPath(id)+"/items/"+url.PathEscape(sku), map[string]int64{"quantity": quantity})
}

// RemoveItem calls DELETE /api/v1/carts/{id}/items/{sku}.
func (c *Client) RemoveItem(ctx context.Context, id, sku string) (View, error) {
	if !ValidID(id) {
		return View{}, ErrBadID
	}
	return c.view(ctx, "DELETE", cartPath(id)+"/items/"+url.PathEscape(sku), nil)
}

// ApplyDiscount calls POST /api/v1/carts/{id}/discount.
func (c *Client) ApplyDiscount(ctx context.Context, id, code string) (View, error) {
	if !ValidID(id) {
		return View{}, ErrBadID
	}
	return c.view(ctx, "POST", cartPath(id)+"/discount", map[string]string{"code": code})
}

// RemoveDiscount calls DELETE /api/v1/carts/{id}/discount.
func (c *Client) RemoveDiscount(ctx context.Context, id string) (View, error) {
	if !ValidID(id) {
		return View{}, ErrBadID
	}
	return c.view(ctx, "DELETE", cartPath(id)+"/discount", nil)
}

// Merge calls POST /api/v1/carts/{guest}/merge, which merges into the cart of the caller the
// token names; customerID must be that caller.
func (c *Client) Merge(ctx context.Context, guestID, customerID string) (View, error) {
	if !ValidID(guestID) {
		return View{}, ErrBadID
	}
	return c.view(ctx, "POST", cartPath(guestID)+"/merge", nil)
}

// Delete calls DELETE /api/v1/internal/carts/{id}.
func (c *Client) Delete(ctx context.Context, id string) error {
	if !ValidID(id) {
		return ErrBadID
	}
	return c.service.Call(ctx, "DELETE", "/api/v1/internal/carts/"+url.PathEscape(id), nil, nil)
}

// Redeem calls POST /api/v1/internal/discounts/{code}/redemptions; the order id is its
// idempotency key, so it is safe to retry.
func (c *Client) Redeem(ctx context.Context, code, who, orderID string) error {
	return c.service.Call(ctx, "POST", "/api/v1/internal/discounts/"+url.PathEscape(code)+"/redemptions",
		redemptionBody{Customer: who, OrderID: orderID}, nil, "Idempotency-Key", "redeem:"+orderID)
}
