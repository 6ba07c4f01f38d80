package app

import (
	"context"

	"github.com/pasarhq/pasar/internal/inventory"
	"github.com/pasarhq/pasar/internal/order"
	"github.com/pasarhq/pasar/internal/payment"
)

// wireOrder opens the order store and serves checkout and the order API. The checkout saga
// calls the cart, inventory and payment services, in this process or through their clients. It
// returns the core for the admin pages.
func (a *App) wireOrder(ctx context.Context, carts order.Carts, inv inventory.Service, pay payment.Service) (*order.Core, error) {
	st, err := a.OpenStore(ctx, "order", order.Migrations)
	if err != nil {
		return nil, err
	}
	core := order.NewCore(st.DB, st.Outbox, order.Options{Carts: carts, Inventory: inv, Payment: pay, Capture: order.Capture(a.cfg.Capture),
		Logger: a.log.With("service", "order")})
	a.svc.orders = core
	order.NewHandler(core).Routes(a.router)
	a.openapi = append(a.openapi, order.OpenAPI)
	return core, nil
}
