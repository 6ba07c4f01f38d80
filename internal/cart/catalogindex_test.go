package cart

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
	"github.com/pasarhq/pasar/internal/platform/events"
)

func product(id string, version int64, status catalog.Status, variants ...catalog.Variant) catalog.Product {
	return catalog.Product{ID: id, Title: "Title " + id, Status: status, Version: version, Variants: variants}
}

func catVariant(sku string, amount int64) catalog.Variant {
	return catalog.Variant{SKU: sku, Price: catalog.Money{Amount: amount, Currency: "USD"}, WeightGrams: 250}
}

func TestCatalogIndex(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := db.Migrate(ctx, d, "cart", Migrations); err != nil {
			t.Fatal(err)
		}
		x := NewCatalogIndex(d)
		apply := func(p catalog.Product) {
			t.Helper()
			if err := d.InTx(ctx, func(tx *db.Tx) error { return x.Apply(ctx, tx, p) }); err != nil {
				t.Fatal(err)
			}
		}
		lookup := func(skus ...string) map[string]Variant {
			t.Helper()
			m, err := x.Variants(ctx, skus)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}

		apply(product("p1", 1, catalog.Active, catVariant("A-1", 100), catVariant("A-2", 200)))
		if m := lookup("A-1", "A-2", "ZZ"); len(m) != 2 || m["A-2"].Price.Amount != 200 || !m["A-1"].Active || m["A-1"].WeightGrams != 250 {
			t.Fatalf("after create: %+v", m)
		}
		apply(product("p1", 3, catalog.Archived, catVariant("A-1", 150))) // A-2 dropped, archived
		apply(product("p1", 2, catalog.Active, catVariant("A-1", 120)))   // a late, older event
		m := lookup("A-1", "A-2")
		if len(m) != 1 || m["A-1"].Price.Amount != 150 || m["A-1"].Active {
			t.Fatalf("after update: %+v", m)
		}
		if err := x.Remove(ctx, d, "p1", 2); err != nil { // older than what is recorded
			t.Fatal(err)
		}
		if len(lookup("A-1")) != 1 {
			t.Fatal("an older delete removed a newer product")
		}
		if err := x.Remove(ctx, d, "p1", 3); err != nil {
			t.Fatal(err)
		}
		if len(lookup("A-1")) != 0 {
			t.Fatal("deleted product still indexed")
		}

		// Fill copies a catalog into an empty index only.
		pages := [][]catalog.ProductUpserted{
			{{Product: product("q1", 1, catalog.Active, catVariant("Q-1", 1))}, {Product: product("q2", 1, catalog.Active, catVariant("Q-2", 2))}},
			{{Product: product("q3", 1, catalog.Active, catVariant("Q-3", 3))}},
		}
		scan := func(_ context.Context, after string, _ int) ([]catalog.ProductUpserted, error) {
			switch after {
			case "":
				return pages[0], nil
			case "q2":
				return pages[1], nil
			}
			return nil, nil
		}
		n, err := x.Fill(ctx, scan)
		if err != nil || n != 3 || len(lookup("Q-1", "Q-2", "Q-3")) != 3 {
			t.Fatalf("fill: %d, %v", n, err)
		}
		if n, err := x.Fill(ctx, scan); err != nil || n != 0 {
			t.Fatalf("second fill: %d, %v", n, err)
		}
	})
}

// TestCatalogIndexHandler feeds the index catalog events as the consumer delivers them, and
// checks a cart shows the new price at its next read.
func TestCatalogIndexHandler(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := db.Migrate(ctx, d, "cart", Migrations); err != nil {
			t.Fatal(err)
		}
		x := NewCatalogIndex(d)
		h := x.Handler()
		deliver := func(typ string, version int, payload any) error {
			data, _ := json.Marshal(payload)
			return d.InTx(ctx, func(tx *db.Tx) error {
				return h(ctx, tx, events.Event{ID: NewID(), Type: typ, Version: version, Data: data})
			})
		}
		up := func(p catalog.Product) {
			t.Helper()
			if err := deliver(catalog.EventProductUpserted, catalog.EventVersion, catalog.ProductUpserted{Product: p}); err != nil {
				t.Fatal(err)
			}
		}
		up(product("p1", 1, catalog.Active, catVariant("H-1", 1000)))
		s := New(NewSQLStore(d), Options{Catalog: x, Pricing: testCalc})
		c, _ := s.Create(ctx, "USD")
		if _, err := s.AddItem(ctx, c.ID, "H-1", 1); err != nil {
			t.Fatal(err)
		}
		up(product("p1", 2, catalog.Active, catVariant("H-1", 900)))
		v, _ := s.Get(ctx, c.ID)
		if it := v.Items[0]; it.UnitPrice.Amount != 900 || !it.PriceChanged || it.PreviousPrice.Amount != 1000 {
			t.Fatalf("after price event: %+v", it)
		}
		if err := deliver(catalog.EventProductDeleted, catalog.EventVersion, catalog.ProductDeleted{ID: "p1", Version: 3}); err != nil {
			t.Fatal(err)
		}
		v, _ = s.Get(ctx, c.ID)
		if v.Items[0].Available || v.Totals.Subtotal != 0 {
			t.Fatalf("after delete event: %+v %+v", v.Items[0], v.Totals)
		}
		if err := deliver(catalog.EventProductUpserted, catalog.EventVersion+1, catalog.ProductUpserted{}); err == nil {
			t.Fatal("an event from a newer catalog was applied")
		}
		if err := deliver(catalog.EventProductUpserted, catalog.EventVersion, json.RawMessage(`"garbage"`)); err == nil {
			t.Fatal("an undecodable event was applied")
		}
	})
}
