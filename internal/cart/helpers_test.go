package cart

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
	"github.com/pasarhq/pasar/internal/pricing"
)

const redisEnv = "PASAR_TEST_REDIS_URL"

// storeKinds runs fn once per cart store: SQLite, PostgreSQL and Redis, each fresh and removed
// afterwards. PostgreSQL and Redis skip, naming their variable, when it is unset. d is a SQL
// store for what lives only in SQL (the catalog index, discounts): the same one as the carts',
// or a SQLite one beside Redis.
func storeKinds(t *testing.T, fn func(t *testing.T, st Store, d *db.DB)) {
	t.Helper()
	for _, e := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			d := migrated(t, e)
			fn(t, NewSQLStore(d), d)
		})
	}
	t.Run("redis", func(t *testing.T) {
		t.Parallel()
		fn(t, redisStore(t, time.Hour), migrated(t, db.SQLite))
	})
}

func migrated(t testing.TB, e db.Engine) *db.DB {
	t.Helper()
	d := dbtest.Open(t, e)
	if _, err := db.Migrate(context.Background(), d, "cart", Migrations); err != nil {
		t.Fatal(err)
	}
	return d
}

// redisStore returns a store under a key prefix of its own, whose keys are deleted at the end.
func redisStore(t testing.TB, ttl time.Duration) *RedisStore {
	t.Helper()
	url := os.Getenv(redisEnv)
	if url == "" {
		t.Skipf("Redis tests skipped: set %s (e.g. redis://127.0.0.1:6379/0)", redisEnv)
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	prefix := "pasar-test:" + NewID()[:12] + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		rdb.Close()
	})
	return NewRedisStore(rdb, prefix, ttl)
}

// fakeCatalog is a Catalog whose variants a test sets.
type fakeCatalog struct {
	mu sync.Mutex
	m  map[string]Variant
}

func newFakeCatalog(vs ...Variant) *fakeCatalog {
	c := &fakeCatalog{m: map[string]Variant{}}
	for _, v := range vs {
		c.set(v)
	}
	return c
}

func (c *fakeCatalog) set(v Variant) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[v.SKU] = v
}

func (c *fakeCatalog) Variants(_ context.Context, skus []string) (map[string]Variant, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]Variant{}
	for _, s := range skus {
		if v, ok := c.m[s]; ok {
			out[s] = v
		}
	}
	return out, nil
}

// fakeStock is a Stock with fixed counts.
type fakeStock map[string]int64

func (s fakeStock) Available(_ context.Context, skus []string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, k := range skus {
		if n, ok := s[k]; ok {
			out[k] = n
		}
	}
	return out, nil
}

func variant(sku string, amount int64, currency string) Variant {
	return Variant{SKU: sku, ProductID: "p-" + sku, Title: "Product " + sku, Active: true,
		Price: pricing.Money{Amount: amount, Currency: currency}, WeightGrams: 500}
}

// testCatalog holds the SKUs the service tests use.
func testCatalog() *fakeCatalog {
	inactive := variant("OFF-1", 100, "USD")
	inactive.Active = false
	tee := variant("TEE-M", 1999, "USD")
	tee.Options = map[string]string{"size": "M", "colour": "white"}
	return newFakeCatalog(tee, variant("MUG-1", 1250, "USD"),
		variant("EURO-1", 900, "EUR"), variant("LIMITED-1", 500, "USD"), inactive,
		variant("GOLD-1", pricing.MaxAmount, "USD"))
}

var testCalc = pricing.Calculator{Shipping: pricing.DefaultShipping(),
	Taxes: pricing.TaxTable{"US-CA": 725, "DE": 1900}, StoreCountry: "US"}

// newService returns a service on st with the test catalog, LIMITED-1 limited to 3 in stock,
// and discounts in d.
func newService(st Store, d *db.DB, cat Catalog) *Core {
	return New(st, Options{Catalog: cat, Stock: fakeStock{"LIMITED-1": 3}, Discounts: NewDiscounts(d), Pricing: testCalc})
}
