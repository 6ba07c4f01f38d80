package cart

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/svcclient"
	"github.com/pasarhq/pasar/internal/pricing"
)

// DiscountAdmin is the admin contract of discount codes: *Discounts implements it on the cart's
// store, *DiscountsClient over the cart's admin API for the admin pages in another process.
type DiscountAdmin interface {
	Create(ctx context.Context, d pricing.Discount) (DiscountRecord, error)
	Get(ctx context.Context, code string) (DiscountRecord, error)
	List(ctx context.Context) ([]DiscountRecord, error)
	Delete(ctx context.Context, code string) error
}

var (
	_ DiscountAdmin = (*Discounts)(nil)
	_ DiscountAdmin = (*DiscountsClient)(nil)
)

// DiscountsClient is DiscountAdmin over /api/v1/admin/discounts. Calls carry the caller's bearer
// token (auth.WithBearer), which must hold auth.CatalogWrite. An unknown code comes back as
// pricing.ErrDiscountUnknown and a taken one as ErrDiscountExists, as from *Discounts.
type DiscountsClient struct {
	caller *svcclient.Caller
}

// NewDiscountsClient returns a client of the discount admin API of the cart service at base (one
// URL or a comma list of replicas); hc nil means a client of its own.
func NewDiscountsClient(base string, hc *http.Client, opts ...svcclient.Option) *DiscountsClient {
	return &DiscountsClient{caller: svcclient.New("cart", base, hc, 10*time.Second, errUnavailable, opts...)}
}

// errDiscountNotFound is how the admin API answers an unknown code (404, not the shopper's 422).
var errDiscountNotFound = apperr.New(apperr.NotFound, "discount_not_found", "")

// known turns the admin API's 404 for an unknown code back into the store's sentinel.
func known(err error) error {
	if errors.Is(err, errDiscountNotFound) {
		return pricing.ErrDiscountUnknown
	}
	return err
}

// Create calls POST /api/v1/admin/discounts.
func (c *DiscountsClient) Create(ctx context.Context, d pricing.Discount) (DiscountRecord, error) {
	var r DiscountRecord
	return r, c.caller.Call(ctx, "POST", "/api/v1/admin/discounts", d, &r)
}

// Get calls GET /api/v1/admin/discounts/{code}.
func (c *DiscountsClient) Get(ctx context.Context, code string) (DiscountRecord, error) {
	if !pricing.ValidCode(code) {
		return DiscountRecord{}, pricing.ErrDiscountUnknown
	}
	var r DiscountRecord
	return r, known(c.caller.Call(ctx, "GET", "/api/v1/admin/discounts/"+url.PathEscape(code), nil, &r))
}

// List calls GET /api/v1/admin/discounts.
func (c *DiscountsClient) List(ctx context.Context) ([]DiscountRecord, error) {
	var out struct {
		Items []DiscountRecord `json:"items"`
	}
	if err := c.caller.Call(ctx, "GET", "/api/v1/admin/discounts", nil, &out); err != nil {
		return nil, err
	}
	if out.Items == nil {
		out.Items = []DiscountRecord{}
	}
	return out.Items, nil
}

// Delete calls DELETE /api/v1/admin/discounts/{code}.
func (c *DiscountsClient) Delete(ctx context.Context, code string) error {
	if !pricing.ValidCode(code) {
		return pricing.ErrDiscountUnknown
	}
	return known(c.caller.Call(ctx, "DELETE", "/api/v1/admin/discounts/"+url.PathEscape(code), nil, nil))
}
