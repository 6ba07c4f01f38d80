package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/catalog/demo"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/config"
	"github.com/pasarhq/pasar/internal/platform/events"
)

// demoProducts is how many products `pasar serve --demo` puts in an empty catalog.
const demoProducts = 1000

// wireCatalog opens the catalog's store, puts the read cache in front of the core, keeps that
// cache in step with every process's writes through the catalog's events, and serves the API.
// It returns the cached service for the admin pages.
func (a *App) wireCatalog(ctx context.Context) (catalog.Service, error) {
	st, err := a.OpenStore(ctx, "catalog", catalog.Migrations)
	if err != nil {
		return nil, err
	}
	log := a.log.With("service", "catalog")
	core := catalog.NewCore(st.DB, st.Outbox)
	cache := catalog.NewCache(core, catalog.CacheOptions{})
	if err := a.registry.Register(cacheCollector{cache}); err != nil {
		return nil, fmt.Errorf("catalog cache metrics: %w", err)
	}
	c, err := cache.Consume(ctx, a.bus, st.DB, catalog.CacheConsumerName(a.cfg.Addr), log)
	if err != nil {
		return nil, fmt.Errorf("catalog cache consumer: %w", err)
	}
	a.consumers = append(a.consumers, c)
	a.svc.catalog = cache
	catalog.NewHandler(cache, catalog.HandlerOptions{}).Routes(a.router)
	a.openapi = append(a.openapi, catalog.OpenAPI)

	if a.cfg.Demo {
		empty, err := core.Empty(ctx)
		if err != nil {
			return nil, err
		}
		if empty {
			n, err := demo.Seed(seeder(ctx), core, demoProducts, nil)
			if err != nil {
				return nil, fmt.Errorf("demo catalog: %w", err)
			}
			log.Info("demo catalog seeded", "products", n)
		}
	}
	return cache, nil
}

// seeder is the identity seeding acts under: the catalog itself, allowed to write it.
func seeder(ctx context.Context) context.Context {
	return auth.WithPrincipal(ctx, auth.Principal{Subject: "service:catalog-seed", Service: true,
		Permissions: []auth.Permission{auth.CatalogWrite}})
}

// SeedCatalog adds demo products 0..n-1 (those not there yet) to the catalog under cfg, telling
// progress after each batch. Their events wait in the catalog's outbox and go out when
// `pasar serve` next runs, so search indexes them then.
func SeedCatalog(ctx context.Context, cfg config.Config, log *slog.Logger, n int, progress func(done, total int)) (int, error) {
	d, err := openMigrated(ctx, cfg, "catalog", catalog.Migrations)
	if err != nil {
		return 0, err
	}
	defer d.Close()
	core := catalog.NewCore(d, events.NewOutbox(d, nil, "catalog", log))
	return demo.Seed(seeder(ctx), core, n, progress)
}
