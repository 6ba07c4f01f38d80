package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/db"
)

// The store functions below hold the catalog's SQL. They take a db.Querier so the same code runs
// on the reader pool and inside a write transaction, on both engines.

const productColumns = `id, slug, status, brand, min_price, version, created_at, updated_at, doc, search_text`

// searchText is what Query.Text matches in a product: title, brand, slug, id and SKUs, lower
// case, a line each (so a match never spans two of them).
func searchText(p *Product) string {
	parts := []string{p.Title, p.Brand, p.Slug, p.ID}
	for _, v := range p.Variants {
		parts = append(parts, v.SKU)
	}
	return strings.ToLower(strings.Join(parts, "\n"))
}

// getProduct reads a product by id, or by slug when no id matches.
func getProduct(ctx context.Context, q db.Querier, idOrSlug string) (Product, error) {
	var doc string
	err := q.QueryRowContext(ctx, `SELECT doc FROM products WHERE id = $1`, idOrSlug).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		err = q.QueryRowContext(ctx, `SELECT doc FROM products WHERE slug = $1`, idOrSlug).Scan(&doc)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return Product{}, ErrNotFound
	}
	if err != nil {
		return Product{}, fmt.Errorf("read product %q: %w", idOrSlug, err)
	}
	return decodeDoc(doc)
}

func decodeDoc(doc string) (Product, error) {
	var p Product
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return Product{}, fmt.Errorf("decode product document: %w", err)
	}
	return p, nil
}

// insertProduct writes a new product with its category and SKU rows.
func insertProduct(ctx context.Context, tx *db.Tx, p *Product) error {
	doc, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode product: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO products (`+productColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		p.ID, p.Slug, string(p.Status), p.Brand, minPrice(p.Variants), p.Version,
		p.CreatedAt.UnixMicro(), p.UpdatedAt.UnixMicro(), string(doc), searchText(p))
	if err != nil {
		return fmt.Errorf("insert product %s: %w", p.Slug, err)
	}
	return insertChildren(ctx, tx, p)
}

// updateProduct replaces the product whose stored version is prev with p.
func updateProduct(ctx context.Context, tx *db.Tx, p *Product, prev int64) error {
	doc, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode product: %w", err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE products SET slug = $1, status = $2, brand = $3,
		min_price = $4, version = $5, updated_at = $6, doc = $7, search_text = $8 WHERE id = $9 AND version = $10`,
		p.Slug, string(p.Status), p.Brand, minPrice(p.Variants), p.Version, p.UpdatedAt.UnixMicro(),
		string(doc), searchText(p), p.ID, prev)
	if err != nil {
		return fmt.Errorf("update product %s: %w", p.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return ErrStale
	}
	if err := deleteChildren(ctx, tx, p.ID); err != nil {
		return err
	}
	return insertChildren(ctx, tx, p)
}

// deleteProduct removes product id if its version is prev.
func deleteProduct(ctx context.Context, tx *db.Tx, id string, prev int64) error {
	if err := deleteChildren(ctx, tx, id); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM products WHERE id = $1 AND version = $2`, id, prev)
	if err != nil {
		return fmt.Errorf("delete product %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return ErrStale
	}
	return nil
}

func insertChildren(ctx context.Context, tx *db.Tx, p *Product) error {
	seen := make(map[string]bool, len(p.Categories))
	for _, c := range p.Categories {
		if seen[c] {
			continue
		}
		seen[c] = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO product_categories (category, product_id)
			VALUES ($1, $2)`, c, p.ID); err != nil {
			return fmt.Errorf("insert category of %s: %w", p.ID, err)
		}
	}
	for _, v := range p.Variants {
		if _, err := tx.ExecContext(ctx, `INSERT INTO product_skus (sku, product_id) VALUES ($1, $2)`,
			v.SKU, p.ID); err != nil {
			return fmt.Errorf("insert sku %s: %w", v.SKU, err)
		}
	}
	return nil
}

func deleteChildren(ctx context.Context, tx *db.Tx, id string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM product_categories WHERE product_id = $1`, id); err != nil {
		return fmt.Errorf("delete categories of %s: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM product_skus WHERE product_id = $1`, id); err != nil {
		return fmt.Errorf("delete skus of %s: %w", id, err)
	}
	return nil
}

// conflicts names the fields of p whose values another product already holds: its slug and
// any of its SKUs.
func conflicts(ctx context.Context, q db.Querier, p *Product) ([]apperr.FieldError, error) {
	var errs []apperr.FieldError
	var owner string
	err := q.QueryRowContext(ctx, `SELECT id FROM products WHERE slug = $1`, p.Slug).Scan(&owner)
	switch {
	case err == nil && owner != p.ID:
		errs = append(errs, apperr.FieldError{Field: "slug", Detail: "is taken by another product"})
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("check slug: %w", err)
	}
	for i, v := range p.Variants {
		err := q.QueryRowContext(ctx, `SELECT product_id FROM product_skus WHERE sku = $1`, v.SKU).Scan(&owner)
		switch {
		case err == nil && owner != p.ID:
			errs = append(errs, apperr.FieldError{Field: "variants[" + strconv.Itoa(i) + "].sku",
				Detail: "is taken by another product"})
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return nil, fmt.Errorf("check sku: %w", err)
		}
	}
	return errs, nil
}

// scanProducts reads up to limit product documents with ids after after, in id order.
func scanProducts(ctx context.Context, q db.Querier, after string, limit int) ([]Product, error) {
	rows, err := q.QueryContext(ctx, `SELECT doc FROM products WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("scan products: %w", err)
	}
	defer rows.Close()
	var out []Product
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, fmt.Errorf("scan products: %w", err)
		}
		p, err := decodeDoc(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
