package catalog

import (
	"context"
	"io"

	"github.com/pasarhq/pasar/internal/platform/apperr"
)

// Service is the catalog's contract. The core implements it on a SQL store, the cache decorates
// it, and an HTTP client can implement it for a catalog that runs in another process. Writes need
// the caller to hold auth.CatalogWrite.
type Service interface {
	// Product returns a product by id or slug, in any status.
	Product(ctx context.Context, idOrSlug string) (Product, error)
	// Products returns one page of products matching q.
	Products(ctx context.Context, q Query) (Page, error)
	// Categories returns the category tree: the roots, each with its children, in position order.
	Categories(ctx context.Context) ([]Category, error)

	// CreateProduct validates p and stores it as a new product with version 1.
	CreateProduct(ctx context.Context, p Product) (Product, error)
	// UpdateProduct replaces product p.ID with p (an empty slug keeps the stored one). ifVersion > 0
	// makes the write conditional on the stored version (ErrStale otherwise); 0 writes
	// unconditionally.
	UpdateProduct(ctx context.Context, p Product, ifVersion int64) (Product, error)
	// DeleteProduct removes a product, conditionally like UpdateProduct.
	DeleteProduct(ctx context.Context, id string, ifVersion int64) error
	// ImportProducts reads one product per line of JSON from r and creates it, or updates the
	// product with its slug. A bad line is reported and skipped; the others go on. progress, when
	// not nil, is called after each line.
	ImportProducts(ctx context.Context, r io.Reader, progress func(ImportProgress)) (ImportReport, error)

	// CreateCategory adds a category under c.Parent (a root when empty).
	CreateCategory(ctx context.Context, c Category) (Category, error)
	// UpdateCategory renames, moves or reorders the category slug.
	UpdateCategory(ctx context.Context, slug string, c Category) (Category, error)
	// DeleteCategory removes a category that has no children and no products.
	DeleteCategory(ctx context.Context, slug string) error

	// ScanProducts returns up to limit products of every status, ordered by id and starting after
	// the id after (empty: from the start), each as the event payload a consumer would have
	// received. The search service rebuilds its index with it.
	ScanProducts(ctx context.Context, after string, limit int) ([]ProductUpserted, error)
}

// Sort orders a product list.
type Sort string

// The orders Products supports; Newest is the default.
const (
	Newest    Sort = "newest"
	PriceAsc  Sort = "price_asc"
	PriceDesc Sort = "price_desc"
)

// Query selects a page of products. It is comparable, so caches key on it directly.
type Query struct {
	Category string // a category slug; its descendants are included
	Brand    string
	Status   Status // empty: every status (admin); the public API always asks for Active
	// Text keeps the products whose title, brand, slug, id or a SKU contains it, in any case
	// (admin lists only: the storefront searches through the search service). At most
	// MaxTextLength bytes.
	Text     string
	PriceMin int64  // lowest variant price at least this (minor units); 0: no lower bound
	PriceMax int64  // lowest variant price at most this; 0: no upper bound
	Sort     Sort   // empty: Newest
	Cursor   string // next_cursor of the previous page
	Limit    int    // 1..MaxLimit; 0: DefaultLimit
}

// Page sizes, and the longest Query.Text.
const (
	DefaultLimit  = 20
	MaxLimit      = 100
	MaxTextLength = 200
)

// Page is one page of a product list.
type Page struct {
	Items      []Product `json:"items"`
	NextCursor string    `json:"next_cursor,omitempty"` // empty on the last page
}

// ImportProgress reports how far an import has got.
type ImportProgress struct {
	Lines    int `json:"lines"`
	Created  int `json:"created"`
	Updated  int `json:"updated"`
	Rejected int `json:"rejected"`
}

// ImportReport is the outcome of an import: the counts and each rejected line with its reasons.
type ImportReport struct {
	ImportProgress
	Rejections []Rejection `json:"rejections,omitempty"`
}

// Rejection says why one import line was not stored.
type Rejection struct {
	Line   int                 `json:"line"`
	Code   string              `json:"code"`
	Detail string              `json:"detail"`
	Errors []apperr.FieldError `json:"errors,omitempty"`
}

// Errors the catalog returns; errors.Is matches them in both shapes.
var (
	ErrNotFound         = apperr.New(apperr.NotFound, "product_not_found", "No such product.")
	ErrCategoryNotFound = apperr.New(apperr.NotFound, "category_not_found", "No such category.")
	ErrStale            = apperr.New(apperr.PreconditionFailed, "stale_version",
		"The product changed since you read it; read it again and retry.")
	ErrCategoryInUse = apperr.New(apperr.Conflict, "category_in_use",
		"The category still has subcategories or products.")
	ErrBadCursor = apperr.New(apperr.BadRequest, "bad_cursor", "The cursor is not one this list returned.")
)
