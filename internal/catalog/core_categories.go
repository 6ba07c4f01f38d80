package catalog

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/db"
)

// EventCategoryChanged tells readers (caches) that the category tree changed; data: CategoryChanged.
const EventCategoryChanged = "category.changed"

// CategoryChanged names a created, updated or deleted category.
type CategoryChanged struct {
	Slug    string `json:"slug"`
	Deleted bool   `json:"deleted,omitempty"`
}

// CreateCategory adds category cat.
func (c *Core) CreateCategory(ctx context.Context, cat Category) (Category, error) {
	if err := auth.Check(ctx, auth.CatalogWrite); err != nil {
		return Category{}, err
	}
	cat = normalizeCategory(cat)
	err := c.d.InTx(ctx, func(tx *db.Tx) error {
		t, err := loadTree(ctx, tx)
		if err != nil {
			return err
		}
		if err := checkCategory(t, cat, ""); err != nil {
			return err
		}
		if err := insertCategory(ctx, tx, cat); err != nil {
			return err
		}
		return c.publishCategory(ctx, tx, CategoryChanged{Slug: cat.Slug})
	})
	if err != nil {
		return Category{}, err
	}
	return cat, nil
}

// UpdateCategory renames, moves or reorders category slug. Moving it changes the category path
// of every product below it, so each of those is published again.
func (c *Core) UpdateCategory(ctx context.Context, slug string, cat Category) (Category, error) {
	if err := auth.Check(ctx, auth.CatalogWrite); err != nil {
		return Category{}, err
	}
	cat = normalizeCategory(cat)
	cat.Slug = slug
	err := c.d.InTx(ctx, func(tx *db.Tx) error {
		t, err := loadTree(ctx, tx)
		if err != nil {
			return err
		}
		old, ok := t[slug]
		if !ok {
			return ErrCategoryNotFound
		}
		if err := checkCategory(t, cat, slug); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE categories SET name = $1, parent = $2, position = $3 WHERE slug = $4`,
			cat.Name, nullIfEmpty(cat.Parent), cat.Position, slug); err != nil {
			return fmt.Errorf("update category %s: %w", slug, err)
		}
		if old.Parent != cat.Parent {
			t[slug] = cat
			if err := c.republish(ctx, tx, t, t.descendants(slug)); err != nil {
				return err
			}
		}
		return c.publishCategory(ctx, tx, CategoryChanged{Slug: slug})
	})
	if err != nil {
		return Category{}, err
	}
	return cat, nil
}

// DeleteCategory removes category slug if nothing is in or under it.
func (c *Core) DeleteCategory(ctx context.Context, slug string) error {
	if err := auth.Check(ctx, auth.CatalogWrite); err != nil {
		return err
	}
	return c.d.InTx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM categories WHERE parent = $1) +
			(SELECT COUNT(*) FROM product_categories WHERE category = $1)`, slug).Scan(&n); err != nil {
			return fmt.Errorf("delete category %s: %w", slug, err)
		}
		if n > 0 {
			return ErrCategoryInUse
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM categories WHERE slug = $1`, slug)
		if err != nil {
			return fmt.Errorf("delete category %s: %w", slug, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrCategoryNotFound
		}
		return c.publishCategory(ctx, tx, CategoryChanged{Slug: slug, Deleted: true})
	})
}

func normalizeCategory(c Category) Category {
	c.Slug = strings.TrimSpace(c.Slug)
	c.Name = strings.TrimSpace(c.Name)
	c.Parent = strings.TrimSpace(c.Parent)
	if c.Slug == "" {
		c.Slug = Slugify(c.Name)
	}
	c.Children = nil
	return c
}

// checkCategory validates c against tree t; self is the slug being updated ("" on create).
func checkCategory(t tree, c Category, self string) error {
	var errs []apperr.FieldError
	add := func(f, d string) { errs = append(errs, apperr.FieldError{Field: f, Detail: d}) }
	if c.Name == "" || len(c.Name) > 100 {
		add("name", "is required, at most 100 characters")
	}
	if _, taken := t[c.Slug]; self == "" && taken {
		add("slug", "is taken by another category")
	} else if !slugPattern.MatchString(c.Slug) || len(c.Slug) > 100 {
		add("slug", "must be lower-case letters, digits and single hyphens")
	}
	if c.Parent != "" {
		if _, ok := t[c.Parent]; !ok {
			add("parent", "is not a known category")
		} else if self != "" && t.isAncestor(self, c.Parent) {
			add("parent", "must not be the category itself or one of its descendants")
		}
	}
	if len(errs) > 0 {
		return apperr.Invalid(errs...)
	}
	return nil
}

func (c *Core) publishCategory(ctx context.Context, tx *db.Tx, ev CategoryChanged) error {
	_, err := c.outbox.Add(ctx, tx, EventCategoryChanged, EventVersion, ev)
	return err
}

// republish bumps the version of every product in cats and publishes it with its new path.
func (c *Core) republish(ctx context.Context, tx *db.Tx, t tree, cats []string) error {
	args := make([]any, len(cats))
	marks := make([]string, len(cats))
	for i, s := range cats {
		args[i], marks[i] = s, fmt.Sprintf("$%d", i+1)
	}
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT product_id FROM product_categories WHERE category IN (`+
		strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return fmt.Errorf("products to republish: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		p, err := getProduct(ctx, tx, id)
		if err != nil {
			return err
		}
		prev := p.Version
		p.Version++
		p.UpdatedAt = c.now().UTC().Truncate(time.Microsecond)
		if err := updateProduct(ctx, tx, &p, prev); err != nil {
			return err
		}
		if err := c.publish(ctx, tx, t, &p); err != nil {
			return err
		}
	}
	return nil
}
