// Package admin serves the shop owner's pages under /admin: sign-in, a dashboard, products and
// categories, inventory, orders, discount codes, users and the audit log. Pages are rendered on
// the server with html/template and work without JavaScript; every write goes through the same
// service methods the admin API uses, so permissions, validation and the audit log are the same.
//
// The package depends only on the narrow interfaces below, which the services' in-process
// implementations satisfy and which HTTP clients can satisfy in the distributed shape.
package admin

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/pasarhq/pasar/internal/cart"
	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/identity"
	"github.com/pasarhq/pasar/internal/inventory"
	"github.com/pasarhq/pasar/internal/order"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/httpx"
	"github.com/pasarhq/pasar/internal/pricing"
)

// Catalog is what the product and category pages need of the catalog.
type Catalog interface {
	Product(ctx context.Context, idOrSlug string) (catalog.Product, error)
	Products(ctx context.Context, q catalog.Query) (catalog.Page, error)
	Categories(ctx context.Context) ([]catalog.Category, error)
	CreateProduct(ctx context.Context, p catalog.Product) (catalog.Product, error)
	UpdateProduct(ctx context.Context, p catalog.Product, ifVersion int64) (catalog.Product, error)
	CreateCategory(ctx context.Context, c catalog.Category) (catalog.Category, error)
	UpdateCategory(ctx context.Context, slug string, c catalog.Category) (catalog.Category, error)
	DeleteCategory(ctx context.Context, slug string) error
}

// Inventory is what the inventory pages and the dashboard need of the inventory.
type Inventory interface {
	Get(ctx context.Context, sku string) (inventory.Stock, error)
	Adjust(ctx context.Context, a inventory.Adjustment) (inventory.Stock, error)
	Adjustments(ctx context.Context, sku string, limit int) ([]inventory.AdjustmentRecord, error)
	LowStock(ctx context.Context, limit int) ([]inventory.Stock, error)
}

// Orders is what the order pages and the dashboard need of the order service.
type Orders interface {
	Get(ctx context.Context, id string) (order.Order, error)
	List(ctx context.Context, f order.Filter) ([]order.Order, error)
	Ship(ctx context.Context, id, tracking string) (order.Order, error)
	Deliver(ctx context.Context, id, note string) (order.Order, error)
	Cancel(ctx context.Context, id, reason string) (order.Order, error)
	Refund(ctx context.Context, id, reason string) (order.Order, error)
}

// Discounts is what the discount code pages need of the cart's discount codes.
type Discounts interface {
	Create(ctx context.Context, d pricing.Discount) (cart.DiscountRecord, error)
	List(ctx context.Context) ([]cart.DiscountRecord, error)
	Delete(ctx context.Context, code string) error
}

// Identity is what sign-in, the users page and the audit log need of the identity service.
// Record (auth.Auditor) is how page writes reach the audit log.
type Identity interface {
	StartSession(ctx context.Context, in identity.Credentials) (identity.Session, error)
	EndSession(ctx context.Context, token string) error
	ListUsers(ctx context.Context, f identity.UserFilter) (identity.UserPage, error)
	UpdateUser(ctx context.Context, id string, u identity.UserUpdate) (identity.User, error)
	ListAudit(ctx context.Context, f identity.AuditFilter) (identity.AuditPage, error)
	auth.Auditor
}

// Compile-time checks that the in-process services (and the clients standing in for them) fit.
var (
	_ Catalog   = catalog.Service(nil)
	_ Inventory = inventory.Service(nil)
	_ Orders    = order.Service(nil)
	_ Discounts = (*cart.Discounts)(nil)
	_ Discounts = (*cart.DiscountsClient)(nil)
	_ Identity  = identity.Service(nil)
)

// Options are the admin pages' dependencies and settings.
type Options struct {
	Catalog   Catalog   // required
	Inventory Inventory // required
	Orders    Orders    // required
	Discounts Discounts // nil: the discount pages say codes are not enabled
	Identity  Identity  // required
	Uploads   *Uploads  // where uploaded product images go; nil: images by URL only
	Currency  string    // the shop's currency for new prices; default USD
	Logger    *slog.Logger
	Now       func() time.Time
}

// Handler serves the admin pages.
type Handler struct {
	o     Options
	pages *pages
}

// New returns the admin pages on o's services.
func New(o Options) (*Handler, error) {
	if o.Currency == "" {
		o.Currency = "USD"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	p, err := loadPages()
	if err != nil {
		return nil, err
	}
	return &Handler{o: o, pages: p}, nil
}

// Routes registers the admin pages, their stylesheet and (with Uploads) the image files.
func (h *Handler) Routes(r *httpx.Router) {
	r.Handle("GET "+assetPrefix+"{name}", http.HandlerFunc(h.pages.serveAsset))
	r.HandleFunc("GET /admin/login", h.loginForm)
	r.HandleFunc("POST /admin/login", h.login)
	r.HandleFunc("POST /admin/logout", h.logout)
	r.Handle("GET /admin", http.RedirectHandler("/admin/", http.StatusMovedPermanently))

	h.get(r, "/admin/{$}", auth.AdminAccess, h.dashboard)

	h.get(r, "/admin/products", auth.CatalogWrite, h.productList)
	h.get(r, "/admin/products/new", auth.CatalogWrite, h.productNew)
	h.post(r, "/admin/products", auth.CatalogWrite, "products", h.productCreate)
	h.get(r, "/admin/products/{id}", auth.CatalogWrite, h.productEdit)
	h.post(r, "/admin/products/{id}", auth.CatalogWrite, "products", h.productUpdate)
	h.post(r, "/admin/products/{id}/status", auth.CatalogWrite, "products", h.productStatus)

	h.get(r, "/admin/categories", auth.CatalogWrite, h.categoryList)
	h.post(r, "/admin/categories", auth.CatalogWrite, "categories", h.categoryCreate)
	h.post(r, "/admin/categories/{slug}", auth.CatalogWrite, "categories", h.categoryUpdate)
	h.post(r, "/admin/categories/{slug}/delete", auth.CatalogWrite, "categories", h.categoryDelete)

	h.get(r, "/admin/inventory", auth.InventoryWrite, h.inventoryPage)
	h.post(r, "/admin/inventory", auth.InventoryWrite, "inventory", h.inventoryAdjust)

	h.get(r, "/admin/orders", auth.OrdersRead, h.orderList)
	h.get(r, "/admin/orders/{id}", auth.OrdersRead, h.orderDetail)
	h.post(r, "/admin/orders/{id}/ship", auth.OrdersManage, "orders", h.orderShip)
	h.post(r, "/admin/orders/{id}/deliver", auth.OrdersManage, "orders", h.orderDeliver)
	h.post(r, "/admin/orders/{id}/cancel", auth.OrdersManage, "orders", h.orderCancel)
	h.post(r, "/admin/orders/{id}/refund", auth.PaymentsRefund, "orders", h.orderRefund)

	h.get(r, "/admin/discounts", auth.CatalogWrite, h.discountList)
	h.post(r, "/admin/discounts", auth.CatalogWrite, "discounts", h.discountCreate)
	h.post(r, "/admin/discounts/{code}/delete", auth.CatalogWrite, "discounts", h.discountDelete)

	h.get(r, "/admin/users", auth.UsersManage, h.userList)
	// Identity records role changes and disables itself, with before and after: not audited here.
	h.post(r, "/admin/users/{id}", auth.UsersManage, "", h.userUpdate)

	h.get(r, "/admin/audit", auth.AuditRead, h.auditList)

	if h.o.Uploads != nil {
		r.Handle("GET "+UploadsPrefix+"{name}", http.HandlerFunc(h.o.Uploads.serve))
	}
}

// get registers a page that needs perm.
func (h *Handler) get(r *httpx.Router, path string, perm auth.Permission, f http.HandlerFunc) {
	r.Handle("GET "+path, h.require(perm, f))
}

// post registers a form target that needs perm and records its outcome in the audit log under
// area (none when area is empty: the service audits itself).
func (h *Handler) post(r *httpx.Router, path string, perm auth.Permission, area string, f http.HandlerFunc) {
	var next http.Handler = f
	if area != "" {
		next = h.audited(area, "POST "+path, next)
	}
	r.Handle("POST "+path, h.require(perm, next))
}
