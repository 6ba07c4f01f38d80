package app

import (
	"path/filepath"

	"github.com/pasarhq/pasar/internal/cart"
	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/identity"
	"github.com/pasarhq/pasar/internal/inventory"
	"github.com/pasarhq/pasar/internal/order"
	"github.com/pasarhq/pasar/internal/web/admin"
)

// webAdminDeps are the services the admin pages call, as wired in this process.
type webAdminDeps struct {
	identity  identity.Service
	catalog   catalog.Service
	inventory inventory.Service
	orders    *order.Core
	carts     *cart.Core // nil when the cart runs in another process: no discount code pages then
}

// wireWebAdmin serves the admin pages under /admin and the product images uploaded there under
// /uploads, kept in the data folder's uploads directory.
func (a *App) wireWebAdmin(d webAdminDeps) error {
	up, err := admin.NewUploads(filepath.Join(a.cfg.DataDir, "uploads"))
	if err != nil {
		return err
	}
	o := admin.Options{Catalog: d.catalog, Inventory: d.inventory, Orders: d.orders, Identity: d.identity,
		Uploads: up, Currency: a.cfg.Currency, Logger: a.log.With("service", "web-admin")}
	if d.carts != nil {
		if ds := d.carts.Discounts(); ds != nil {
			o.Discounts = ds
		}
	}
	h, err := admin.New(o)
	if err != nil {
		return err
	}
	h.Routes(a.router)
	return nil
}
