package catalog

import (
	"context"
	"io/fs"
	"slices"
	"testing"
	"testing/fstest"

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
