package search

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/events"
)

// openStore opens a SQLite store of the test's own with the events and search migrations.
func openStore(t testing.TB, name string) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), db.Options{Schema: name, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	migrate(t, d)
	return d
}

// migrate applies the events and search migrations to d.
func migrate(t testing.TB, d *db.DB) {
	t.Helper()
	if _, err := db.Migrate(context.Background(), d, "events", events.Migrations); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(context.Background(), d, "search", Migrations); err != nil {
		t.Fatal(err)
	}
}

// openTest opens an empty index in the test's temporary folder, closed when the test ends.
func openTest(t testing.TB) *Index {
	t.Helper()
	x, err := Open(filepath.Join(t.TempDir(), "search"), Options{})
	if err != nil {
		t.Fatalf("open index: %v", err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

// product builds an active product with one variant per colour, all at price (minor units).
func product(id, title, brand string, price int64, cats []string, attrs string, colours ...string) catalog.ProductUpserted {
	p := catalog.Product{
		ID: id, Slug: id + "-slug", Title: title, Brand: brand, Status: catalog.Active, Version: 1,
		Description: "A fine " + title + " for every day.",
		Categories:  cats[len(cats)-1:],
		CreatedAt:   time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(len(id)) * time.Hour),
	}
	if attrs != "" {
		p.Attributes = json.RawMessage(attrs)
	}
	if len(colours) == 0 {
		colours = []string{""}
	}
	for i, c := range colours {
		v := catalog.Variant{SKU: fmt.Sprintf("%s-%d", id, i), Price: catalog.Money{Amount: price, Currency: "USD"}}
		if c != "" {
			v.Options = map[string]string{"colour": c}
		}
		p.Variants = append(p.Variants, v)
	}
	return catalog.ProductUpserted{Product: p, CategoryPath: cats}
}

// fixtures is a small catalog every search test runs against.
func fixtures() []catalog.ProductUpserted {
	return []catalog.ProductUpserted{
		product("p1", "Trail Running Shoes", "Stride", 8900, []string{"shoes", "shoes-running"}, `{"material":"mesh"}`, "blue", "red"),
		product("p2", "Leather Boots", "Stride", 15900, []string{"shoes", "shoes-boots"}, `{"material":"leather"}`, "brown"),
		product("p3", "Ultrabook Laptop 13", "Novatek", 129900, []string{"electronics", "electronics-laptops"}, `{"screen_in":13.3,"ports":["usb-c","hdmi"]}`),
		product("p4", "Gaming Laptop 17", "Novatek", 219900, []string{"electronics", "electronics-laptops"}, `{"screen_in":17.3}`),
		product("p5", "Wool Sweater", "Fjell", 6900, []string{"clothing"}, `{"material":"wool"}`, "blue", "grey"),
		product("p6", "Cotton T-Shirt (C++ edition)", "Fjell", 1900, []string{"clothing"}, `{"material":"cotton"}`, "white"),
		product("p7", "Headphones", "Novatek", 4900, []string{"electronics"}, `{}`),
	}
}

// fill indexes evs as they are, without version checks, and fails the test on any error.
func fill(t testing.TB, x *Index, evs []catalog.ProductUpserted) {
	t.Helper()
	for _, ev := range evs {
		if err := x.put(ev); err != nil {
			t.Fatalf("upsert %s: %v", ev.Product.ID, err)
		}
	}
}

func ids(r Result) []string {
	out := make([]string, 0, len(r.Hits))
	for _, h := range r.Hits {
		out = append(out, h.ID)
	}
	return out
}

func ptr[T any](v T) *T { return &v }
