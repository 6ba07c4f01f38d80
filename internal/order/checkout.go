package order

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/pasarhq/pasar/internal/cart"
	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/db"
)

// inProgressFor is how long a pending order's checkout is taken to be still running: a replay
// within it is told to wait, a later one resumes the saga of a checkout that died half-way.
const inProgressFor = time.Minute

var (
	errInProgress = apperr.New(apperr.Conflict, "checkout_in_progress",
		"A checkout with this Idempotency-Key is still running; retry shortly.")
	errFailedBefore = apperr.New(apperr.Conflict, "checkout_failed",
		"The checkout with this Idempotency-Key failed and its order was cancelled; use a new key to try again.")
)

// Checkout turns cart r.CartID into a paid order, once per idempotency key: the same key and
// body return the same order (charging once), the same key with another body is
// ErrIdempotencyReuse. A customer's token attaches the order to the account; guests check out
// by email. A failed step releases what the steps before it held and cancels the order.
func (c *Core) Checkout(ctx context.Context, key string, r CheckoutRequest) (Order, error) {
	if key == "" {
		return Order{}, ErrMissingKey
	}
	if len(key) > MaxKeyLength || !printable(key) {
		return Order{}, &apperr.Error{Kind: apperr.BadRequest, Code: "bad_idempotency_key",
			Message: "The Idempotency-Key header is not valid.",
			Fields:  []apperr.FieldError{{Field: "Idempotency-Key", Detail: "must be printable ASCII of at most " + strconv.Itoa(MaxKeyLength) + " bytes"}}}
	}
	if err := r.validate(); err != nil {
		return Order{}, err
	}
	cust := customerOf(ctx)
	hash := r.hash(cust)
	// The key is looked up only when something fails: a replay after the order was made finds
	// its cart gone, or changed, or (were the cart kept) the key taken by the insert, or a
	// concurrent request with the key made its order first. So a first request, nearly every
	// one, costs no read of the key.
	replayOr := func(err error) (Order, error) {
		if o, found, rerr := c.replay(ctx, key, hash, r); found {
			return o, rerr
		}
		return Order{}, err
	}
	v, err := c.o.Carts.Quote(ctx, r.CartID, cart.Destination{ShippingMethod: r.ShippingMethod,
		Country: r.ShippingAddress.Country, Region: r.ShippingAddress.Region})
	if err != nil {
		return replayOr(err)
	}
	o, err := fromCart(v, r, cust, c.o.Now().UTC().Truncate(time.Millisecond))
	if err != nil {
		return replayOr(err)
	}
	err = insert(ctx, c.d, &o, key, hash, actorOf(ctx))
	if db.IsUniqueViolation(err) {
		return replayOr(fmt.Errorf("create order: %w", err))
	}
	if err != nil {
		return Order{}, fmt.Errorf("create order: %w", err)
	}
	return c.settle(ctx, o, r, true)
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// replay answers a request whose idempotency key is already stored (found true), or reports
// found false when the key is new.
func (c *Core) replay(ctx context.Context, key, hash string, r CheckoutRequest) (Order, bool, error) {
	id, stored, err := keyed(ctx, c.d, key)
	if err != nil || id == "" {
		return Order{}, err != nil, err
	}
	if stored != hash {
		return Order{}, true, ErrIdempotencyReuse
	}
	o, err := load(ctx, c.d, id)
	switch {
	case err != nil:
		return Order{}, true, err
	case o.Status == Cancelled && o.PaymentIntentID == "":
		return Order{}, true, errFailedBefore
	case o.Status == Pending && c.o.Now().Sub(o.UpdatedAt) < inProgressFor:
		return Order{}, true, errInProgress
	case o.Status == Pending:
		o, err = c.settle(ctx, o, r, false)
		return o, true, err
	}
	return o, true, nil
}

// fromCart builds the pending order from the cart's quote.
func fromCart(v cart.View, r CheckoutRequest, cust string, now time.Time) (Order, error) {
	o := Order{ID: newID(), Status: Pending, Email: r.Email, CustomerID: cust, CartID: v.ID,
		Total:          Money{Amount: v.Totals.Total, Currency: v.Currency},
		Totals:         Totals{Subtotal: v.Totals.Subtotal, Discount: v.Totals.Discount, Shipping: v.Totals.Shipping, Tax: v.Totals.Tax},
		ShippingMethod: v.ShippingMethod, ShippingAddress: r.ShippingAddress, CreatedAt: now, UpdatedAt: now}
	var errs []apperr.FieldError
	for i, it := range v.Items {
		if !it.Available {
			errs = append(errs, apperr.FieldError{Field: "cart.items[" + strconv.Itoa(i) + "]", Detail: it.SKU + ": " + it.Problem})
			continue
		}
		o.Lines = append(o.Lines, Line{SKU: it.SKU, Title: it.Title, Options: it.Options, Quantity: it.Quantity,
			UnitPrice: Money{it.UnitPrice.Amount, v.Currency}, LineTotal: Money{it.LineTotal.Amount, v.Currency}})
	}
	if v.Discount != nil {
		if !v.Discount.Applied {
			errs = append(errs, apperr.FieldError{Field: "discount_code", Detail: v.Discount.Code + ": " + v.Discount.Reason})
		} else if v.Totals.Discount > 0 {
			o.DiscountCode = v.Discount.Code
		}
	}
	if len(errs) > 0 {
		return o, apperr.Invalid(errs...)
	}
	if len(o.Lines) == 0 {
		return o, ErrEmptyCart
	}
	return o, nil
}

// failed cancels pending order o after a failed step, recording why.
func (c *Core) failed(ctx context.Context, o *Order, step string, cause error) {
	note := step
	var e *apperr.Error
	if errors.As(cause, &e) {
		note += ": " + e.Code
	}
	if o.Status != Pending {
		return
	}
	if err := c.advance(ctx, o, Change{To: Cancelled, Note: note}); err != nil {
		c.o.Logger.Error("cancel failed checkout", "order", o.ID, "error", err)
	}
}
