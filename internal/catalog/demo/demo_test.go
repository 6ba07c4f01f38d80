package demo

import (
	"context"
	"log/slog"
	"reflect"
	"testing"

	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/auth/authtest"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
	"github.com/pasarhq/pasar/internal/platform/events"
)

func TestProductsAreDeterministicAndDistinct(t *testing.T) {
	t.Parallel()
	slugs, skus := map[string]bool{}, map[string]bool{}
	for i := range 3000 {
		p := Product(i)
		if !reflect.DeepEqual(p, Product(i)) {
			t.Fatalf("product %d differs between calls", i)
		}
		if slugs[p.Slug] {
			t.Fatalf("slug %s repeats", p.Slug)
		}
		slugs[p.Slug] = true
		if len(p.Variants) == 0 || len(p.Variants) > maxVariants {
			t.Fatalf("product %d has %d variants", i, len(p.Variants))
		}
		for _, v := range p.Variants {
			if skus[v.SKU] || v.Price.Amount <= 0 {
				t.Fatalf("product %d: SKU %s repeats or price %d", i, v.SKU, v.Price.Amount)
			}
			skus[v.SKU] = true
		}
	}
}

func TestSeedStoresOnceOnBothEngines(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		ctx := auth.WithPrincipal(context.Background(), authtest.Principal(auth.Staff))
		if _, err := db.Migrate(ctx, d, "events", events.Migrations); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(ctx, d, "catalog", catalog.Migrations); err != nil {
			t.Fatal(err)
		}
		core := catalog.NewCore(d, events.NewOutbox(d, nil, "catalog", slog.New(slog.DiscardHandler)))
		if empty, err := core.Empty(ctx); err != nil || !empty {
			t.Fatalf("new catalog: empty %v, %v", empty, err)
		}
		var last int
		n, err := Seed(ctx, core, 1200, func(done, total int) { last = done })
		if err != nil || n != 1200 || last != 1200 {
			t.Fatalf("seed: %d stored, progress %d, %v", n, last, err)
		}
		if empty, err := core.Empty(ctx); err != nil || empty {
			t.Fatalf("seeded catalog: empty %v, %v", empty, err)
		}
		if n, err = Seed(ctx, core, 1200, nil); err != nil || n != 0 {
			t.Fatalf("second seed: %d stored, %v", n, err)
		}
		p, err := core.Product(ctx, Product(42).Slug)
		if err != nil || p.ID != Product(42).ID || len(p.Images) == 0 {
			t.Fatalf("product 42: %+v, %v", p, err)
		}
		page, err := core.Products(ctx, catalog.Query{Category: "electronics", Status: catalog.Active, Limit: 100})
		if err != nil || len(page.Items) != 100 || page.NextCursor == "" {
			t.Fatalf("electronics: %d items, %v", len(page.Items), err)
		}
	})
}
