package catalog

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// Products stored before the search_text column existed are found by text once the store is
// migrated: the migration fills the column from the documents and SKU rows.
func TestSearchTextFilledForExistingProducts(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		first := fstest.MapFS{}
		for _, name := range []string{"0001_catalog.sql"} {
			b, err := fs.ReadFile(Migrations, name)
			if err != nil {
				t.Fatal(err)
			}
			first[name] = &fstest.MapFile{Data: b}
		}
		if _, err := db.Migrate(ctx, d, "catalog", first); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			`INSERT INTO products (id, slug, status, brand, min_price, version, created_at, updated_at, doc)
				VALUES ('p-old', 'old-lamp', 'archived', 'Lumen', 900, 3, 1, 1, '{"id":"p-old","slug":"old-lamp","title":"Brass Desk Lamp","status":"archived","variants":[{"sku":"LAMP-BR-1"}]}')`,
			`INSERT INTO product_skus (sku, product_id) VALUES ('LAMP-BR-1', 'p-old')`,
		} {
			if _, err := d.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		c := newCore(t, d) // applies the rest
		for _, text := range []string{"brass desk", "LUMEN", "lamp-br-1", "old-lamp", "p-old"} {
			page, err := c.Products(ctx, Query{Text: text})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, p := range page.Items {
				ids = append(ids, p.ID)
			}
			if !slices.Equal(ids, []string{"p-old"}) {
				t.Errorf("%q: %v", text, ids)
			}
		}
	})
}

// The text filter finds the oldest of more products than any page or scan limit: the admin's
// search used to read the newest 1,000 only.
func TestTextFindsTheOldestOfMany(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		c := newCore(t, d)
		ctx := staff()
		if _, err := c.CreateCategory(ctx, Category{Slug: "lamps", Name: "Lamps"}); err != nil {
			t.Fatal(err)
		}
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		oldest := sample("elder-lamp", "Lumen", "lamps", 900)
		oldest.Title, oldest.Status, oldest.CreatedAt = "Elder Lamp", Archived, start
		ps := []Product{oldest}
		for i := range 1200 {
			p := sample(fmt.Sprintf("lamp-%04d", i), "Lumen", "lamps", 1000)
			p.CreatedAt = start.Add(time.Duration(i+1) * time.Minute)
			ps = append(ps, p)
		}
		if n, err := c.SeedBatch(ctx, nil, ps); err != nil || n != len(ps) {
			t.Fatalf("seed: %d %v", n, err)
		}
		page, err := c.Products(ctx, Query{Text: "elder lamp"})
		if err != nil || len(page.Items) != 1 || page.Items[0].Slug != "elder-lamp" || page.NextCursor != "" {
			t.Fatalf("oldest of %d: %+v %v", len(ps), page, err)
		}
		// Every match, page by page, newest first: the oldest comes last.
		q, n, last := Query{Text: "lumen", Limit: MaxLimit}, 0, ""
		for {
			page, err := c.Products(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			n += len(page.Items)
			if len(page.Items) > 0 {
				last = page.Items[len(page.Items)-1].Slug
			}
			if page.NextCursor == "" {
				break
			}
			q.Cursor = page.NextCursor
		}
		if n != len(ps) || last != "elder-lamp" {
			t.Fatalf("paged %d of %d, last %s", n, len(ps), last)
		}
	})
}
