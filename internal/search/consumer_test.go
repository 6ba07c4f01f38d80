package search

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/events"
)

// eventsEnv is an embedded NATS, a catalog store whose outbox publishes to it, and a search store
// for the consumer, all private to one test.
type eventsEnv struct {
	bus      *events.Bus
	catalog  *db.DB
	outbox   *events.Outbox
	searchDB *db.DB
}

func newEventsEnv(t testing.TB) *eventsEnv {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	e, err := events.StartEmbedded(events.EmbeddedOptions{StoreDir: t.TempDir()}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Shutdown)
	bus, err := events.Connect(ctx, events.BusOptions{
		URL: e.ClientURL(), Stream: "SEARCHTEST", SubjectPrefix: "searchtest", Name: "search-test",
		Logger: log, Registerer: prometheus.NewRegistry(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bus.Close)
	env := &eventsEnv{bus: bus, catalog: openStore(t, "catalog"), searchDB: openStore(t, "search")}
	env.outbox = events.NewOutbox(env.catalog, bus, "catalog", log)
	rctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { env.outbox.Run(rctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	return env
}

// publish commits an event to the catalog's outbox, as a catalog write does.
func (env *eventsEnv) publish(t testing.TB, typ string, data any) time.Time {
	t.Helper()
	err := env.catalog.InTx(context.Background(), func(tx *db.Tx) error {
		_, err := env.outbox.Add(context.Background(), tx, typ, catalog.EventVersion, data)
		return err
	})
	if err != nil {
		t.Fatalf("publish %s: %v", typ, err)
	}
	return time.Now()
}

// found reports whether a search for text finds product id.
func found(t *testing.T, x *Index, text, id string) bool {
	t.Helper()
	res, err := x.Search(context.Background(), Query{Text: text})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range res.Hits {
		if h.ID == id {
			return true
		}
	}
	return false
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > timeout {
			t.Fatalf("%s: not within %s", what, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// TestSearchableWithinASecond publishes catalog writes through an outbox and checks search sees
// each within a second, and that a restarted indexer catches up on what it missed.
func TestSearchableWithinASecond(t *testing.T) {
	t.Parallel()
	env := newEventsEnv(t)
	path := filepath.Join(t.TempDir(), "search")
	start := func() (*Index, *events.Consumer) {
		x, err := Open(path, Options{FacetTTL: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		c, err := Subscribe(context.Background(), env.bus, env.searchDB, x, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		return x, c
	}
	x, c := start()

	p1 := product("p1", "Wool Sweater", "Fjell", 6900, []string{"clothing"}, "")
	env.publish(t, catalog.EventProductUpserted, p1)
	took := waitFor(t, time.Second, "new product searchable", func() bool { return found(t, x, "sweater", "p1") })
	t.Logf("searchable after %s", took)

	p1.Product.Version, p1.Product.Title = 2, "Cashmere Sweater"
	env.publish(t, catalog.EventProductUpserted, p1)
	waitFor(t, time.Second, "update searchable", func() bool { return found(t, x, "cashmere", "p1") })

	// While the indexer is down: one product added, one deleted, plus a stale copy of an old
	// version that must not win.
	c.Stop()
	x.Close()
	p2 := product("p2", "Leather Boots", "Stride", 15900, []string{"shoes"}, "")
	env.publish(t, catalog.EventProductUpserted, p2)
	env.publish(t, catalog.EventProductDeleted, catalog.ProductDeleted{ID: "p1", Version: 2})
	old := p1
	old.Product.Version = 1
	env.publish(t, catalog.EventProductUpserted, old)

	x, c = start()
	defer x.Close()
	defer c.Stop()
	waitFor(t, 5*time.Second, "catch-up after restart", func() bool {
		return found(t, x, "boots", "p2") && !found(t, x, "sweater", "p1")
	})
	// The stale upsert came last; give it time to (wrongly) take effect.
	time.Sleep(200 * time.Millisecond)
	if found(t, x, "sweater", "p1") {
		t.Error("a stale upsert brought a deleted product back")
	}
}

// TestBadEventsParked checks events the indexer cannot read do not stop the ones after them.
func TestBadEventsParked(t *testing.T) {
	t.Parallel()
	env := newEventsEnv(t)
	x := openTest(t)
	c, err := events.Subscribe(context.Background(), env.bus, env.searchDB, events.ConsumerOptions{
		Name: ConsumerName, Types: []string{"product.*"}, MaxAttempts: 1,
		Logger: slog.New(slog.DiscardHandler),
	}, x.Handler())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	env.publish(t, catalog.EventProductUpserted, map[string]any{"product": "not an object"})
	env.publish(t, catalog.EventProductUpserted, catalog.ProductUpserted{}) // no id
	env.publish(t, catalog.EventProductUpserted, product("p1", "Wool Sweater", "Fjell", 6900, []string{"clothing"}, ""))
	waitFor(t, 5*time.Second, "good event after bad ones", func() bool { return found(t, x, "wool", "p1") })
	waitFor(t, 5*time.Second, "bad events parked", func() bool {
		p, err := events.Parked(context.Background(), env.searchDB)
		return err == nil && len(p) == 2
	})
}

// TestLostIndexForgetsVersions checks an index that starts empty does not skip events for
// products a lost index once held.
func TestLostIndexForgetsVersions(t *testing.T) {
	t.Parallel()
	env := newEventsEnv(t)
	ctx := context.Background()
	if err := setVersion(ctx, env.searchDB, "p1", 5, false); err != nil {
		t.Fatal(err)
	}
	x := openTest(t)
	c, err := Subscribe(ctx, env.bus, env.searchDB, x, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	if _, _, ok, err := lastVersion(ctx, env.searchDB, "p1"); ok || err != nil {
		t.Errorf("version of a product the new index never held still recorded (err %v)", err)
	}
	env.publish(t, catalog.EventProductUpserted, product("p1", "Wool Sweater", "Fjell", 6900, []string{"clothing"}, ""))
	waitFor(t, 5*time.Second, "product indexed", func() bool { return found(t, x, "wool", "p1") })
}
