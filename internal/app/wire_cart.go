package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/pasarhq/pasar/internal/cart"
	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/platform/config"
	"github.com/pasarhq/pasar/internal/pricing"
)

// wireCart opens the cart's store, keeps its copy of the catalog's variants current from the
// catalog's events (filling it from the catalog's store when it starts empty), and serves the
// cart and discount APIs. Carts live in the cart's SQL store, or in Redis with PASAR_CART_TTL
// when PASAR_REDIS_URL is set. stock, when not nil, limits quantities to what is available. It
// returns the service for checkout, which calls it in-process.
func (a *App) wireCart(ctx context.Context, stock cart.Stock) (*cart.Core, error) {
	calc, err := cartPricing(a.cfg)
	if err != nil {
		return nil, err
	}
	st, err := a.OpenStore(ctx, "cart", cart.Migrations)
	if err != nil {
		return nil, err
	}
	log := a.log.With("service", "cart")
	index := cart.NewCatalogIndex(st.DB)
	if err := a.fillCartIndex(ctx, index); err != nil {
		return nil, err
	}
	c, err := index.Subscribe(ctx, a.bus)
	if err != nil {
		return nil, fmt.Errorf("cart catalog consumer: %w", err)
	}
	a.consumers = append(a.consumers, c)

	var carts cart.Store
	if a.cfg.RedisURL == "" {
		sql := cart.NewSQLStore(st.DB)
		a.sweepCarts(sql, log)
		carts = sql
	} else {
		opt, err := redis.ParseURL(a.cfg.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("redis at %s: %w", config.Mask(a.cfg.RedisURL), err)
		}
		rdb := redis.NewClient(opt)
		a.addCheck("cart-redis", func(ctx context.Context) error { return rdb.Ping(ctx).Err() })
		a.closers = append(a.closers, rdb.Close)
		carts = cart.NewRedisStore(rdb, a.cfg.RedisPrefix, a.cfg.CartTTL)
		log.Info("carts live in Redis", "ttl", a.cfg.CartTTL)
	}
	o := cart.Options{Catalog: index, Stock: stock, Discounts: cart.NewDiscounts(st.DB), Pricing: calc,
		DefaultCurrency: a.cfg.Currency}
	svc := cart.New(carts, o)
	a.svc.carts = svc
	cart.NewHandler(svc).Routes(a.router)
	a.openapi = append(a.openapi, cart.OpenAPI)
	return svc, nil
}

// sweepCarts deletes SQL carts idle longer than PASAR_CART_TTL, hourly, as Redis expires its own.
// Every process may sweep: a cart is deleted once whoever gets there first.
func (a *App) sweepCarts(st *cart.SQLStore, log *slog.Logger) {
	a.bg.Add(1)
	go func() {
		defer a.bg.Done()
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			n, err := st.DeleteIdle(a.bgCtx, time.Now().Add(-a.cfg.CartTTL), 1000)
			switch {
			case err != nil && a.bgCtx.Err() == nil:
				log.Warn("sweep idle carts", "error", err)
			case n > 0:
				log.Info("idle carts deleted", "carts", n)
			}
			if n == 1000 {
				continue // more to delete: go on without waiting
			}
			select {
			case <-a.bgCtx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// cartPricing builds the pricing settings from the configuration.
func cartPricing(cfg config.Config) (pricing.Calculator, error) {
	taxes, err := pricing.ParseTaxRates(cfg.TaxRates)
	if err != nil {
		return pricing.Calculator{}, fmt.Errorf("invalid setting PASAR_TAX_RATES: %w", err)
	}
	ship, err := pricing.ParseShipping(cfg.ShippingMethods)
	if err != nil {
		return pricing.Calculator{}, fmt.Errorf("invalid setting PASAR_SHIPPING_METHODS: %w", err)
	}
	return pricing.Calculator{Shipping: ship, Taxes: taxes, PricesIncludeTax: cfg.PricesIncludeTax,
		StoreCountry: cfg.StoreCountry}, nil
}

// fillCartIndex copies the catalog into an empty cart index, or one with rows from before
// variant options were recorded: events older than the stream's retention would never reach it
// otherwise. With the catalog in this process it reads the
// catalog's store directly, as `pasar search reindex` does; with the catalog elsewhere it scans
// through the catalog's client, in the background and again until the catalog answers, so the
// processes of a split shop may start in any order.
func (a *App) fillCartIndex(ctx context.Context, index *cart.CatalogIndex) error {
	if !a.cfg.RunsService("catalog") {
		c := catalog.NewClient(a.cfg.CatalogURL, nil, append(a.clientOptions(), a.withToken())...)
		a.bg.Add(1)
		go func() {
			defer a.bg.Done()
			for wait := time.Second; ; wait = min(2*wait, time.Minute) {
				n, err := index.Fill(a.bgCtx, c.ScanProducts)
				if err == nil {
					if n > 0 {
						a.log.Info("cart catalog index filled", "service", "cart", "products", n)
					}
					return
				}
				a.log.Warn("cart catalog index not filled yet; retrying", "service", "cart", "in", wait, "err", err)
				select {
				case <-a.bgCtx.Done():
					return
				case <-time.After(wait):
				}
			}
		}()
		return nil
	}
	cd, err := openMigrated(ctx, a.cfg, "catalog", catalog.Migrations)
	if err != nil {
		return fmt.Errorf("cart catalog fill: %w", err)
	}
	defer cd.Close()
	n, err := index.Fill(ctx, catalog.NewCore(cd, nil).ScanProducts)
	if err != nil {
		return err
	}
	if n > 0 {
		a.log.Info("cart catalog index filled", "service", "cart", "products", n)
	}
	return nil
}
