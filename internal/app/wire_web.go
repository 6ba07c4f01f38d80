package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"

	"github.com/pasarhq/pasar/internal/cart"
	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/identity"
	"github.com/pasarhq/pasar/internal/inventory"
	"github.com/pasarhq/pasar/internal/order"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/pricing"
	"github.com/pasarhq/pasar/internal/search"
	"github.com/pasarhq/pasar/internal/web"
	"github.com/pasarhq/pasar/internal/web/admin"
)

// pageServices are the services the storefront and admin pages call: the in-process ones where
// they run here, else their HTTP clients, which pass on the caller's access token.
type pageServices struct {
	identity  identity.Service
	catalog   catalog.Service
	shop      web.Catalog // the catalog as the storefront reads it: public reads where it is elsewhere
	search    search.Service
	inventory inventory.Service
	carts     cart.Service
	orders    order.Service
	discounts admin.Discounts // nil: codes are off in the cart service
	remote    bool            // some of them run in another process
}

// pageServices gathers the services the pages call; CheckServices has made sure that each one
// that does not run here has a URL.
func (a *App) pageServices(ident identity.Service) pageServices {
	opts := a.clientOptions() // no service token: calls carry the shopper's or admin's own
	s := pageServices{identity: ident}
	remote := func(name string) bool {
		if a.cfg.RunsService(name) {
			return false
		}
		s.remote = true
		return true
	}
	remote("identity")
	if s.catalog, s.shop = a.svc.catalog, a.svc.catalog; remote("catalog") {
		c := catalog.NewClient(a.cfg.CatalogURL, nil, opts...)
		s.catalog, s.shop = c, c.Storefront()
	}
	if s.search = a.svc.search; remote("search") {
		s.search = search.NewClient(a.cfg.SearchURL, nil, opts...)
	}
	if s.inventory = a.svc.inventory; remote("inventory") {
		s.inventory = inventory.NewClient(a.cfg.InventoryURL, nil, opts...)
	}
	if remote("cart") {
		s.carts = cart.NewClient(a.cfg.CartURL, nil, opts...)
		s.discounts = cart.NewDiscountsClient(a.cfg.CartURL, nil, opts...)
	} else {
		s.carts = a.svc.carts
		if ds := a.svc.carts.Discounts(); ds != nil {
			s.discounts = ds
		}
	}
	if s.orders = a.svc.orders; remote("order") {
		s.orders = order.NewClient(a.cfg.OrderURL, nil, opts...)
	}
	return s
}

// wirePages serves the storefront and the admin pages (with the images uploaded there under
// /uploads). Where some service they call runs in another process, a browser session is looked
// up with a short-lived access token of the person signed in, which the clients pass on, so the
// services check that person's permissions as they would in one process; the pages' calls on
// their own behalf (a guest's receipt) and the audit entries carry this process's service token.
func (a *App) wirePages(ctx context.Context, ident identity.Service) error {
	s := a.pageServices(ident)
	ship, err := pricing.ParseShipping(a.cfg.ShippingMethods)
	if err != nil {
		return fmt.Errorf("invalid setting PASAR_SHIPPING_METHODS: %w", err)
	}
	pid := pageIdentity{Service: s.identity, auditor: a.auditor}
	wo := web.Options{Catalog: s.shop, Search: s.search, Carts: s.carts, Orders: s.orders, Identity: &pid,
		Stock: s.inventory, Shipping: ship, Currency: a.cfg.Currency, CDNURL: a.cfg.CDNURL,
		Log: a.log.With("service", "web")}
	if s.remote {
		if a.token == nil {
			return errors.New("web: the services the pages call elsewhere need this process's service token")
		}
		pid.exchange = a.sessionAccess(s.identity)
		a.sessions = func(h http.Handler) http.Handler { return identity.SessionMiddleware(pid.exchange, h) }
		wo.OwnBehalf = a.asService
	}
	sf, err := web.New(wo)
	if err != nil {
		return err
	}
	sf.Routes(a.router)

	dir := a.cfg.UploadsDir
	if dir == "" {
		dir = filepath.Join(a.cfg.DataDir, "uploads")
	}
	up, err := admin.NewUploads(dir)
	if err != nil {
		return err
	}
	h, err := admin.New(admin.Options{Catalog: s.catalog, Inventory: s.inventory, Orders: s.orders, Identity: &pid,
		Discounts: s.discounts, Uploads: up, Currency: a.cfg.Currency, Logger: a.log.With("service", "web-admin")})
	if err != nil {
		return err
	}
	h.Routes(a.router)
	if a.cfg.Demo && a.svc.catalog != nil && a.svc.inventory != nil {
		return a.stockDemo(ctx)
	}
	return nil
}

// pageIdentity is identity as the pages use it: sign-ins that come with an access token where
// the pages' services are elsewhere (exchange), and audit entries through the process's
// auditor (identity's client under the service token, when identity is elsewhere).
type pageIdentity struct {
	identity.Service
	auditor  auth.Auditor
	exchange identity.SessionFunc // nil: sessions as identity answers them
}

// StartSession signs in and, with exchange, returns the session with its access token, so the
// page that signs in can act for the person at once (moving the guest cart into theirs).
func (p *pageIdentity) StartSession(ctx context.Context, in identity.Credentials) (identity.Session, error) {
	s, err := p.Service.StartSession(ctx, in)
	if err != nil || p.exchange == nil {
		return s, err
	}
	return p.exchange(ctx, s.Token)
}

// Record writes an admin page's audit entry.
func (p *pageIdentity) Record(ctx context.Context, e auth.AuditEntry) error {
	if p.auditor == nil {
		return errors.New("no audit log: identity runs elsewhere and this process has no service credentials")
	}
	return p.auditor.Record(ctx, e)
}

// sessionAccess looks sessions up with an access token of the person, asking identity as this
// process's service (which needs auth.SessionsExchange).
func (a *App) sessionAccess(ident identity.Service) identity.SessionFunc {
	return func(ctx context.Context, token string) (identity.Session, error) {
		sctx, err := a.asService(ctx)
		if err != nil {
			a.log.ErrorContext(ctx, "browser session not looked up: no service token", "err", err)
			return identity.Session{}, err
		}
		s, err := ident.SessionAccess(sctx, token)
		if err != nil && !errors.Is(err, identity.ErrNoSession) {
			a.log.ErrorContext(ctx, "browser session not looked up", "err", err)
		}
		return s, err
	}
}

// asService returns ctx acting as this process: its service token for clients to send, and
// the principal that token stands for, for services in this process.
func (a *App) asService(ctx context.Context) (context.Context, error) {
	tok, err := a.serviceToken(ctx)
	if err != nil {
		return nil, err
	}
	p, err := a.verifier.Verify(ctx, tok)
	if err != nil {
		return nil, fmt.Errorf("service token: %w", err)
	}
	return auth.WithBearer(auth.WithPrincipal(ctx, p), tok), nil
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
