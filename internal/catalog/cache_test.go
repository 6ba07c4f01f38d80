package catalog

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
	"github.com/pasarhq/pasar/internal/platform/events"
)

func TestCacheServesUntilInvalidated(t *testing.T) {
	t.Parallel()
	c := newCore(t, dbtest.Open(t, db.SQLite))
	seedTree(t, c)
	cache := NewCache(c, CacheOptions{MaxProducts: 4})
	p := mustCreate(t, c, sample("lamp", "Oak", "home", 100))
	ctx := context.Background()
	first, err := cache.ProductDoc(ctx, "lamp")
	if err != nil {
		t.Fatal(err)
	}
	// A write that bypasses the cache (another process) is not seen until the event arrives...
	p.Title = "Lamp 2"
	if _, err := c.UpdateProduct(staff(), p, 1); err != nil {
		t.Fatal(err)
	}
	if again, _ := cache.ProductDoc(ctx, p.ID); again != first {
		t.Fatal("cache did not serve the cached doc by id")
	}
	// ...and is once it does: both keys are dropped.
	cache.InvalidateProduct(p.ID)
	if again, _ := cache.ProductDoc(ctx, "lamp"); again == first || again.ETag != ProductETag(p.ID, 2) {
		t.Fatalf("after invalidation: %s", again.ETag)
	}
	// Counted: the first read and the one after the invalidation missed, the one between hit.
	if s := cache.Stats(); s.Misses[kindProduct] != 2 || s.Hits[kindProduct] != 1 || s.Hits[kindList]+s.Misses[kindList] != 0 {
		t.Fatalf("stats %+v, want 2 product misses and 1 hit", s)
	}
	// The cache stays within its bound.
	for _, slug := range []string{"a1", "a2", "a3", "a4", "a5"} {
		mustCreate(t, cache, sample(slug, "Oak", "home", 100))
		if _, err := cache.ProductDoc(ctx, slug); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(cache.products); n > 4 {
		t.Fatalf("%d entries, bound is 4", n)
	}
}

func TestCacheDropsAnswersThatRacedAnInvalidation(t *testing.T) {
	t.Parallel()
	c := newCore(t, dbtest.Open(t, db.SQLite))
	seedTree(t, c)
	mustCreate(t, c, sample("racy", "Oak", "home", 100))
	racing := &invalidatingService{Service: c}
	cache := NewCache(racing, CacheOptions{})
	racing.cache = cache
	if _, err := cache.ProductDoc(context.Background(), "racy"); err != nil {
		t.Fatal(err)
	}
	if len(cache.products) != 0 {
		t.Fatal("an answer read before an invalidation was stored after it")
	}
}

// invalidatingService invalidates the cache while a read is in flight, as an event arriving
// between the store read and the cache fill would.
type invalidatingService struct {
	Service
	cache *Cache
}

func (s *invalidatingService) Product(ctx context.Context, key string) (Product, error) {
	p, err := s.Service.Product(ctx, key)
	s.cache.InvalidateProduct(p.ID)
	return p, err
}

func TestCachedReadsAllocateNothing(t *testing.T) {
	c := newCore(t, dbtest.Open(t, db.SQLite))
	seedTree(t, c)
	mustCreate(t, c, sample("fast", "Oak", "home", 100))
	h := NewHandler(NewCache(c, CacheOptions{}), HandlerOptions{})
	w := &discardWriter{h: http.Header{}}
	list := httptest.NewRequest("GET", "/api/v1/products?category=home&sort=price_asc&limit=20", nil)
	h.listProducts(w, list)
	if n := testing.AllocsPerRun(100, func() { clear(w.h); h.listProducts(w, list) }); n != 0 {
		t.Errorf("cached list: %.0f allocations per request", n)
	}
	detail := httptest.NewRequest("GET", "/api/v1/products/fast", nil)
	detail.SetPathValue("key", "fast")
	h.getProduct(w, detail)
	if n := testing.AllocsPerRun(100, func() { clear(w.h); h.getProduct(w, detail) }); n != 0 {
		t.Errorf("cached detail: %.0f allocations per request", n)
	}
}

func TestCacheIgnoresEventsFromBeforeItsTime(t *testing.T) {
	t.Parallel()
	c := newCore(t, dbtest.Open(t, db.SQLite))
	seedTree(t, c)
	p := mustCreate(t, c, sample("old", "Oak", "home", 100))
	cache := NewCache(c, CacheOptions{})
	if _, err := cache.ProductDoc(context.Background(), "old"); err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(ProductDeleted{ID: p.ID, Version: 1})
	replayed := events.Event{Type: EventProductDeleted, Time: time.Now().Add(-2 * staleEventAge), Data: data}
	cache.apply(replayed)
	if len(cache.products) != 2 {
		t.Fatal("a replayed event from before the cache existed emptied it")
	}
	replayed.Time = time.Now()
	cache.apply(replayed)
	if len(cache.products) != 0 {
		t.Fatal("a current event did not invalidate")
	}
}
