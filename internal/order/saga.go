package order

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/pasarhq/pasar/internal/cart"
	"github.com/pasarhq/pasar/internal/inventory"
	"github.com/pasarhq/pasar/internal/payment"
	"github.com/pasarhq/pasar/internal/platform/apperr"
)

// settle runs the checkout saga of pending order o: reserve its stock, authorize its payment and
// capture it (with CaptureImmediate) in one payment step, then mark it placed and paid in one
// transaction, redeem its discount code, commit the reservation and delete the cart. Each step is
// idempotent for the order, so a resumed saga (first false) holds stock and charges once; first
// says the order was made by this request, so no payment can exist for it yet.
func (c *Core) settle(ctx context.Context, o Order, r CheckoutRequest, first bool) (Order, error) {
	// Compensations run to the end even when the shopper hangs up.
	undo := context.WithoutCancel(ctx)
	lines := make([]inventory.Line, len(o.Lines))
	for i, l := range o.Lines {
		lines[i] = inventory.Line{SKU: l.SKU, Quantity: l.Quantity}
	}
	// In SKU order, so concurrent checkouts (and commits) lock stock rows in one order: on
	// PostgreSQL, baskets listing the same SKUs in different orders otherwise deadlock.
	slices.SortFunc(lines, func(a, b inventory.Line) int { return strings.Compare(a.SKU, b.SKU) })
	if _, err := c.o.Inventory.Reserve(ctx, o.ID, lines, c.o.ReservationTTL); err != nil {
		c.failed(undo, &o, "reserve stock", err)
		return Order{}, err
	}
	release := func() {
		if err := c.o.Inventory.Release(undo, o.ID); err != nil {
			c.o.Logger.Error("release stock of failed checkout", "order", o.ID, "error", err)
		}
	}
	captured := false
	if o.Total.Amount > 0 {
		card := payment.Card{Number: r.Payment.CardNumber, ExpMonth: r.Payment.ExpMonth, ExpYear: r.Payment.ExpYear, CVC: r.Payment.CVC}
		// The intent, its authorization and (taken at once) its capture are one step of the
		// payment service: one store transaction there.
		captured = c.o.Capture == CaptureImmediate
		step := "authorize payment"
		if captured {
			step = "charge payment"
		}
		in, err := c.o.Payment.Pay(ctx, payment.IntentRequest{OrderID: o.ID, Amount: o.Total.Amount,
			Currency: o.Total.Currency, Provider: r.Payment.Provider, IdempotencyKey: "order:" + o.ID, FirstAttempt: first}, card, captured)
		if err != nil {
			// A decline or a refused capture still records the intent: cancel it, dropping any hold.
			c.void(undo, in.ID)
			release()
			c.failed(undo, &o, step, err)
			return Order{}, paymentField(err)
		}
		o.PaymentIntentID = in.ID
	}
	// Placed and paid in one transaction: the saga knows both outcomes by now, and one write
	// transaction less is a third of the order store's work per checkout.
	steps := []Change{{To: Placed, Note: "stock reserved, payment authorized"}}
	if captured || o.Total.Amount == 0 {
		steps = append(steps, Change{To: Paid, Note: "payment captured"})
	}
	err := c.advance(undo, &o, steps...)
	if err != nil {
		if captured {
			c.refund(undo, o.PaymentIntentID)
		} else {
			c.void(undo, o.PaymentIntentID)
		}
		release()
		c.failed(undo, &o, "place order", err)
		return Order{}, err
	}
	c.finish(undo, o)
	return o, nil
}

// finish does what follows a paid order and cannot undo the sale: it counts the discount
// code's use, turns the reservation into a sale and deletes the cart. Failures are logged:
// the shopper has paid for what the quote showed, and an unsold reservation expires by itself.
func (c *Core) finish(ctx context.Context, o Order) {
	if o.DiscountCode != "" {
		who := o.CustomerID
		if who == "" {
			who = o.Email
		}
		if err := c.o.Carts.Redeem(ctx, o.DiscountCode, who, o.ID); err != nil {
			c.o.Logger.Warn("redeem discount code of paid order", "order", o.ID, "code", o.DiscountCode, "error", err)
		}
	}
	if err := c.o.Inventory.Commit(ctx, o.ID); err != nil {
		c.o.Logger.Error("commit reservation of paid order", "order", o.ID, "error", err)
	}
	if err := c.o.Carts.Delete(ctx, o.CartID); err != nil && !errors.Is(err, cart.ErrNotFound) {
		c.o.Logger.Warn("delete cart of paid order", "order", o.ID, "cart", o.CartID, "error", err)
	}
}

// refund returns what intent id captured, for a checkout that failed after its capture.
func (c *Core) refund(ctx context.Context, id string) {
	if _, err := c.o.Payment.Refund(ctx, id, 0, "checkout failed"); err != nil {
		c.o.Logger.Error("refund payment of failed checkout", "intent", id, "error", err)
	}
}

// void drops intent id's authorization (a no-op that cancels an intent never authorized).
func (c *Core) void(ctx context.Context, id string) {
	if id == "" {
		return
	}
	if _, err := c.o.Payment.Void(ctx, id); err != nil {
		c.o.Logger.Error("void payment of failed checkout", "intent", id, "error", err)
	}
}

// paymentField names the checkout's own field in a payment error about the card.
func paymentField(err error) error {
	var e *apperr.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make([]apperr.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		out.Fields[i] = apperr.FieldError{Field: "payment." + f.Field, Detail: f.Detail}
	}
	return &out
}
