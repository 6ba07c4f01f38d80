package order

import (
	"context"
	"log/slog"
	"time"

	"github.com/pasarhq/pasar/internal/cart"
	"github.com/pasarhq/pasar/internal/inventory"
	"github.com/pasarhq/pasar/internal/payment"
	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/events"
)

// Options configure a Core.
type Options struct {
	Carts          Carts             // required: the carts checkout turns into orders
	Inventory      inventory.Service // required
	Payment        payment.Service   // required
	ReservationTTL time.Duration     // how long checkout holds stock; default inventory.DefaultTTL
	Capture        Capture           // when payments are captured; default CaptureImmediate
	Logger         *slog.Logger
	Now            func() time.Time
}

// Capture says when an order's payment is captured.
type Capture string

// Capture settings (PASAR_CAPTURE).
const (
	// CaptureImmediate captures at checkout: the order is paid when checkout answers.
	CaptureImmediate Capture = "immediate"
	// CaptureShipment only authorizes at checkout (the order stays placed) and captures when
	// staff ship it, so nothing is taken for goods that never leave.
	CaptureShipment Capture = "shipment"
)

// Carts is what checkout needs of the cart service: cart.Service (the core in process, its
// client across processes) has it.
type Carts interface {
	Quote(ctx context.Context, id string, d cart.Destination) (cart.View, error)
	Redeem(ctx context.Context, code, who, orderID string) error
	Delete(ctx context.Context, id string) error
}

// Core is the order service on a SQL store.
type Core struct {
	d   *db.DB
	out *events.Outbox
	o   Options
}

// NewCore returns the order service on d (with Migrations applied), publishing through out.
func NewCore(d *db.DB, out *events.Outbox, o Options) *Core {
	if o.ReservationTTL <= 0 {
		o.ReservationTTL = inventory.DefaultTTL
	}
	if o.Capture == "" {
		o.Capture = CaptureImmediate
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Core{d: d, out: out, o: o}
}

// customerOf returns the customer an order of the caller belongs to: a signed-in user's
// subject, or "" for a guest or a service.
func customerOf(ctx context.Context) string {
	p := auth.FromContext(ctx)
	if p.IsAnonymous() || p.Service {
		return ""
	}
	return p.Subject
}

// actorOf names who made a change, for the history.
func actorOf(ctx context.Context) string {
	p := auth.FromContext(ctx)
	switch {
	case p.IsAnonymous():
		return "guest"
	case p.Service:
		return "service:" + p.Subject
	}
	return p.Subject
}

// Get returns the caller's order id. To anyone but its customer (and staff who may read
// orders) it does not exist; a guest order is visible to staff only.
func (c *Core) Get(ctx context.Context, id string) (Order, error) {
	o, err := load(ctx, c.d, id)
	if err != nil {
		return o, err
	}
	if auth.Check(ctx, auth.OrdersRead) == nil {
		return o, nil
	}
	if cust := customerOf(ctx); cust == "" || o.CustomerID != cust {
		return Order{}, ErrNotFound
	}
	return o, nil
}

// Mine returns the signed-in caller's orders, newest first.
func (c *Core) Mine(ctx context.Context, limit int) ([]Order, error) {
	cust := customerOf(ctx)
	if cust == "" {
		return nil, apperr.New(apperr.Unauthenticated, "unauthenticated", "Sign in to see your orders.")
	}
	return list(ctx, c.d, Filter{CustomerID: cust, Limit: limit})
}

// List returns orders for staff (auth.OrdersRead), newest first.
func (c *Core) List(ctx context.Context, f Filter) ([]Order, error) {
	if err := auth.Check(ctx, auth.OrdersRead); err != nil {
		return nil, err
	}
	if f.Status != "" && !ValidStatus(f.Status) {
		return nil, apperr.Invalid(apperr.FieldError{Field: "status", Detail: "is not an order status"})
	}
	return list(ctx, c.d, f)
}

// advance moves o through steps (each from the status before it) in one transaction, with a
// history entry and an event per step; the order's payment intent and tracking number are
// written from o in the same statement as its status (callers set them on o first, and the
// events are built from o). On success o has the new status and history. Another change that
// got there first makes it ErrInvalidTransition.
func (c *Core) advance(ctx context.Context, o *Order, steps ...Change) error {
	from := o.Status
	for i := range steps {
		if !CanMove(from, steps[i].To) {
			return ErrInvalidTransition
		}
		steps[i].From, from = from, steps[i].To
	}
	now := c.o.Now().UTC().Truncate(time.Millisecond)
	actor := actorOf(ctx)
	captured := o.Status == Paid || o.Status == Shipped || o.Status == Delivered
	for _, st := range steps {
		captured = captured || st.To == Paid
	}
	for i := range steps {
		steps[i].Actor, steps[i].At = actor, now
	}
	drafts := make([]events.Draft, len(steps))
	for i, st := range steps {
		drafts[i] = events.Draft{Type: EventPrefix + string(st.To), Version: 1, Data: OrderEvent{OrderID: o.ID,
			Number: o.Number, Status: st.To, From: st.From, Email: o.Email, CustomerID: o.CustomerID, Total: o.Total,
			Tracking: o.TrackingNumber, Captured: captured, Lines: o.Lines, Totals: &o.Totals,
			ShippingAddress: &o.ShippingAddress}}
	}
	hist := historyRows(o.ID, len(o.History)+1, steps...)
	var err error
	if c.d.Engine() == db.Postgres {
		err = movePostgres(ctx, c.d, c.out, o, from, now, hist, drafts)
	} else {
		err = c.d.InTx(ctx, func(tx *db.Tx) error {
			if err := move(ctx, tx, o, from, now, hist); err != nil {
				return err
			}
			_, err := c.out.AddAll(ctx, tx, drafts...)
			return err
		})
	}
	if err != nil {
		return err
	}
	o.Status, o.UpdatedAt = from, now
	o.History = append(o.History, steps...)
	return nil
}
