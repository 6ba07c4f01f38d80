package catalog

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
	"github.com/pasarhq/pasar/internal/platform/events"
)

func TestProductLifecycle(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		c := newCore(t, d)
		seedTree(t, c)
		p := mustCreate(t, c, sample("chef-knife", "Edge", "knives", 4999, 5999))
		if p.ID == "" || p.Version != 1 || p.CreatedAt.IsZero() {
			t.Fatalf("created %+v", p)
		}
		for _, key := range []string{p.ID, "chef-knife"} {
			got, err := c.Product(context.Background(), key)
			if err != nil || got.ID != p.ID || got.Variants[1].Price.Amount != 5999 {
				t.Fatalf("read %s: %+v, %v", key, got, err)
			}
		}
		p.Title, p.Slug = "Chef's knife", "" // no slug: keeps the one it has
		up, err := c.UpdateProduct(staff(), p, 1)
		if err != nil || up.Version != 2 || !up.CreatedAt.Equal(p.CreatedAt) || up.Slug != "chef-knife" {
			t.Fatalf("update: %+v, %v", up, err)
		}
		if _, err := c.UpdateProduct(staff(), p, 1); !errors.Is(err, ErrStale) {
			t.Fatalf("stale update: %v, want ErrStale", err)
		}
		if err := c.DeleteProduct(staff(), p.ID, 1); !errors.Is(err, ErrStale) {
			t.Fatalf("stale delete: %v, want ErrStale", err)
		}
		if err := c.DeleteProduct(staff(), p.ID, 2); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Product(context.Background(), p.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("read deleted: %v", err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM product_skus`); n != 0 {
			t.Fatalf("%d SKUs left after delete", n)
		}
		for typ, want := range map[string]int{EventProductUpserted: 2, EventProductDeleted: 1, EventCategoryChanged: 4} {
			if n := count(t, d, `SELECT COUNT(*) FROM events_outbox WHERE type = $1`, typ); n != want {
				t.Errorf("%d %s events, want %d", n, typ, want)
			}
		}
	})
}

func TestUpsertedEventCarriesCategoryPath(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		c := newCore(t, d)
		seedTree(t, c)
		p := mustCreate(t, c, sample("paring", "Edge", "knives", 1000))
		var payload string
		if err := d.QueryRowContext(context.Background(), `SELECT payload FROM events_outbox WHERE type = $1`,
			EventProductUpserted).Scan(&payload); err != nil {
			t.Fatal(err)
		}
		var ev events.Event
		var data ProductUpserted
		if err := decodeJSON(payload, &ev); err != nil || ev.Decode(&data) != nil {
			t.Fatalf("decode %s: %v", payload, err)
		}
		if data.Product.ID != p.ID || !slices.Equal(data.CategoryPath, []string{"knives", "kitchen", "home"}) {
			t.Fatalf("event data %+v", data)
		}
		// Moving kitchen under clothing republishes the product with its new path.
		if _, err := c.UpdateCategory(staff(), "kitchen", Category{Name: "Kitchen", Parent: "clothing"}); err != nil {
			t.Fatal(err)
		}
		got, _ := c.ScanProducts(context.Background(), "", 10)
		if len(got) != 1 || got[0].Product.Version != 2 ||
			!slices.Equal(got[0].CategoryPath, []string{"knives", "kitchen", "clothing"}) {
			t.Fatalf("after move: %+v", got)
		}
	})
}

func TestInvalidProductsAreRejectedWhole(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		c := newCore(t, d)
		seedTree(t, c)
		mustCreate(t, c, sample("taken", "Edge", "knives", 100))
		before := count(t, d, `SELECT COUNT(*) FROM events_outbox`)
		for name, tc := range map[string]struct {
			edit func(*Product)
			want []string
		}{
			"missing title":    {func(p *Product) { p.Title, p.Slug = "", "x" }, []string{"title"}},
			"negative price":   {func(p *Product) { p.Variants[0].Price.Amount = -1 }, []string{"variants[0].price.amount"}},
			"unknown currency": {func(p *Product) { p.Variants[0].Price.Currency = "XYZ" }, []string{"variants[0].price.currency"}},
			"duplicate slug":   {func(p *Product) { p.Slug = "taken" }, []string{"slug"}},
			"duplicate sku":    {func(p *Product) { p.Variants[1].SKU = "taken-0" }, []string{"variants[1].sku"}},
			"sku twice":        {func(p *Product) { p.Variants[1].SKU = p.Variants[0].SKU }, []string{"variants[1].sku"}},
			"unknown category": {func(p *Product) { p.Categories = []string{"nope"} }, []string{"categories[0]"}},
			"no variants":      {func(p *Product) { p.Variants = nil }, []string{"variants"}},
			"attributes array": {func(p *Product) { p.Attributes = []byte(`[1]`) }, []string{"attributes"}},
			"several at once": {func(p *Product) {
				p.Title, p.Slug = "", "taken"
				p.Variants[0].Price = Money{-5, "usd"}
			}, []string{"slug", "title", "variants[0].price.amount", "variants[0].price.currency"}},
		} {
			p := sample("fresh", "Edge", "knives", 100, 200)
			tc.edit(&p)
			_, err := c.CreateProduct(staff(), p)
			if got := fieldsOf(t, err); !slices.Equal(got, tc.want) {
				t.Errorf("%s: fields %v, want %v", name, got, tc.want)
			}
		}
		if n := count(t, d, `SELECT COUNT(*) FROM products`); n != 1 {
			t.Fatalf("%d products stored, want 1", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM product_skus`); n != 1 {
			t.Fatalf("%d SKUs stored, want 1", n)
		}
		if after := count(t, d, `SELECT COUNT(*) FROM events_outbox`); after != before {
			t.Fatalf("rejected writes published %d events", after-before)
		}
	})
}

func TestWritesNeedPermission(t *testing.T) {
	t.Parallel()
	c := newCore(t, dbtest.Open(t, db.SQLite))
	customer := auth.WithPrincipal(context.Background(), auth.Principal{Subject: "u1", Role: auth.Customer})
	for name, ctx := range map[string]context.Context{"anonymous": context.Background(), "customer": customer} {
		if _, err := c.CreateProduct(ctx, sample("x", "b", "knives", 1)); err == nil {
			t.Errorf("%s created a product", name)
		}
		if _, err := c.CreateCategory(ctx, Category{Slug: "x", Name: "X"}); err == nil {
			t.Errorf("%s created a category", name)
		}
	}
}

func TestConcurrentUpdatesOneWins(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		c := newCore(t, d)
		seedTree(t, c)
		p := mustCreate(t, c, sample("contested", "Edge", "knives", 100))
		const writers = 8
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for i := range writers {
			wg.Go(func() {
				q := p
				q.Title = "Writer " + string(rune('A'+i))
				_, err := c.UpdateProduct(staff(), q, p.Version)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		won := 0
		for err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, ErrStale):
				t.Errorf("loser got %v, want ErrStale", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d writers won, want exactly 1", won)
		}
		if got, _ := c.Product(context.Background(), p.ID); got.Version != 2 {
			t.Fatalf("version %d, want 2", got.Version)
		}
	})
}

func TestCategories(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		c := newCore(t, d)
		seedTree(t, c)
		roots, err := c.Categories(context.Background())
		if err != nil || len(roots) != 2 || roots[0].Slug != "home" || roots[0].Children[0].Children[0].Slug != "knives" {
			t.Fatalf("tree %+v, %v", roots, err)
		}
		mustCreate(t, c, sample("k", "Edge", "knives", 1))
		if err := c.DeleteCategory(staff(), "knives"); !errors.Is(err, ErrCategoryInUse) {
			t.Fatalf("delete used category: %v", err)
		}
		if err := c.DeleteCategory(staff(), "kitchen"); !errors.Is(err, ErrCategoryInUse) {
			t.Fatalf("delete parent category: %v", err)
		}
		if err := c.DeleteCategory(staff(), "clothing"); err != nil {
			t.Fatal(err)
		}
		if err := c.DeleteCategory(staff(), "clothing"); !errors.Is(err, ErrCategoryNotFound) {
			t.Fatalf("delete twice: %v", err)
		}
		_, err = c.UpdateCategory(staff(), "home", Category{Name: "Home", Parent: "knives"})
		if got := fieldsOf(t, err); !slices.Equal(got, []string{"parent"}) {
			t.Fatalf("cycle: fields %v", got)
		}
		_, err = c.CreateCategory(staff(), Category{Slug: "home", Name: ""})
		if got := fieldsOf(t, err); !slices.Equal(got, []string{"name", "slug"}) {
			t.Fatalf("bad category: fields %v", got)
		}
	})
}

func TestScanProductsPagesThroughEverything(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		c := newCore(t, d)
		seedTree(t, c)
		want := map[string]bool{}
		for _, s := range []string{"s1", "s2", "s3", "s4", "s5"} {
			p := sample(s, "Oak", "kitchen", 100)
			if s == "s3" {
				p.Status = Archived
			}
			want[mustCreate(t, c, p).ID] = true
		}
		after, seen := "", 0
		for {
			batch, err := c.ScanProducts(context.Background(), after, 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(batch) == 0 {
				break
			}
			for _, u := range batch {
				if !want[u.Product.ID] || u.Product.ID <= after || !slices.Equal(u.CategoryPath, []string{"kitchen", "home"}) {
					t.Fatalf("unexpected %s after %s: %v", u.Product.ID, after, u.CategoryPath)
				}
				after = u.Product.ID
				seen++
			}
		}
		if seen != 5 {
			t.Fatalf("scanned %d products, want 5", seen)
		}
	})
}
