package cart

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

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

		// Two variants of one product differ by their options only: each cart line shows its own.
		grey, blue := catVariant("NB-15-GREY", 50000), catVariant("NB-13-BLUE", 45000)
		grey.Options = map[string]string{"size": `15"`, "colour": "grey"}
		blue.Options = map[string]string{"size": `13"`, "colour": "blue"}
		up(product("nb", 1, catalog.Active, grey, blue))
		nb, _ := s.Create(ctx, "USD")
		for _, sku := range []string{"H-1", "NB-15-GREY", "NB-13-BLUE"} {
			if _, err := s.AddItem(ctx, nb.ID, sku, 1); err != nil {
				t.Fatal(err)
			}
		}
		v, _ = s.Get(ctx, nb.ID)
		if len(v.Items) != 3 || v.Items[1].Options["size"] != `15"` || v.Items[1].Options["colour"] != "grey" ||
			v.Items[2].Options["size"] != `13"` || v.Items[2].Options["colour"] != "blue" || v.Items[1].Title != v.Items[2].Title {
			t.Fatalf("variant lines: %+v", v.Items)
		}
		if v.Items[0].Options != nil {
			t.Fatalf("a variant without options shows some: %+v", v.Items[0])
		}
		grey.Options = map[string]string{"size": `15"`, "colour": "graphite"} // renamed in the catalog
		up(product("nb", 2, catalog.Active, grey, blue))
		if v, _ = s.Get(ctx, nb.ID); v.Items[1].Options["colour"] != "graphite" {
			t.Fatalf("after options event: %+v", v.Items[1])
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

// TestCatalogIndexOptionsMigration upgrades an index written before variant options were
// recorded: its rows read without options until the fill at start copies them from the catalog.
func TestCatalogIndexOptionsMigration(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		before := fstest.MapFS{}
		for _, name := range []string{"0001_cart.sql", "0002_cart_idle.sql"} {
			b, err := fs.ReadFile(Migrations, name)
			if err != nil {
				t.Fatal(err)
			}
			before[name] = &fstest.MapFile{Data: b}
		}
		if _, err := db.Migrate(ctx, d, "cart", before); err != nil {
			t.Fatal(err)
		}
		for _, r := range []struct {
			sku, product string
			version      int64
		}{{"OLD-S", "shirt", 4}, {"OLD-L", "shirt", 4}, {"GONE-1", "gone", 1}} {
			if _, err := d.ExecContext(ctx, `INSERT INTO cart_catalog (sku, product_id, title, active, amount, currency, weight_grams, version)
				VALUES ($1, $2, 'Shirt', TRUE, 1000, 'USD', 200, $3)`, r.sku, r.product, r.version); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := db.Migrate(ctx, d, "cart", Migrations); err != nil || n != 2 {
			t.Fatalf("migrate: %d, %v", n, err)
		}
		x := NewCatalogIndex(d)
		m, err := x.Variants(ctx, []string{"OLD-S", "OLD-L"})
		if err != nil || len(m) != 2 || m["OLD-S"].Options != nil || m["OLD-S"].Price.Amount != 1000 {
			t.Fatalf("after migration: %+v, %v", m, err)
		}

		small, large := catVariant("OLD-S", 1000), catVariant("OLD-L", 1000)
		small.Options, large.Options = map[string]string{"size": "S"}, map[string]string{"size": "L"}
		scans := 0
		scan := func(_ context.Context, after string, _ int) ([]catalog.ProductUpserted, error) {
			scans++
			if after != "" {
				return nil, nil
			}
			return []catalog.ProductUpserted{{Product: product("shirt", 4, catalog.Active, small, large)}}, nil
		}
		if n, err := x.Fill(ctx, scan); err != nil || n != 1 {
			t.Fatalf("fill: %d, %v", n, err)
		}
		m, err = x.Variants(ctx, []string{"OLD-S", "OLD-L", "GONE-1"})
		if err != nil || m["OLD-S"].Options["size"] != "S" || m["OLD-L"].Options["size"] != "L" || m["GONE-1"].Options != nil {
			t.Fatalf("after fill: %+v, %v", m, err)
		}
		// Every row now has its options recorded (GONE-1 none, its product being gone), so the
		// next start does not scan the catalog again.
		scans = 0
		if n, err := x.Fill(ctx, scan); err != nil || n != 0 || scans != 0 {
			t.Fatalf("second fill: %d products, %d scans, %v", n, scans, err)
		}
		// A row written without options later (by an older version of the service, during an
		// upgrade) is filled at the next start.
		if _, err := d.ExecContext(ctx, `UPDATE cart_catalog SET options = NULL WHERE sku = 'OLD-S'`); err != nil {
			t.Fatal(err)
		}
		if n, err := x.Fill(ctx, scan); err != nil || n != 1 || scans == 0 {
			t.Fatalf("fill after a row without options: %d products, %d scans, %v", n, scans, err)
		}
		if m, err := x.Variants(ctx, []string{"OLD-S"}); err != nil || m["OLD-S"].Options["size"] != "S" {
			t.Fatalf("refilled: %+v, %v", m, err)
		}
	})
}

// TestCatalogIndexFillCheckReadsNoTable: once every row has its options, the check at start
// reads one row of the index (whether it has any) and none to find that no options are missing,
// however large the index.
func TestCatalogIndexFillCheckReadsNoTable(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := db.Migrate(ctx, d, "cart", Migrations); err != nil {
			t.Fatal(err)
		}
		const total = 3000
		err := d.InTx(ctx, func(tx *db.Tx) error {
			for first := 0; first < total; first += 500 {
				rows := make([][]any, 500)
				for i := range rows {
					sku := fmt.Sprintf("SKU-%05d", first+i)
					rows[i] = []any{sku, "p-" + sku, "Tea", true, 1250, "USD", 100, 1, "{}"}
				}
				if err := db.InsertRows(ctx, tx, `INSERT INTO cart_catalog (sku, product_id, title, active, amount,
					currency, weight_grams, version, options)`, rows); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		scans := 0
		scan := func(context.Context, string, int) ([]catalog.ProductUpserted, error) { scans++; return nil, nil }
		if n, err := NewCatalogIndex(d).Fill(ctx, scan); err != nil || n != 0 || scans != 0 {
			t.Fatalf("fill of a filled index: %d products, %d scans, %v", n, scans, err)
		}
		if d.Engine() == db.SQLite {
			// SQLite's plan is fixed by the indexes (no statistics): the NULL probe must search
			// the partial index, not scan the table.
			var plan []string
			rows, err := d.QueryContext(ctx, `EXPLAIN QUERY PLAN `+fillCheck)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			if !strings.Contains(strings.Join(plan, "\n"), "INDEX cart_catalog_unfilled") {
				t.Fatalf("the check does not use the partial index:\n%s", strings.Join(plan, "\n"))
			}
			return
		}
		// PostgreSQL chooses by statistics, which autovacuum keeps; here they are taken at once.
		// What the executor read is counted: rows returned by, and removed by the filters of, the
		// nodes reading cart_catalog.
		if _, err := d.ExecContext(ctx, `ANALYZE cart_catalog`); err != nil {
			t.Fatal(err)
		}
		var raw string
		if err := d.QueryRowContext(ctx, `EXPLAIN (ANALYZE, FORMAT JSON) `+fillCheck).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var plans []struct{ Plan planNode }
		if err := json.Unmarshal([]byte(raw), &plans); err != nil || len(plans) != 1 {
			t.Fatalf("plan %s: %v", raw, err)
		}
		if read := plans[0].Plan.rowsRead("cart_catalog"); read > 1 {
			t.Fatalf("the check read %g rows of cart_catalog, want at most 1:\n%s", read, raw)
		}
	})
}

// planNode is a node of PostgreSQL's EXPLAIN (ANALYZE, FORMAT JSON).
type planNode struct {
	Relation string     `json:"Relation Name"`
	Rows     float64    `json:"Actual Rows"`
	Loops    float64    `json:"Actual Loops"`
	Removed  float64    `json:"Rows Removed by Filter"`
	Plans    []planNode `json:"Plans"`
}

// rowsRead sums what the nodes reading table returned or filtered out, over their loops.
func (n planNode) rowsRead(table string) float64 {
	var sum float64
	if n.Relation == table {
		sum = (n.Rows + n.Removed) * max(n.Loops, 1)
	}
	for _, c := range n.Plans {
		sum += c.rowsRead(table)
	}
	return sum
}
