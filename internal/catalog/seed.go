package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/db"
)

// SeedBatch stores many products in one transaction, for seeding and other bulk loads: the
// categories that are missing (parents before children), then each product whose slug is still
// free, with its event. Products keep a given ID (a UUID) and CreatedAt, so a generated catalog
// is the same on every run. An invalid product fails the whole batch. It returns how many
// products were stored.
func (c *Core) SeedBatch(ctx context.Context, cats []Category, ps []Product) (int, error) {
	if err := auth.Check(ctx, auth.CatalogWrite); err != nil {
		return 0, err
	}
	stored := 0
	err := c.d.InTx(ctx, func(tx *db.Tx) error {
		stored = 0
		t, err := loadTree(ctx, tx)
		if err != nil {
			return err
		}
		added := ""
		for _, cat := range cats {
			if _, ok := t[cat.Slug]; ok {
				continue
			}
			cat = normalizeCategory(cat)
			if err := checkCategory(t, cat, ""); err != nil {
				return fmt.Errorf("category %s: %w", cat.Slug, err)
			}
			if err := insertCategory(ctx, tx, cat); err != nil {
				return err
			}
			t[cat.Slug] = cat
			added = cat.Slug
		}
		if added != "" {
			if err := c.publishCategory(ctx, tx, CategoryChanged{Slug: added}); err != nil {
				return err
			}
		}
		now := c.now().UTC().Truncate(time.Microsecond)
		b, err := prepareBulk(ctx, tx)
		if err != nil {
			return err
		}
		defer b.close()
		for i := range ps {
			p := ps[i]
			ok, err := c.seedOne(ctx, tx, b, t, &p, now)
			if err != nil {
				return fmt.Errorf("product %s: %w", p.Slug, err)
			}
			if ok {
				stored++
			}
		}
		return nil
	})
	return stored, err
}

func (c *Core) seedOne(ctx context.Context, tx *db.Tx, b *bulk, t tree, p *Product, now time.Time) (bool, error) {
	normalize(p)
	errs := validate(p)
	for _, cat := range p.Categories {
		if _, ok := t[cat]; !ok {
			errs = append(errs, apperr.FieldError{Field: "categories", Detail: cat + " is not a known category"})
		}
	}
	if len(errs) > 0 {
		return false, apperr.Invalid(errs...)
	}
	if uuid.Validate(p.ID) != nil {
		id, err := uuid.NewV7()
		if err != nil {
			return false, err
		}
		p.ID = id.String()
	}
	p.Version = 1
	if p.CreatedAt.IsZero() {
		p.CreatedAt = now
	}
	p.CreatedAt = p.CreatedAt.UTC().Truncate(time.Microsecond)
	p.UpdatedAt = p.CreatedAt
	stored, err := b.insert(ctx, p)
	if err != nil || !stored {
		return false, err // not stored: seeded before
	}
	return true, c.publish(ctx, tx, t, p)
}

// bulk holds a transaction's prepared insert statements, which spares SQLite parsing the same
// SQL for every row of a large load.
type bulk struct {
	product, category, sku *sql.Stmt
}

func prepareBulk(ctx context.Context, tx *db.Tx) (*bulk, error) {
	var b bulk
	var err error
	for _, s := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&b.product, `INSERT INTO products (` + productColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (slug) DO NOTHING`},
		{&b.category, `INSERT INTO product_categories (category, product_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`},
		{&b.sku, `INSERT INTO product_skus (sku, product_id) VALUES ($1, $2)`},
	} {
		if *s.dst, err = tx.PrepareContext(ctx, s.sql); err != nil {
			b.close()
			return nil, fmt.Errorf("prepare bulk insert: %w", err)
		}
	}
	return &b, nil
}

func (b *bulk) close() {
	for _, s := range []*sql.Stmt{b.product, b.category, b.sku} {
		if s != nil {
			s.Close()
		}
	}
}

// insert stores p unless its slug is taken, and reports whether it did.
func (b *bulk) insert(ctx context.Context, p *Product) (bool, error) {
	doc, err := json.Marshal(p)
	if err != nil {
		return false, fmt.Errorf("encode product: %w", err)
	}
	res, err := b.product.ExecContext(ctx, p.ID, p.Slug, string(p.Status), p.Brand, minPrice(p.Variants), p.Version,
		p.CreatedAt.UnixMicro(), p.UpdatedAt.UnixMicro(), string(doc), searchText(p))
	if err != nil {
		return false, fmt.Errorf("insert product: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	for _, c := range p.Categories {
		if _, err := b.category.ExecContext(ctx, c, p.ID); err != nil {
			return false, fmt.Errorf("insert category: %w", err)
		}
	}
	for _, v := range p.Variants {
		if _, err := b.sku.ExecContext(ctx, v.SKU, p.ID); err != nil {
			return false, fmt.Errorf("insert sku %s: %w", v.SKU, err)
		}
	}
	return true, nil
}

// Empty reports whether the catalog has no products, so a demo shop is seeded only once.
func (c *Core) Empty(ctx context.Context) (bool, error) {
	var one int
	err := c.d.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM products LIMIT 1) AS x`).Scan(&one)
	return one == 0, err
}
