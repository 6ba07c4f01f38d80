package order

import (
	"context"
	"strings"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/db"
)

// Ship marks a paid order shipped with the carrier's tracking number (auth.OrdersManage).
func (c *Core) Ship(ctx context.Context, id, tracking string) (Order, error) {
	if err := auth.Check(ctx, auth.OrdersManage); err != nil {
		return Order{}, err
	}
	tracking = strings.TrimSpace(tracking)
	if tracking == "" || len(tracking) > 100 || !printable(tracking) {
		return Order{}, apperr.Invalid(apperr.FieldError{Field: "tracking_number", Detail: "is required: printable text of at most 100 bytes"})
	}
	return c.move(ctx, id, Paid, Shipped, "tracking "+tracking, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE orders SET tracking_number = $1 WHERE id = $2`, tracking, id)
		return err
	})
}

// Cancel cancels an order not yet shipped (auth.OrdersManage): its stock is released (or
// returned, once sold) and its payment voided, or refunded when it was captured.
func (c *Core) Cancel(ctx context.Context, id, reason string) (Order, error) {
	if err := auth.Check(ctx, auth.OrdersManage); err != nil {
		return Order{}, err
	}
	o, err := load(ctx, c.d, id)
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
	if err := c.o.Inventory.Release(ctx, o.ID); err != nil {
		// A committed reservation's units left on hand; staff restock them by adjustment.
		c.o.Logger.Warn("release stock of cancelled order", "order", o.ID, "error", err)
	}
	return c.move(ctx, id, o.Status, Cancelled, reason, nil)
}

// Refund refunds the whole payment of a paid, shipped or delivered order (auth.OrdersManage,
// and auth.PaymentsRefund, which the payment service checks).
func (c *Core) Refund(ctx context.Context, id, reason string) (Order, error) {
	if err := auth.Check(ctx, auth.OrdersManage); err != nil {
		return Order{}, err
	}
	o, err := load(ctx, c.d, id)
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
	return c.move(ctx, id, o.Status, Refunded, reason, nil)
}
