package catalog

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/events"
)

// Consume keeps c in step with writes made by any process: it subscribes to the catalog's events
// and drops what they change. name must be unique per process (see CacheConsumerName), because
// processes sharing a durable consumer would split the events between them.
func (c *Cache) Consume(ctx context.Context, bus *events.Bus, d *db.DB, name string, log *slog.Logger) (*events.Consumer, error) {
	return events.Subscribe(ctx, bus, d, events.ConsumerOptions{
		Name:   name,
		Types:  []string{"product.*", "category.*"},
		Logger: log,
	}, func(_ context.Context, _ *db.Tx, ev events.Event) error {
		c.apply(ev)
		return nil
	})
}

// staleEventAge is how long before the cache was made an event must have been written for the
// cache to ignore it: its change committed before this process read anything (the margin covers
// transaction time and clock skew between processes). A new consumer replays the stream, and
// without this every replayed event would empty the list cache while the process starts.
const staleEventAge = time.Minute

// apply invalidates what ev changed. A payload it cannot read still invalidates everything it
// might concern, since a stale read is worse than a cache miss.
func (c *Cache) apply(ev events.Event) {
	if !ev.Time.IsZero() && ev.Time.Before(c.born.Add(-staleEventAge)) {
		return
	}
	switch ev.Type {
	case EventProductUpserted:
		var v struct {
			Product struct {
				ID string `json:"id"`
			} `json:"product"`
		}
		if ev.Decode(&v) == nil && v.Product.ID != "" {
			c.InvalidateProduct(v.Product.ID)
			return
		}
		c.InvalidateAll()
	case EventProductDeleted:
		var v ProductDeleted
		if ev.Decode(&v) == nil && v.ID != "" {
			c.InvalidateProduct(v.ID)
			return
		}
		c.InvalidateAll()
	case EventCategoryChanged:
		c.InvalidateCategories()
	}
}

// InvalidateAll empties the cache.
func (c *Cache) InvalidateAll() {
	c.mu.Lock()
	c.gen++
	clear(c.products)
	clear(c.lists)
	c.cats = nil
	c.mu.Unlock()
}

// CacheConsumerName names this process's cache consumer: stable across restarts of the same
// process (host and listen address), so it resumes rather than piling up consumers, and distinct
// between processes.
func CacheConsumerName(addr string) string {
	host, _ := os.Hostname()
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
				return r
			}
			return '_'
		}, s)
	}
	return "catalog-cache-" + clean(host) + "-" + clean(addr)
}
