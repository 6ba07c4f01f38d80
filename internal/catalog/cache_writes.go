package catalog

import (
	"context"
	"io"

	"github.com/pasarhq/pasar/internal/platform/auth"
)

// The cache's writes go to the inner service and, once it returns (the transaction committed),
// drop what they changed, so this process reads its own writes at once; other processes learn
// of them through the events (see Consume).

// CreateProduct creates through the inner service and invalidates.
func (c *Cache) CreateProduct(ctx context.Context, p Product) (Product, error) {
	out, err := c.inner.CreateProduct(ctx, p)
	if err == nil {
		c.InvalidateProduct(out.ID)
	}
	return out, err
}

// UpdateProduct updates through the inner service and invalidates.
func (c *Cache) UpdateProduct(ctx context.Context, p Product, ifVersion int64) (Product, error) {
	out, err := c.inner.UpdateProduct(ctx, p, ifVersion)
	if err == nil {
		c.InvalidateProduct(out.ID)
	}
	return out, err
}

// DeleteProduct deletes through the inner service and invalidates.
func (c *Cache) DeleteProduct(ctx context.Context, id string, ifVersion int64) error {
	err := c.inner.DeleteProduct(ctx, id, ifVersion)
	if err == nil {
		c.InvalidateProduct(id)
	}
	return err
}

// ImportProducts imports line by line through the cache, so each stored line invalidates.
func (c *Cache) ImportProducts(ctx context.Context, r io.Reader, progress func(ImportProgress)) (ImportReport, error) {
	if err := auth.Check(ctx, auth.CatalogWrite); err != nil {
		return ImportReport{}, err
	}
	return importLines(ctx, c, r, progress)
}

// CreateCategory creates through the inner service and invalidates.
func (c *Cache) CreateCategory(ctx context.Context, cat Category) (Category, error) {
	out, err := c.inner.CreateCategory(ctx, cat)
	if err == nil {
		c.InvalidateCategories()
	}
	return out, err
}

// UpdateCategory updates through the inner service and invalidates.
func (c *Cache) UpdateCategory(ctx context.Context, slug string, cat Category) (Category, error) {
	out, err := c.inner.UpdateCategory(ctx, slug, cat)
	if err == nil {
		c.InvalidateCategories()
	}
	return out, err
}

// DeleteCategory deletes through the inner service and invalidates.
func (c *Cache) DeleteCategory(ctx context.Context, slug string) error {
	err := c.inner.DeleteCategory(ctx, slug)
	if err == nil {
		c.InvalidateCategories()
	}
	return err
}

// ScanProducts passes through: a rebuild reads the store, not the cache.
func (c *Cache) ScanProducts(ctx context.Context, after string, limit int) ([]ProductUpserted, error) {
	return c.inner.ScanProducts(ctx, after, limit)
}
