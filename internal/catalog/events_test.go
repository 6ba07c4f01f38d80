package catalog

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
	"github.com/pasarhq/pasar/internal/platform/events"
)

func uniq(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// TestEventsInvalidateAnotherProcessCache writes through one process's cache and checks that a
// second process's cache, which only hears the events, serves the change.
func TestEventsInvalidateAnotherProcessCache(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.DiscardHandler)
	nats, err := events.StartEmbedded(events.EmbeddedOptions{StoreDir: t.TempDir()}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nats.Shutdown)
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		bus, err := events.Connect(ctx, events.BusOptions{URL: nats.ClientURL(), Stream: uniq("T_"),
			SubjectPrefix: uniq("t"), Logger: log, Registerer: prometheus.NewRegistry()})
		if err != nil {
			t.Fatal(err)
		}
		core := newCore(t, d)
		core.outbox = events.NewOutbox(d, bus, "catalog", log)
		var wg sync.WaitGroup
		wg.Go(func() { _ = core.outbox.Run(ctx) })
		writer, reader := NewCache(core, CacheOptions{}), NewCache(core, CacheOptions{})
		cons, err := reader.Consume(ctx, bus, d, uniq("catalog-cache-"), log)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cons.Stop(); cancel(); wg.Wait(); bus.Close() })

		seedTree(t, writer)
		p := mustCreate(t, writer, sample("mug", "Oak", "kitchen", 900))
		if doc, err := reader.ProductDoc(ctx, "mug"); err != nil || doc.ETag != ProductETag(p.ID, 1) {
			t.Fatalf("first read: %v", err)
		}
		if page, _ := reader.Products(ctx, Query{Category: "home"}); len(page.Items) != 1 {
			t.Fatalf("list before: %d items", len(page.Items))
		}
		p.Title = "Big mug"
		if _, err := writer.UpdateProduct(staff(), p, 1); err != nil {
			t.Fatal(err)
		}
		mustCreate(t, writer, sample("cup", "Oak", "kitchen", 500))
		waitFor(t, "the reader to see version 2", func() bool {
			doc, err := reader.ProductDoc(ctx, "mug")
			return err == nil && doc.ETag == ProductETag(p.ID, 2)
		})
		waitFor(t, "the reader's list to show the new product", func() bool {
			page, _ := reader.Products(ctx, Query{Category: "home"})
			return len(page.Items) == 2
		})
		if _, err := writer.CreateCategory(staff(), Category{Slug: "garden", Name: "Garden"}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the reader's tree to show the new category", func() bool {
			cats, _ := reader.Categories(ctx)
			return len(cats) == 3
		})
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
