package order

import "context"

// Service is the order service's contract: Core implements it on its store, Client over the
// order REST API for a process that does not run the order service. Get and Mine answer the
// caller's own orders (staff holding auth.OrdersRead see every order); List needs
// auth.OrdersRead and the status changes auth.OrdersManage (Refund also auth.PaymentsRefund).
type Service interface {
	// Checkout turns a cart into a paid (or, capturing at shipment, placed) order, once per key.
	Checkout(ctx context.Context, key string, r CheckoutRequest) (Order, error)
	// Get returns order id when the caller may see it, ErrNotFound otherwise.
	Get(ctx context.Context, id string) (Order, error)
	// Mine returns the signed-in caller's orders, newest first.
	Mine(ctx context.Context, limit int) ([]Order, error)
	// List returns orders for staff, newest first.
	List(ctx context.Context, f Filter) ([]Order, error)
	// Ship marks a paid order shipped with its tracking number.
	Ship(ctx context.Context, id, tracking string) (Order, error)
	// Deliver marks a shipped order delivered.
	Deliver(ctx context.Context, id, note string) (Order, error)
	// Cancel cancels an order not yet shipped, giving back its stock and its payment.
	Cancel(ctx context.Context, id, reason string) (Order, error)
	// Refund refunds a paid order in full.
	Refund(ctx context.Context, id, reason string) (Order, error)
}

var _ Service = (*Core)(nil)
