package app

import (
	"context"
	"time"

	"github.com/pasarhq/pasar/internal/inventory"
)

// inventorySweepInterval is how often expired reservations are released: an abandoned checkout's
// stock is back within this long of its expiry.
const inventorySweepInterval = 10 * time.Second

// wireInventory opens the inventory's store, serves its API and runs the sweeper that releases
// expired reservations. Every process may sweep: a reservation is released by one of them only.
// It returns the service for the services that call it in-process (cart, checkout).
func (a *App) wireInventory(ctx context.Context) (inventory.Service, error) {
	st, err := a.OpenStore(ctx, "inventory", inventory.Migrations)
	if err != nil {
		return nil, err
	}
	core := inventory.NewCore(st.DB, st.Outbox, inventory.Options{})
	a.svc.inventory = core
	inventory.NewHandler(core).Routes(a.router)
	a.openapi = append(a.openapi, inventory.OpenAPI)
	log := a.log.With("service", "inventory")
	a.bg.Add(1)
	go func() {
		defer a.bg.Done()
		core.RunSweeper(a.bgCtx, inventorySweepInterval, log)
	}()
	return core, nil
}
