package app

import (
	"context"
	"io/fs"

	"github.com/pasarhq/pasar/internal/cart"
	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/identity"
	"github.com/pasarhq/pasar/internal/inventory"
	"github.com/pasarhq/pasar/internal/order"
	"github.com/pasarhq/pasar/internal/payment"
	"github.com/pasarhq/pasar/internal/search"
)

// serviceSpec names a service's store and its migrations, for `pasar migrate` and for serve.
type serviceSpec struct {
	name       string
	migrations fs.FS
}

// services lists every service that owns a store, in start order.
var services = []serviceSpec{
	{name: "identity", migrations: identity.Migrations},
	{name: "catalog", migrations: catalog.Migrations},
	{name: "search", migrations: search.Migrations}, // applied versions and processed events; the index is a folder beside it
	{name: "inventory", migrations: inventory.Migrations},
	{name: "cart", migrations: cart.Migrations}, // carts (unless in Redis), the catalog's variants by SKU, discount codes
	{name: "payment", migrations: payment.Migrations},
	{name: "order", migrations: order.Migrations}, // orders, their history and checkout idempotency keys
}

// wireServices builds each service on its store and registers its routes.
func (a *App) wireServices(ctx context.Context) error {
	ident, err := a.wireIdentity(ctx)
	if err != nil {
		return err
	}
	a.wireRemoteVerifier()
	products, err := a.wireCatalog(ctx)
	if err != nil {
		return err
	}
	if err := a.wireSearch(ctx); err != nil {
		return err
	}
	// The checkout saga (and the cart, for quantities) call these two in-process.
	inv, err := a.wireInventory(ctx)
	if err != nil {
		return err
	}
	pay, err := a.wirePayment(ctx)
	if err != nil {
		return err
	}
	carts, err := a.wireCart(ctx, inv)
	if err != nil {
		return err
	}
	orders, err := a.wireOrder(ctx, carts, inv, pay)
	if err != nil {
		return err
	}
	return a.wireWebAdmin(webAdminDeps{identity: ident, catalog: products, inventory: inv, orders: orders, carts: carts})
}
