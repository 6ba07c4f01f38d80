// Package web is the storefront: server-rendered HTML pages (html/template, assets embedded in the
// binary) that work without JavaScript. It calls the services through the narrow interfaces in
// deps.go, so the same pages run on in-process services or on HTTP clients of them.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/httpx"
	"github.com/pasarhq/pasar/internal/pricing"
)

// Options are what the storefront is built from. Every service is required.
type Options struct {
	Catalog  Catalog
	Search   Search
	Carts    Carts
	Orders   Orders
	Identity Identity
	Stock    Stock

	// Shipping lists the shipping methods checkout offers (the first is the default); empty:
	// pricing.DefaultShipping.
	Shipping []pricing.ShippingMethod
	// Currency is the currency of new carts; empty: the cart service's default.
	Currency string
	// CDNURL prefixes asset and image URLs (PASAR_CDN_URL); empty: this host.
	CDNURL string
	// OwnBehalf returns ctx for a call the pages make on their own behalf rather than the
	// shopper's: reading a guest's receipt, which the order service shows to staff and services
	// only. Nil: ctx acting as an in-process service that may read orders. Where the order
	// service is in another process, it must carry the process's service token.
	OwnBehalf func(ctx context.Context) (context.Context, error)
	// ShopName is shown in the header and titles; "Pasar" when empty.
	ShopName string
	Log      *slog.Logger
}

// Storefront serves the shop's pages.
type Storefront struct {
	o      Options
	cdn    string
	csp    string // the security policy allowing the CDN; empty keeps the edge's own
	pages  *pages
	assets *assets
}

// New parses the templates and fingerprints the assets; it fails only on a missing service.
func New(o Options) (*Storefront, error) {
	if o.Catalog == nil || o.Search == nil || o.Carts == nil || o.Orders == nil || o.Identity == nil || o.Stock == nil {
		return nil, errors.New("web: every service is required")
	}
	if len(o.Shipping) == 0 {
		o.Shipping = pricing.DefaultShipping()
	}
	if o.ShopName == "" {
		o.ShopName = "Pasar"
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.OwnBehalf == nil {
		o.OwnBehalf = func(ctx context.Context) (context.Context, error) {
			return auth.WithPrincipal(ctx, receiptReader), nil
		}
	}
	s := &Storefront{o: o, cdn: strings.TrimRight(o.CDNURL, "/"), assets: loadAssets()}
	s.csp = cdnPolicy(s.cdn)
	p, err := parsePages(s.funcs())
	if err != nil {
		return nil, err
	}
	s.pages = p
	return s, nil
}

// Routes registers the pages, the assets and the sized product images on r.
func (s *Storefront) Routes(r *httpx.Router) {
	r.HandleFunc("GET /{$}", s.home)
	r.HandleFunc("GET /c/{category}", s.category)
	r.HandleFunc("GET /search", s.search)
	r.HandleFunc("GET /p/{slug}", s.product)

	r.HandleFunc("GET /cart", s.cartPage)
	r.Handle("POST /cart/items", s.guard(s.addItem))
	r.Handle("POST /cart/items/{sku}", s.guard(s.setQuantity))
	r.Handle("POST /cart/items/{sku}/remove", s.guard(s.removeItem))
	r.Handle("POST /cart/discount", s.guard(s.applyDiscount))
	r.Handle("POST /cart/discount/remove", s.guard(s.removeDiscount))

	r.HandleFunc("GET /checkout", s.checkoutPage)
	r.Handle("POST /checkout", s.guard(s.checkout))
	r.HandleFunc("GET /orders/{id}", s.orderPage)

	r.HandleFunc("GET /account", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/account/", http.StatusMovedPermanently)
	})
	r.HandleFunc("GET /account/{$}", s.accountPage)
	r.HandleFunc("GET /account/login", s.loginPage)
	r.Handle("POST /account/login", s.guard(s.login))
	r.HandleFunc("GET /account/register", s.registerPage)
	r.Handle("POST /account/register", s.guard(s.register))
	r.Handle("POST /account/logout", s.guard(s.logout))
	r.HandleFunc("GET /account/orders/{id}", s.accountOrder)
	r.HandleFunc("GET /account/reset", s.resetRequestPage)
	r.Handle("POST /account/reset", s.guard(s.resetRequest))
	r.HandleFunc("GET /account/reset/confirm", s.resetConfirmPage)
	r.Handle("POST /account/reset/confirm", s.guard(s.resetConfirm))

	r.HandleFunc("GET /assets/{name}", s.assets.serve)
	r.HandleFunc("GET /images/{size}/{name}", serveImage)
}

// Handler lets a test or a bare server use the storefront without the process's router.
func (s *Storefront) Handler() http.Handler {
	r := httpx.NewRouter(nil)
	s.Routes(r)
	return r
}

// cdnPolicy returns the Content-Security-Policy of pages whose stylesheet and images come from
// the CDN at cdn: the edge's policy allows this origin only. "" when there is no CDN.
func cdnPolicy(cdn string) string {
	if cdn == "" {
		return ""
	}
	u, err := url.Parse(cdn)
	if err != nil || u.Host == "" {
		return ""
	}
	origin := u.Scheme + "://" + u.Host
	return "default-src 'self'; script-src 'self'; style-src 'self' " + origin + "; img-src 'self' data: " + origin +
		"; font-src 'self' " + origin + "; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
}
