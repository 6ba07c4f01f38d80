package app

import (
	"context"
	"fmt"

	"github.com/pasarhq/pasar/internal/inventory"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/pricing"
	"github.com/pasarhq/pasar/internal/web"
)

// wireWeb serves the storefront pages on the services this process runs. A process that runs
// only some services (the distributed shape) serves no pages: they need every service, and the
// HTTP clients that would stand in for the others come with that shape.
func (a *App) wireWeb(ctx context.Context) error {
	s := a.svc
	if s.identity == nil || s.catalog == nil || s.search == nil || s.inventory == nil || s.carts == nil || s.orders == nil {
		return nil
	}
	ship, err := pricing.ParseShipping(a.cfg.ShippingMethods)
	if err != nil {
		return fmt.Errorf("invalid setting PASAR_SHIPPING_METHODS: %w", err)
	}
	sf, err := web.New(web.Options{Catalog: s.catalog, Search: s.search, Carts: s.carts, Orders: s.orders,
		Identity: s.identity, Stock: s.inventory, Shipping: ship, Currency: a.cfg.Currency, CDNURL: a.cfg.CDNURL,
		Log: a.log.With("service", "web")})
	if err != nil {
		return err
	}
	sf.Routes(a.router)
	if a.cfg.Demo {
		return a.stockDemo(ctx)
	}
	return nil
}

// demoStock is how many units of each demo SKU `serve --demo` puts in its warehouse, so the demo
// shop can be bought from.
const demoStock = 100

// stockDemo gives every variant of the catalog stock when the inventory is still empty.
func (a *App) stockDemo(ctx context.Context) error {
	ctx = auth.WithPrincipal(ctx, auth.Principal{Subject: "service:demo-seed", Service: true,
		Permissions: []auth.Permission{auth.InventoryWrite}})
	first := true
	after := ""
	n := 0
	for {
		batch, err := a.svc.catalog.ScanProducts(ctx, after, 200)
		if err != nil {
			return fmt.Errorf("demo stock: %w", err)
		}
		if len(batch) == 0 {
			break
		}
		for _, pu := range batch {
			for _, v := range pu.Product.Variants {
				if first {
					// Stock already there (a restart): leave what the shop has sold alone.
					if _, err := a.svc.inventory.Get(ctx, v.SKU); err == nil {
						return nil
					}
					first = false
				}
				if _, err := a.svc.inventory.Adjust(ctx, inventory.Adjustment{SKU: v.SKU, OnHand: demoStock,
					Reason: "demo stock"}); err != nil {
					return fmt.Errorf("demo stock of %s: %w", v.SKU, err)
				}
				n++
			}
		}
		after = batch[len(batch)-1].Product.ID
	}
	if n > 0 {
		a.log.Info("demo stock added", "skus", n, "units_each", demoStock)
	}
	return nil
}
