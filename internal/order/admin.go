package order

import (
	"context"
	"errors"
	"strings"

	"github.com/pasarhq/pasar/internal/inventory"
	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
)

// manage loads order id for a staff action (auth.OrdersManage).
func (c *Core) manage(ctx context.Context, id string) (Order, error) {
	if err := auth.Check(ctx, auth.OrdersManage); err != nil {
		return Order{}, err
	}
	return load(ctx, c.d, id)
}

// Ship marks an order shipped with the carrier's tracking number (auth.OrdersManage). A paid
// order ships as it is; a placed one (PASAR_CAPTURE=shipment) has its payment captured first
// and moves through paid to shipped in one transaction.
func (c *Core) Ship(ctx context.Context, id, tracking string) (Order, error) {
	tracking = strings.TrimSpace(tracking)
	if err := auth.Check(ctx, auth.OrdersManage); err != nil {
		return Order{}, err
	}
	if tracking == "" || len(tracking) > 100 || !printable(tracking) {
		return Order{}, apperr.Invalid(apperr.FieldError{Field: "tracking_number", Detail: "is required: printable text of at most 100 bytes"})
	}
	o, err := c.manage(ctx, id)
	if err != nil {
		return Order{}, err
	}
	var steps []Change
	switch o.Status {
	case Placed:
		if o.PaymentIntentID != "" {
			if _, err := c.o.Payment.Capture(ctx, o.PaymentIntentID, 0); err != nil {
				return Order{}, err
			}
		}
		steps = append(steps, Change{To: Paid, Note: "payment captured at shipment"})
	case Paid:
	default:
		return Order{}, ErrInvalidTransition
	}
	steps = append(steps, Change{To: Shipped, Note: "tracking " + tracking})
	o.TrackingNumber = tracking
	err = c.advance(ctx, &o, steps...)
	return o, err
}

// Deliver marks a shipped order delivered (auth.OrdersManage), e.g. when the carrier reports it.
func (c *Core) Deliver(ctx context.Context, id, note string) (Order, error) {
	o, err := c.manage(ctx, id)
	if err != nil {
		return Order{}, err
	}
	if note == "" {
		note = "delivered"
	}
	return o, c.advance(ctx, &o, Change{To: Delivered, Note: note})
}

// Cancel cancels an order not yet shipped (auth.OrdersManage): its payment is voided, or
// refunded when it was captured, and its stock is given back: released while held, returned to
// on hand once sold.
func (c *Core) Cancel(ctx context.Context, id, reason string) (Order, error) {
	o, err := c.manage(ctx, id)
	if err != nil {
		return Order{}, err
	}
	if !CanMove(o.Status, Cancelled) || o.Status == Pending {
		return Order{}, ErrInvalidTransition
	}
	if o.PaymentIntentID != "" {
		if o.Status == Paid {
			_, err = c.o.Payment.Refund(ctx, o.PaymentIntentID, 0, "order cancelled: "+reason)
		} else {
			_, err = c.o.Payment.Void(ctx, o.PaymentIntentID)
		}
		if err != nil {
			return Order{}, err
		}
	}
	if err := c.o.Inventory.Restock(ctx, o.ID); err != nil && !errors.Is(err, inventory.ErrReservationNotFound) {
		// The payment is already returned; the order must still say cancelled. Staff can
		// correct the count by adjustment.
		c.o.Logger.Error("restock cancelled order", "order", o.ID, "error", err)
	}
	return o, c.advance(ctx, &o, Change{To: Cancelled, Note: reason})
}

// Refund refunds the whole payment of a paid, shipped or delivered order (auth.OrdersManage,
// and auth.PaymentsRefund, which the payment service checks). The stock is not touched: goods
// that come back are counted in by adjustment.
func (c *Core) Refund(ctx context.Context, id, reason string) (Order, error) {
	o, err := c.manage(ctx, id)
	if err != nil {
		return Order{}, err
	}
	if !CanMove(o.Status, Refunded) {
		return Order{}, ErrInvalidTransition
	}
	if o.PaymentIntentID != "" {
		if _, err := c.o.Payment.Refund(ctx, o.PaymentIntentID, 0, reason); err != nil {
			return Order{}, err
		}
	}
	return o, c.advance(ctx, &o, Change{To: Refunded, Note: reason})
}
