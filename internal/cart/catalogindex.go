package cart

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/events"
)

// CatalogIndex is the cart's copy of the catalog's variants by SKU, in the cart's SQL store,
// kept current by the catalog's product events (the catalog's API finds products by id, not
// by SKU). It implements Catalog.
type CatalogIndex struct {
	d *db.DB
}

var _ Catalog = (*CatalogIndex)(nil)

// NewCatalogIndex returns the index in d (with Migrations applied).
func NewCatalogIndex(d *db.DB) *CatalogIndex { return &CatalogIndex{d: d} }

// IndexConsumerName is the durable consumer that feeds the index.
const IndexConsumerName = "cart-catalog"

// Variants implements Catalog.
func (x *CatalogIndex) Variants(ctx context.Context, skus []string) (map[string]Variant, error) {
	out := make(map[string]Variant, len(skus))
	if len(skus) == 0 {
		return out, nil
	}
	args := make([]any, len(skus))
	marks := make([]string, len(skus))
	for i, s := range skus {
		args[i], marks[i] = s, "$"+strconv.Itoa(i+1)
	}
	rows, err := x.d.QueryContext(ctx, `SELECT sku, product_id, title, active, amount, currency, weight_grams, COALESCE(options, '')
		FROM cart_catalog WHERE sku IN (`+strings.Join(marks, ",")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("cart catalog: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v Variant
		var options string
		if err := rows.Scan(&v.SKU, &v.ProductID, &v.Title, &v.Active, &v.Price.Amount, &v.Price.Currency, &v.WeightGrams, &options); err != nil {
			return nil, fmt.Errorf("cart catalog: %w", err)
		}
		if v.Options, err = catalog.ParseOptions(options); err != nil {
			return nil, fmt.Errorf("cart catalog: %s: %w", v.SKU, err)
		}
		out[v.SKU] = v
	}
	return out, rows.Err()
}

// Apply records a product's variants as of the event, unless a newer version is recorded.
func (x *CatalogIndex) Apply(ctx context.Context, q db.Querier, p catalog.Product) error {
	var newest int64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM cart_catalog WHERE product_id = $1`,
		p.ID).Scan(&newest); err != nil {
		return fmt.Errorf("cart catalog: %w", err)
	}
	if newest > p.Version {
		return nil // a replayed, older event
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM cart_catalog WHERE product_id = $1`, p.ID); err != nil {
		return fmt.Errorf("cart catalog: %w", err)
	}
	for _, v := range p.Variants {
		options, err := catalog.OptionsJSON(v.Options)
		if err != nil {
			return fmt.Errorf("cart catalog: %s: %w", v.SKU, err)
		}
		_, err = q.ExecContext(ctx, `INSERT INTO cart_catalog (sku, product_id, title, active, amount, currency, weight_grams, version, options)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (sku) DO UPDATE SET product_id = excluded.product_id, title = excluded.title, active = excluded.active,
				amount = excluded.amount, currency = excluded.currency, weight_grams = excluded.weight_grams, version = excluded.version,
				options = excluded.options`,
			v.SKU, p.ID, p.Title, p.Status == catalog.Active, v.Price.Amount, v.Price.Currency, int64(v.WeightGrams), p.Version, options)
		if err != nil {
			return fmt.Errorf("cart catalog: %w", err)
		}
	}
	return nil
}

// Remove forgets a deleted product's variants (unless a newer version was recorded since).
func (x *CatalogIndex) Remove(ctx context.Context, q db.Querier, id string, version int64) error {
	_, err := q.ExecContext(ctx, `DELETE FROM cart_catalog WHERE product_id = $1 AND version <= $2`, id, version)
	if err != nil {
		return fmt.Errorf("cart catalog: %w", err)
	}
	return nil
}

// Handler applies catalog events to the index, in the consumer's transaction.
func (x *CatalogIndex) Handler() events.Handler {
	return func(ctx context.Context, tx *db.Tx, ev events.Event) error {
		if ev.Version > catalog.EventVersion {
			return fmt.Errorf("cart catalog: %s version %d is newer than %d", ev.Type, ev.Version, catalog.EventVersion)
		}
		switch ev.Type {
		case catalog.EventProductUpserted:
			var p catalog.ProductUpserted
			if err := ev.Decode(&p); err != nil {
				return err
			}
			return x.Apply(ctx, tx, p.Product)
		case catalog.EventProductDeleted:
			var p catalog.ProductDeleted
			if err := ev.Decode(&p); err != nil {
				return err
			}
			return x.Remove(ctx, tx, p.ID, p.Version)
		}
		return nil
	}
}

// fillCheck asks whether the index has any row (1 or 0) and any row without options (1 or 0).
// Each reads at most one row: the first of the table, and the first of the partial index
// cart_catalog_unfilled, which is empty once the options are filled, so a start with nothing to
// do reads no row of it instead of scanning the table for NULLs.
const fillCheck = `SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM cart_catalog LIMIT 1) t),
	(SELECT COUNT(*) FROM (SELECT 1 FROM cart_catalog WHERE options IS NULL LIMIT 1) u)`

// Fill copies every product from scan (catalog.Service.ScanProducts) into an empty index, so a
// cart service that starts after the catalog's events were published still knows every SKU. It
// also copies every product into an index with rows from before variant options were recorded
// (options NULL), so those lines show their options without waiting for the product to change;
// rows a newer event already wrote are kept. Otherwise it does nothing: the consumer keeps the
// index current.
func (x *CatalogIndex) Fill(ctx context.Context, scan func(ctx context.Context, after string, limit int) ([]catalog.ProductUpserted, error)) (int, error) {
	var rows, stale int
	if err := x.d.QueryRowContext(ctx, fillCheck).Scan(&rows, &stale); err != nil {
		return 0, fmt.Errorf("cart catalog: %w", err)
	}
	if rows > 0 && stale == 0 {
		return 0, nil
	}
	n, after := 0, ""
	for {
		page, err := scan(ctx, after, 500)
		if err != nil {
			return n, fmt.Errorf("cart catalog fill: %w", err)
		}
		if len(page) == 0 {
			// Rows still without options belong to products the catalog no longer has (their
			// deletion not consumed yet): mark them so the next start does not scan again.
			if _, err := x.d.ExecContext(ctx, `UPDATE cart_catalog SET options = '{}' WHERE options IS NULL`); err != nil {
				return n, fmt.Errorf("cart catalog fill: %w", err)
			}
			return n, nil
		}
		err = x.d.InTx(ctx, func(tx *db.Tx) error {
			for _, p := range page {
				if err := x.Apply(ctx, tx, p.Product); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		n += len(page)
		after = page[len(page)-1].Product.ID
	}
}

// Subscribe starts the durable consumer that keeps x current with the catalog.
func (x *CatalogIndex) Subscribe(ctx context.Context, bus *events.Bus) (*events.Consumer, error) {
	return events.Subscribe(ctx, bus, x.d, events.ConsumerOptions{Name: IndexConsumerName, Types: []string{"product.*"}}, x.Handler())
}
