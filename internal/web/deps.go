package web

import (
	"context"

	"github.com/pasarhq/pasar/internal/cart"
	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/identity"
	"github.com/pasarhq/pasar/internal/order"
	"github.com/pasarhq/pasar/internal/search"
)

// The interfaces below are what the storefront needs of each service, declared here where they
// are used. The in-process services satisfy them (see the assertions in web_test.go), and so can
// HTTP clients when the pages run apart from the services.

// Catalog reads products and categories.
type Catalog interface {
	Product(ctx context.Context, idOrSlug string) (catalog.Product, error)
	Products(ctx context.Context, q catalog.Query) (catalog.Page, error)
	Categories(ctx context.Context) ([]catalog.Category, error)
}

// Search finds products with facets, forgiving typos.
type Search interface {
	Search(ctx context.Context, q search.Query) (search.Result, error)
}

// Carts keeps shoppers' carts.
type Carts interface {
	Create(ctx context.Context, currency string) (cart.View, error)
	Get(ctx context.Context, id string) (cart.View, error)
	AddItem(ctx context.Context, id, sku string, quantity int64) (cart.View, error)
	SetQuantity(ctx context.Context, id, sku string, quantity int64) (cart.View, error)
	RemoveItem(ctx context.Context, id, sku string) (cart.View, error)
	ApplyDiscount(ctx context.Context, id, code string) (cart.View, error)
	RemoveDiscount(ctx context.Context, id string) (cart.View, error)
	Quote(ctx context.Context, id string, d cart.Destination) (cart.View, error)
	Merge(ctx context.Context, guestID, customerID string) (cart.View, error)
}

// Orders checks out and shows orders.
type Orders interface {
	Checkout(ctx context.Context, key string, r order.CheckoutRequest) (order.Order, error)
	Get(ctx context.Context, id string) (order.Order, error)
	Mine(ctx context.Context, limit int) ([]order.Order, error)
}

// Identity registers accounts and signs browsers in and out.
type Identity interface {
	Register(ctx context.Context, in identity.Credentials) (identity.User, error)
	StartSession(ctx context.Context, in identity.Credentials) (identity.Session, error)
	EndSession(ctx context.Context, token string) error
	RequestPasswordReset(ctx context.Context, email string) error
	ResetPassword(ctx context.Context, in identity.PasswordReset) error
}

// Stock tells how many units of each SKU are available; a SKU it does not track is absent.
type Stock interface {
	Available(ctx context.Context, skus []string) (map[string]int64, error)
}
