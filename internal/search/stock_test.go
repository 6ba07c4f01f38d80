package search

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/inventory"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/auth/authtest"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
	"github.com/pasarhq/pasar/internal/platform/events"
)

// stockEnv is eventsEnv plus a real inventory whose outbox publishes to the same bus, and an
// index fed by both search consumers.
type stockEnv struct {
	*eventsEnv
	invDB *db.DB
	inv   *inventory.Core
	path  string
	x     *Index
}

func newStockEnv(t *testing.T) *stockEnv {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	env := &stockEnv{eventsEnv: newEventsEnv(t), invDB: openStore(t, "inventory"), path: filepath.Join(t.TempDir(), "search")}
	if _, err := db.Migrate(ctx, env.invDB, "inventory", inventory.Migrations); err != nil {
		t.Fatal(err)
	}
	o := events.NewOutbox(env.invDB, env.bus, "inventory", log)
	rctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { o.Run(rctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	env.inv = inventory.NewCore(env.invDB, o, inventory.Options{})
	env.start(t)
	return env
}

// start opens the index at env.path and subscribes both consumers, undone when the test ends.
func (env *stockEnv) start(t *testing.T) {
	t.Helper()
	// A long facet TTL: stock changes must clear the cache, not wait for it to expire.
	x, err := Open(env.path, Options{FacetTTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	for _, sub := range []func(context.Context, *events.Bus, *db.DB, *Index, *slog.Logger) (*events.Consumer, error){Subscribe, SubscribeStock} {
		c, err := sub(context.Background(), env.bus, env.searchDB, x, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Stop)
	}
	env.x = x
}

// setStock adjusts sku's units on hand in the inventory, which publishes stock.changed.
func (env *stockEnv) setStock(t *testing.T, sku string, n int64) {
	t.Helper()
	ctx := auth.WithPrincipal(context.Background(), authtest.Principal(auth.Staff))
	if _, err := env.inv.Adjust(ctx, inventory.Adjustment{SKU: sku, OnHand: n, Reason: "test"}); err != nil {
		t.Fatalf("stock %s: %v", sku, err)
	}
}

// stocked returns the ids in_stock=inStock finds, sorted, and the brand facet's counts.
func stocked(t *testing.T, x *Index, inStock bool) ([]string, map[string]int) {
	t.Helper()
	res, err := x.Search(context.Background(), Query{InStock: &inStock})
	if err != nil {
		t.Fatal(err)
	}
	brands := map[string]int{}
	for _, b := range res.Facets.Brands {
		brands[b.Value] = b.Count
	}
	got := ids(res)
	slices.Sort(got)
	return got, brands
}

func expectStocked(t *testing.T, x *Index, what string, want ...string) {
	t.Helper()
	var got []string
	var brands map[string]int
	took := waitFor(t, time.Second, what, func() bool {
		got, brands = stocked(t, x, true)
		return slices.Equal(got, want)
	})
	t.Logf("%s after %s", what, took)
	if n := brands["Fjell"]; n != len(want) {
		t.Errorf("%s: brand facet counts %d in-stock products, want %d", what, n, len(want))
	}
}

// TestStockFiltersWithinASecond drives a real inventory through the bus and checks in_stock=true
// follows each flip within a second: one-SKU products leave and come back, and a product with two
// SKUs stays while either has stock. SKUs the inventory never reported count as in stock.
func TestStockFiltersWithinASecond(t *testing.T) {
	t.Parallel()
	env := newStockEnv(t)
	env.publish(t, catalog.EventProductUpserted, product("p1", "Wool Sweater", "Fjell", 6900, []string{"clothing"}, ""))
	env.publish(t, catalog.EventProductUpserted, product("p2", "Wool Scarf", "Fjell", 2900, []string{"clothing"}, "", "blue", "red"))
	waitFor(t, 5*time.Second, "products indexed", func() bool { return found(t, env.x, "wool", "p1") && found(t, env.x, "wool", "p2") })
	expectStocked(t, env.x, "untracked SKUs in stock", "p1", "p2")

	env.setStock(t, "p1-0", 0)
	expectStocked(t, env.x, "sold-out product gone", "p2")
	if got, _ := stocked(t, env.x, false); !slices.Equal(got, []string{"p1"}) {
		t.Errorf("in_stock=false: got %v, want [p1]", got)
	}

	env.setStock(t, "p2-0", 3)
	env.setStock(t, "p2-1", 0)
	env.setStock(t, "p1-0", 4) // a later event, so p2's are applied by the time p1 is back
	expectStocked(t, env.x, "restocked product back, two-SKU product kept by its other SKU", "p1", "p2")

	env.setStock(t, "p2-0", 0)
	expectStocked(t, env.x, "two-SKU product gone with its last SKU", "p1")
	env.setStock(t, "p2-1", 1)
	expectStocked(t, env.x, "two-SKU product back", "p1", "p2")
}

// TestStockOutOfOrder checks a stock report older than the one applied, delivered later through
// the bus, does not flip the SKU back.
func TestStockOutOfOrder(t *testing.T) {
	t.Parallel()
	env := newStockEnv(t)
	p1 := product("p1", "Wool Sweater", "Fjell", 6900, []string{"clothing"}, "")
	env.publish(t, catalog.EventProductUpserted, p1)
	waitFor(t, 5*time.Second, "product indexed", func() bool { return found(t, env.x, "wool", "p1") })
	expectStocked(t, env.x, "untracked SKU in stock", "p1")
	env.setStock(t, "p1-0", 0)
	expectStocked(t, env.x, "sold out", []string{}...)

	// An in-stock report from a minute earlier, as a retried or slow delivery brings it, relayed
	// by the inventory's outbox like any other event.
	data, _ := json.Marshal(inventory.StockChanged{Stock: inventory.Stock{SKU: "p1-0", Available: 7, OnHand: 7, InStock: true}, Cause: "adjustment"})
	stale := events.Event{ID: "stale-1", Type: inventory.EventStockChanged, Version: 1, Time: time.Now().Add(-time.Minute).UTC(), Source: "inventory", Data: data}
	payload, _ := json.Marshal(stale)
	if _, err := env.invDB.ExecContext(context.Background(), `INSERT INTO events_outbox (id, type, payload, created_at) VALUES ($1, $2, $3, $4)`,
		stale.ID, stale.Type, string(payload), time.Now().UnixMilli()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "stale event processed", func() bool {
		var n int
		err := env.searchDB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM events_processed WHERE consumer = $1 AND event_id = $2`,
			StockConsumerName, stale.ID).Scan(&n)
		return err == nil && n == 1
	})
	if got, _ := stocked(t, env.x, true); len(got) != 0 {
		t.Fatalf("a stale report flipped the SKU back: in stock %v", got)
	}
}

// TestSetStockOrder checks which reports SetStock applies, by event time then id.
func TestSetStockOrder(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	type report struct {
		in bool
		at time.Duration
		id string
	}
	cases := []struct {
		name    string
		reports []report
		want    bool // in stock at the end
	}{
		{"newer wins", []report{{false, 0, "a"}, {true, time.Second, "b"}}, true},
		{"older ignored", []report{{false, time.Second, "b"}, {true, 0, "a"}}, false},
		{"same instant ordered by id", []report{{false, 0, "b"}, {true, 0, "a"}}, false},
		{"repeat ignored", []report{{false, 0, "a"}, {true, 0, "a"}}, false},
		{"nanoseconds count", []report{{false, 2, "a"}, {true, 1, "b"}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dbtest.Engines(t, func(t *testing.T, d *db.DB) {
				migrate(t, d)
				x := openTest(t)
				fill(t, x, []catalog.ProductUpserted{product("p1", "Wool Sweater", "Fjell", 6900, []string{"clothing"}, "")})
				// Each report in a transaction of its own, as the consumer applies them.
				for _, r := range tc.reports {
					err := d.InTx(context.Background(), func(tx *db.Tx) error {
						_, err := x.SetStock(context.Background(), tx, "p1-0", r.in, 0, base.Add(r.at), r.id)
						return err
					})
					if err != nil {
						t.Fatal(err)
					}
				}
				if got, _ := stocked(t, x, true); len(got) == 1 != tc.want {
					t.Errorf("in stock %v, want %v", got, tc.want)
				}
			})
		})
	}
}

// TestStockSurvivesRebuild checks a rebuilt index, once it loads the search store's stock, still
// leaves out the sold-out product: stock is not in the index.
func TestStockSurvivesRebuild(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := openStore(t, "search")
	path := filepath.Join(t.TempDir(), "search")
	evs := []catalog.ProductUpserted{
		product("p1", "Wool Sweater", "Fjell", 6900, []string{"clothing"}, ""),
		product("p2", "Wool Scarf", "Fjell", 2900, []string{"clothing"}, "", "blue", "red"),
	}
	x, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, x, evs)
	for _, sku := range []string{"p1-0", "p2-0"} {
		if _, err := x.SetStock(ctx, d, sku, false, 0, time.Now(), sku); err != nil {
			t.Fatal(err)
		}
	}
	x.Close()
	if _, err := Rebuild(ctx, path, &fakeCatalog{products: evs}, d, nil); err != nil {
		t.Fatal(err)
	}
	x, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if err := x.LoadStock(ctx, d); err != nil {
		t.Fatal(err)
	}
	// Products missing here were lost by the rebuild itself, not by the stock filter.
	if res, err := x.Search(ctx, Query{}); err != nil || res.Total != uint64(len(evs)) {
		t.Fatalf("rebuilt index holds %d products (err %v), want %d", res.Total, err, len(evs))
	}
	if got, _ := stocked(t, x, true); !slices.Equal(got, []string{"p2"}) {
		t.Errorf("in stock after rebuild: %v, want [p2]", got)
	}
	if got, _ := stocked(t, x, false); !slices.Equal(got, []string{"p1"}) {
		t.Errorf("out of stock after rebuild: %v, want [p1]", got)
	}
}
