package app

import (
	"context"
	"errors"
	"io/fs"

	"github.com/pasarhq/pasar/internal/cart"
	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/identity"
	"github.com/pasarhq/pasar/internal/inventory"
	"github.com/pasarhq/pasar/internal/notification"
	"github.com/pasarhq/pasar/internal/order"
	"github.com/pasarhq/pasar/internal/payment"
	"github.com/pasarhq/pasar/internal/search"
)

// serviceSpec names a service's store and its migrations, for `pasar migrate` and for serve, and
// its OpenAPI document, for the gateway's.
type serviceSpec struct {
	name       string
	migrations fs.FS
	openapi    []byte
}

// services lists every service that owns a store, in start order.
var services = []serviceSpec{
	{name: "identity", migrations: identity.Migrations, openapi: identity.OpenAPI},
	{name: "catalog", migrations: catalog.Migrations, openapi: catalog.OpenAPI},
	{name: "search", migrations: search.Migrations, openapi: search.OpenAPI}, // applied versions and processed events; the index is a folder beside it
	{name: "inventory", migrations: inventory.Migrations, openapi: inventory.OpenAPI},
	{name: "cart", migrations: cart.Migrations, openapi: cart.OpenAPI}, // carts (unless in Redis), the catalog's variants by SKU, discount codes
	{name: "payment", migrations: payment.Migrations, openapi: payment.OpenAPI},
	{name: "order", migrations: order.Migrations, openapi: order.OpenAPI},                      // orders, their history and checkout idempotency keys
	{name: "notification", migrations: notification.Migrations, openapi: notification.OpenAPI}, // mails sent, webhook endpoints, deliveries and attempts
}

// OpenAPIDocuments returns every service's OpenAPI document: what the gateway, which routes to
// all of them, describes at its /openapi.json.
func OpenAPIDocuments() [][]byte {
	docs := make([][]byte, len(services))
	for i, s := range services {
		docs[i] = s.openapi
	}
	return docs
}

// wireServices builds the services this process runs (PASAR_SERVICES; all of them when empty)
// on their stores and registers their routes. A service they call that runs elsewhere is
// reached through its HTTP client at PASAR_<SERVICE>_URL; CheckServices has made sure there is one.
func (a *App) wireServices(ctx context.Context) error {
	var ident identity.Service
	if a.cfg.RunsService("identity") {
		core, err := a.wireIdentity(ctx)
		if err != nil {
			return err
		}
		a.wireServiceToken(core, nil)
		ident = core
	} else if a.cfg.IdentityURL != "" {
		c := a.wireRemoteIdentity()
		a.wireServiceToken(nil, c)
		ident = c
	}
	a.wireRemoteVerifier()
	if a.cfg.RunsService("catalog") {
		if _, err := a.wireCatalog(ctx); err != nil {
			return err
		}
	}
	if a.cfg.RunsService("search") {
		if err := a.wireSearch(ctx); err != nil {
			return err
		}
	}
	// The checkout saga (and the cart, for quantities) call these two.
	var inv inventory.Service
	if a.cfg.RunsService("inventory") {
		core, err := a.wireInventory(ctx)
		if err != nil {
			return err
		}
		inv = core
	} else if url := a.cfg.InventoryURL; url != "" {
		inv = inventory.NewClient(url, nil, append(a.clientOptions(), a.withToken())...)
	}
	var pay payment.Service
	if a.cfg.RunsService("payment") {
		core, err := a.wirePayment(ctx)
		if err != nil {
			return err
		}
		pay = core
	} else if url := a.cfg.PaymentURL; url != "" {
		pay = payment.NewClient(url, nil, append(a.clientOptions(), a.withToken())...)
	}
	var carts order.Carts
	if a.cfg.RunsService("cart") {
		var stock cart.Stock
		if inv != nil {
			stock = inv
		}
		core, err := a.wireCart(ctx, stock)
		if err != nil {
			return err
		}
		carts = core
	} else if url := a.cfg.CartURL; url != "" {
		carts = cart.NewClient(url, nil, a.clientOptions()...).WithServiceToken(a.serviceToken)
	}
	// Notifications call no service: events bring everything they send.
	if a.cfg.RunsService("notification") {
		if err := a.wireNotification(ctx); err != nil {
			return err
		}
	}
	if a.cfg.RunsService("order") {
		if _, err := a.wireOrder(ctx, carts, inv, pay); err != nil {
			return err
		}
	}
	if a.cfg.RunsService("web") {
		return a.wirePages(ctx, ident)
	}
	return nil
}

// serviceToken returns this process's token for calls to other services.
func (a *App) serviceToken(ctx context.Context) (string, error) {
	if a.token == nil {
		return "", errors.New("no service credentials: set PASAR_SERVICE_CLIENT_ID and PASAR_SERVICE_CLIENT_SECRET")
	}
	return a.token.Token(ctx)
}

// wired holds the services this process runs in-process, for the storefront pages that call
// them through their Go interfaces.
type wired struct {
	identity  identity.Service
	catalog   catalog.Service
	search    search.Service
	inventory inventory.Service
	carts     *cart.Core
	orders    *order.Core
}
