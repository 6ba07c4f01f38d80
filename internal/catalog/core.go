package catalog

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/events"
)

// Core is the catalog service on its SQL store. Every write publishes its event through the
// outbox in the same transaction.
type Core struct {
	d      *db.DB
	outbox *events.Outbox
	now    func() time.Time
}

var _ Service = (*Core)(nil)

// NewCore returns the catalog on store d (with Migrations applied), publishing through o.
func NewCore(d *db.DB, o *events.Outbox) *Core {
	return &Core{d: d, outbox: o, now: time.Now}
}

// Product returns a product by id or slug.
func (c *Core) Product(ctx context.Context, idOrSlug string) (Product, error) {
	return getProduct(ctx, c.d, idOrSlug)
}

// Products returns one page of the list q selects.
func (c *Core) Products(ctx context.Context, q Query) (Page, error) {
	if err := checkQuery(&q); err != nil {
		return Page{}, err
	}
	var t tree
	if q.Category != "" {
		var err error
		if t, err = loadTree(ctx, c.d); err != nil {
			return Page{}, err
		}
	}
	return listProducts(ctx, c.d, t, q)
}

// Categories returns the category tree.
func (c *Core) Categories(ctx context.Context) ([]Category, error) {
	t, err := loadTree(ctx, c.d)
	if err != nil {
		return nil, err
	}
	return t.roots(), nil
}

// CreateProduct stores p as a new product.
func (c *Core) CreateProduct(ctx context.Context, p Product) (Product, error) {
	if err := auth.Check(ctx, auth.CatalogWrite); err != nil {
		return Product{}, err
	}
	normalize(&p)
	err := c.d.InTx(ctx, func(tx *db.Tx) error {
		id, err := uuid.NewV7()
		if err != nil {
			return fmt.Errorf("product id: %w", err)
		}
		p.ID = id.String()
		t, err := c.check(ctx, tx, &p)
		if err != nil {
			return err
		}
		p.Version = 1
		p.CreatedAt = c.now().UTC().Truncate(time.Microsecond)
		p.UpdatedAt = p.CreatedAt
		if err := insertProduct(ctx, tx, &p); err != nil {
			return err
		}
		return c.publish(ctx, tx, t, &p)
	})
	if err != nil {
		return Product{}, c.writeError(ctx, &p, err)
	}
	return p, nil
}

// UpdateProduct replaces product p.ID with p, if its version is ifVersion (0: any). An
// unconditional update that loses a race with another writer tries again, as it asked to win.
func (c *Core) UpdateProduct(ctx context.Context, p Product, ifVersion int64) (Product, error) {
	if err := auth.Check(ctx, auth.CatalogWrite); err != nil {
		return Product{}, err
	}
	for attempt := 1; ; attempt++ {
		out, err := c.updateOnce(ctx, p, ifVersion)
		if ifVersion != 0 || attempt == 3 || !errors.Is(err, ErrStale) {
			return out, err
		}
	}
}

func (c *Core) updateOnce(ctx context.Context, p Product, ifVersion int64) (Product, error) {
	err := c.d.InTx(ctx, func(tx *db.Tx) error {
		cur, err := getProductByID(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		if ifVersion != 0 && cur.Version != ifVersion {
			return ErrStale
		}
		if strings.TrimSpace(p.Slug) == "" {
			p.Slug = cur.Slug // a replacement without a slug keeps the address, not one from the new title
		}
		normalize(&p)
		t, err := c.check(ctx, tx, &p)
		if err != nil {
			return err
		}
		p.Version = cur.Version + 1
		p.CreatedAt = cur.CreatedAt
		p.UpdatedAt = c.now().UTC().Truncate(time.Microsecond)
		if err := updateProduct(ctx, tx, &p, cur.Version); err != nil {
			return err
		}
		return c.publish(ctx, tx, t, &p)
	})
	if err != nil {
		return Product{}, c.writeError(ctx, &p, err)
	}
	return p, nil
}

// DeleteProduct removes product id, if its version is ifVersion (0: any).
func (c *Core) DeleteProduct(ctx context.Context, id string, ifVersion int64) error {
	if err := auth.Check(ctx, auth.CatalogWrite); err != nil {
		return err
	}
	return c.d.InTx(ctx, func(tx *db.Tx) error {
		cur, err := getProductByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if ifVersion != 0 && cur.Version != ifVersion {
			return ErrStale
		}
		if err := deleteProduct(ctx, tx, id, cur.Version); err != nil {
			return err
		}
		_, err = c.outbox.Add(ctx, tx, EventProductDeleted, EventVersion, ProductDeleted{ID: id, Version: cur.Version})
		return err
	})
}

// ScanProducts returns products in id order after the id after, with their category paths.
func (c *Core) ScanProducts(ctx context.Context, after string, limit int) ([]ProductUpserted, error) {
	if limit < 1 || limit > 1000 {
		limit = 1000
	}
	t, err := loadTree(ctx, c.d)
	if err != nil {
		return nil, err
	}
	ps, err := scanProducts(ctx, c.d, after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]ProductUpserted, len(ps))
	for i, p := range ps {
		out[i] = ProductUpserted{Product: p, CategoryPath: t.path(p.Categories)}
	}
	return out, nil
}

// getProductByID reads a product by id only: writes address products by id.
func getProductByID(ctx context.Context, q db.Querier, id string) (Product, error) {
	if uuid.Validate(id) != nil {
		return Product{}, ErrNotFound
	}
	return getProduct(ctx, q, id)
}

// check validates p against its own rules and against the store (known categories, free slug
// and SKUs), naming every broken field at once, and returns the category tree.
func (c *Core) check(ctx context.Context, tx *db.Tx, p *Product) (tree, error) {
	errs := validate(p)
	t, err := loadTree(ctx, tx)
	if err != nil {
		return nil, err
	}
	for i, cat := range p.Categories {
		if _, ok := t[cat]; !ok && slugPattern.MatchString(cat) {
			errs = append(errs, apperr.FieldError{Field: "categories[" + strconv.Itoa(i) + "]", Detail: "is not a known category"})
		}
	}
	taken, err := conflicts(ctx, tx, p)
	if err != nil {
		return nil, err
	}
	errs = append(errs, taken...)
	if len(errs) > 0 {
		return nil, apperr.Invalid(errs...)
	}
	return t, nil
}

func (c *Core) publish(ctx context.Context, tx *db.Tx, t tree, p *Product) error {
	_, err := c.outbox.Add(ctx, tx, EventProductUpserted, EventVersion,
		ProductUpserted{Product: *p, CategoryPath: t.path(p.Categories)})
	return err
}

// writeError names the fields of a unique violation that slipped past the checks (two writers
// racing on PostgreSQL), so the loser still gets a 422 rather than a 500.
func (c *Core) writeError(ctx context.Context, p *Product, err error) error {
	if !db.IsUniqueViolation(err) {
		return err
	}
	if taken, cerr := conflicts(ctx, c.d, p); cerr == nil && len(taken) > 0 {
		return apperr.Invalid(taken...)
	}
	return apperr.Invalid(apperr.FieldError{Field: "slug", Detail: "or a variant SKU is taken by another product"}).WithCause(err)
}
