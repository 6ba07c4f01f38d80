package catalog

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/pasarhq/pasar/internal/platform/db"
)

// tree is the category tree as a flat map; catalogs have hundreds of categories, not millions,
// so it is read whole.
type tree map[string]Category

func loadTree(ctx context.Context, q db.Querier) (tree, error) {
	rows, err := q.QueryContext(ctx, `SELECT slug, name, COALESCE(parent, ''), position FROM categories`)
	if err != nil {
		return nil, fmt.Errorf("read categories: %w", err)
	}
	defer rows.Close()
	t := tree{}
	for rows.Next() {
		var c Category
		if err := rows.Scan(&c.Slug, &c.Name, &c.Parent, &c.Position); err != nil {
			return nil, fmt.Errorf("read categories: %w", err)
		}
		t[c.Slug] = c
	}
	return t, rows.Err()
}

// path returns slugs plus every ancestor of each, without repeats, in a stable order.
func (t tree) path(slugs []string) []string {
	out := make([]string, 0, len(slugs)*2)
	for _, s := range slugs {
		for depth := 0; s != "" && depth < 64; depth++ {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
			s = t[s].Parent
		}
	}
	return out
}

// descendants returns slug and every category below it.
func (t tree) descendants(slug string) []string {
	children := map[string][]string{}
	for _, c := range t {
		if c.Parent != "" {
			children[c.Parent] = append(children[c.Parent], c.Slug)
		}
	}
	out := []string{slug}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

// isAncestor reports whether a is b or one of b's ancestors.
func (t tree) isAncestor(a, b string) bool {
	for depth := 0; b != "" && depth < 64; depth++ {
		if a == b {
			return true
		}
		b = t[b].Parent
	}
	return false
}

// roots returns the tree as nested categories, each level in position order.
func (t tree) roots() []Category {
	children := map[string][]Category{}
	for _, c := range t {
		children[c.Parent] = append(children[c.Parent], c)
	}
	var build func(parent string) []Category
	build = func(parent string) []Category {
		level := children[parent]
		slices.SortFunc(level, func(a, b Category) int {
			return cmp.Or(cmp.Compare(a.Position, b.Position), cmp.Compare(a.Slug, b.Slug))
		})
		for i := range level {
			level[i].Children = build(level[i].Slug)
		}
		return level
	}
	roots := build("")
	if roots == nil {
		roots = []Category{}
	}
	return roots
}

func insertCategory(ctx context.Context, tx *db.Tx, c Category) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO categories (slug, name, parent, position) VALUES ($1, $2, $3, $4)`,
		c.Slug, c.Name, nullIfEmpty(c.Parent), c.Position)
	if err != nil {
		return fmt.Errorf("insert category %s: %w", c.Slug, err)
	}
	return nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
