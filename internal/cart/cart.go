// Package cart is the cart service: carts of guests (known by an unguessable id) and customers
// (known by their access token), priced on every read from the catalog's current prices by the
// pricing package, with discount codes and a choice of shipping. Carts live in SQL, or in Redis
// with an expiry when Redis is configured; the same contract suite tests every store.
package cart

import (
	"errors"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
)

// Cart is a cart as stored.
type Cart struct {
	ID             string    `json:"id"`
	Currency       string    `json:"currency"`
	CustomerID     string    `json:"customer_id,omitempty"` // empty for a guest cart
	Items          []Item    `json:"items"`
	DiscountCode   string    `json:"discount_code,omitempty"`
	ShippingMethod string    `json:"shipping_method,omitempty"`
	Country        string    `json:"country,omitempty"`
	Region         string    `json:"region,omitempty"`
	Version        int64     `json:"version"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Item is one cart line as stored: the price it had when it was last added or changed, so a
// read can tell the shopper the price moved since.
type Item struct {
	SKU        string    `json:"sku"`
	Quantity   int64     `json:"quantity"`
	AddedPrice int64     `json:"added_price"`
	AddedAt    time.Time `json:"added_at"`
}

// item returns the index of sku in c.Items, or -1.
func (c *Cart) item(sku string) int {
	for i, it := range c.Items {
		if it.SKU == sku {
			return i
		}
	}
	return -1
}

// Limits on a cart, so no quantity or line count can overflow a total or a stock check.
const (
	DefaultMaxQuantity = 999 // units per line
	MaxLines           = 100 // lines per cart
)

// Errors the cart returns; errors.Is matches them in both shapes.
var (
	ErrNotFound = apperr.New(apperr.NotFound, "cart_not_found", "No such cart.")
	ErrNoItem   = apperr.New(apperr.NotFound, "cart_item_not_found", "The cart has no such item.")
	ErrBadID    = &apperr.Error{Kind: apperr.BadRequest, Code: "bad_cart_id", Message: "The cart id is malformed.",
		Fields: []apperr.FieldError{{Field: "id", Detail: "is not a cart id"}}}
	ErrOutOfStock   = apperr.New(apperr.Conflict, "insufficient_stock", "Not enough stock for that quantity.")
	ErrTooManyLines = &apperr.Error{Kind: apperr.InvalidInput, Code: "too_many_lines",
		Message: "The cart has as many lines as it may.", Fields: []apperr.FieldError{{Field: "sku", Detail: "cart is full"}}}
	ErrContention     = apperr.New(apperr.Unavailable, "cart_busy", "The cart is being changed by many requests; retry.")
	ErrDiscountExists = &apperr.Error{Kind: apperr.Conflict, Code: "discount_exists", Message: "A discount with this code exists.",
		Fields: []apperr.FieldError{{Field: "code", Detail: "already exists"}}}
)

func invalid(field, detail string) *apperr.Error {
	return apperr.Invalid(apperr.FieldError{Field: field, Detail: detail})
}

// isAppErr reports whether err carries an *apperr.Error (a verdict to pass on, not a failure).
func isAppErr(err error) bool {
	var e *apperr.Error
	return errors.As(err, &e)
}

func invalidFields(errs []apperr.FieldError) *apperr.Error { return apperr.Invalid(errs...) }
