package order

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"reflect"
	"testing"
	"testing/fstest"

	"github.com/pasarhq/pasar/internal/payment"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
	"github.com/pasarhq/pasar/internal/platform/events"
)

// TestVariantOptionsOnLines orders two variants of one product: the cart, the order, its API
// and its event tell them apart by their options.
func TestVariantOptionsOnLines(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.stock(t, "NB-15", 5)
		f.stock(t, "NB-13", 5)
		f.stock(t, "MUG-1", 5)
		ctx := customer()
		id := f.cart(t, ctx, "NB-15", 1, "NB-13", 2, "MUG-1", 1)
		grey := map[string]string{"size": `15"`, "colour": "grey"}
		blue := map[string]string{"size": `13"`, "colour": "blue"}
		v, err := f.carts.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Items) != 3 || !reflect.DeepEqual(v.Items[0].Options, grey) || !reflect.DeepEqual(v.Items[1].Options, blue) ||
			v.Items[2].Options != nil || v.Items[0].Title != v.Items[1].Title {
			t.Fatalf("cart lines %+v", v.Items)
		}

		o, err := f.Checkout(ctx, "opt-1", request(id, payment.CardSucceeds))
		if err != nil {
			t.Fatal(err)
		}
		check := func(what string, ls []Line) {
			t.Helper()
			if len(ls) != 3 || ls[0].SKU != "NB-15" || !reflect.DeepEqual(ls[0].Options, grey) ||
				!reflect.DeepEqual(ls[1].Options, blue) || ls[1].Quantity != 2 || ls[2].Options != nil {
				t.Fatalf("%s lines %+v", what, ls)
			}
		}
		check("checkout", o.Lines)
		got, err := f.Get(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		check("get", got.Lines)

		rec := f.do(t, ctx, http.MethodGet, "/api/v1/orders/"+o.ID, "", nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("get over HTTP: %d %s", rec.Code, rec.Body)
		}
		body := decode[struct {
			Lines []map[string]json.RawMessage `json:"lines"`
		}](t, rec)
		if len(body.Lines) != 3 || string(body.Lines[0]["options"]) != `{"colour":"grey","size":"15\""}` {
			t.Fatalf("HTTP lines %s", rec.Body)
		}
		if _, ok := body.Lines[2]["options"]; ok {
			t.Errorf("a line without options has some: %s", rec.Body)
		}

		var raw string
		if err := f.d.QueryRowContext(context.Background(), `SELECT payload FROM events_outbox WHERE type = 'order.placed'`).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var ev events.Event
		var placed OrderEvent
		if err := json.Unmarshal([]byte(raw), &ev); err != nil {
			t.Fatal(err)
		}
		if err := ev.Decode(&placed); err != nil {
			t.Fatal(err)
		}
		check("order.placed", placed.Lines)
	})
}

// TestLineOptionsMigration reads an order stored before lines had options: it has none.
func TestLineOptionsMigration(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		b, err := fs.ReadFile(Migrations, "0001_orders.sql")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(ctx, d, "order", fstest.MapFS{"0001_orders.sql": {Data: b}}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, `INSERT INTO order_lines (order_id, n, sku, title, quantity, unit_price, line_total)
			VALUES ('old', 0, 'TEE-M', 'Tee', 1, 1999, 1999)`); err != nil {
			t.Fatal(err)
		}
		if n, err := db.Migrate(ctx, d, "order", Migrations); err != nil || n < 1 {
			t.Fatalf("migrate: %d, %v", n, err)
		}
		ls, err := lines(ctx, d, "old", "USD")
		if err != nil || len(ls) != 1 || ls[0].SKU != "TEE-M" || ls[0].Options != nil {
			t.Fatalf("old lines %+v, %v", ls, err)
		}
	})
}
