// Package order keeps orders and runs the checkout saga that turns a cart into a paid order.
//
// Checkout creates the order pending, reserves its stock, authorizes the payment and (unless
// payments are captured at shipment) captures it, then marks it placed and paid. A step that fails undoes the ones before it
// (the stock is released, the authorization voided) and the order is cancelled, so a failed
// checkout holds nothing. Every status change is recorded with its time and actor, and
// published as an event through the outbox in the same transaction.
package order

import (
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
)

// Status is where an order is in its life.
type Status string

// Order statuses.
const (
	Pending   Status = "pending"   // created by checkout, stock and payment not yet settled
	Placed    Status = "placed"    // stock reserved and payment authorized
	Paid      Status = "paid"      // payment captured
	Shipped   Status = "shipped"   // handed to the carrier, with a tracking number
	Delivered Status = "delivered" // arrived
	Cancelled Status = "cancelled" // checkout failed, or cancelled by staff (stock released, payment voided or refunded)
	Refunded  Status = "refunded"  // the payment was refunded after the sale
)

// transitions lists the statuses each status may move to; any other change is refused.
var transitions = map[Status][]Status{
	Pending:   {Placed, Cancelled},
	Placed:    {Paid, Cancelled}, // paid at checkout, or at shipment with PASAR_CAPTURE=shipment
	Paid:      {Shipped, Cancelled, Refunded},
	Shipped:   {Delivered, Refunded},
	Delivered: {Refunded},
}

// CanMove reports whether an order may move from one status to another.
func CanMove(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// ValidStatus reports whether s is a status.
func ValidStatus(s Status) bool {
	switch s {
	case Pending, Placed, Paid, Shipped, Delivered, Cancelled, Refunded:
		return true
	}
	return false
}

// Money is an amount in integer minor units of an ISO 4217 currency.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Address is where an order ships.
type Address struct {
	Name       string `json:"name"`
	Line1      string `json:"line1"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city"`
	Region     string `json:"region,omitempty"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"` // ISO 3166-1 alpha-2
}

// Line is one order line, priced when the order was made.
type Line struct {
	SKU       string            `json:"sku"`
	Title     string            `json:"title"`
	Options   map[string]string `json:"options,omitempty"` // the variant's, e.g. {"size": "M", "colour": "blue"}
	Quantity  int64             `json:"quantity"`
	UnitPrice Money             `json:"unit_price"`
	LineTotal Money             `json:"line_total"`
}

// Totals are an order's amounts, as the cart's quote computed them.
type Totals struct {
	Subtotal int64 `json:"subtotal"`
	Discount int64 `json:"discount"`
	Shipping int64 `json:"shipping"`
	Tax      int64 `json:"tax"`
}

// Change is one recorded status change.
type Change struct {
	From  Status    `json:"from"`
	To    Status    `json:"to"`
	Actor string    `json:"actor"`
	Note  string    `json:"note,omitempty"`
	At    time.Time `json:"at"`
}

// Order is an order as the API shows it.
type Order struct {
	ID              string    `json:"id"`
	Number          string    `json:"number"`
	Status          Status    `json:"status"`
	Total           Money     `json:"total"`
	Totals          Totals    `json:"totals"`
	Email           string    `json:"email"`
	CustomerID      string    `json:"customer_id,omitempty"`
	CartID          string    `json:"cart_id"`
	Lines           []Line    `json:"lines"`
	ShippingMethod  string    `json:"shipping_method"`
	ShippingAddress Address   `json:"shipping_address"`
	DiscountCode    string    `json:"discount_code,omitempty"`
	PaymentIntentID string    `json:"payment_intent_id,omitempty"`
	TrackingNumber  string    `json:"tracking_number,omitempty"`
	History         []Change  `json:"history,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// Event types published through the outbox: "order." and the status the order moved to
// (order.placed, order.paid, order.shipped, order.delivered, order.cancelled, order.refunded).
const EventPrefix = "order."

// OrderEvent is the payload of the order events.
type OrderEvent struct {
	OrderID    string `json:"order_id"`
	Number     string `json:"number"`
	Status     Status `json:"status"`
	From       Status `json:"from"`
	Email      string `json:"email"`
	CustomerID string `json:"customer_id,omitempty"`
	Total      Money  `json:"total"`
	Tracking   string `json:"tracking_number,omitempty"`
	// Captured says the payment had been captured when the event was published: with capture
	// at checkout even order.placed says so, as placed and paid are committed together.
	Captured bool `json:"captured"`
	// Lines, Totals and ShippingAddress are what was ordered and where it goes, so a consumer
	// (the shopper's mail, a merchant's webhook) needs no call back to the order service.
	// Events published before they were added lack them.
	Lines           []Line   `json:"lines,omitempty"`
	Totals          *Totals  `json:"totals,omitempty"`
	ShippingAddress *Address `json:"shipping_address,omitempty"`
}

// Errors the order service returns.
var (
	ErrNotFound          = apperr.New(apperr.NotFound, "order_not_found", "No such order.")
	ErrInvalidTransition = apperr.New(apperr.Conflict, "order_state", "The order is not in a state that allows this.")
	ErrIdempotencyReuse  = apperr.New(apperr.Conflict, "idempotency_key_reused",
		"The Idempotency-Key was used for a different checkout request.")
	ErrMissingKey = &apperr.Error{Kind: apperr.BadRequest, Code: "idempotency_key_required",
		Message: "The Idempotency-Key header is required.",
		Fields:  []apperr.FieldError{{Field: "Idempotency-Key", Detail: "header is required"}}}
	ErrEmptyCart = &apperr.Error{Kind: apperr.InvalidInput, Code: "cart_empty",
		Message: "The cart has nothing that can be ordered.",
		Fields:  []apperr.FieldError{{Field: "cart_id", Detail: "cart has no orderable items"}}}
)
