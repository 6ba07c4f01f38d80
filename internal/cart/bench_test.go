package cart

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
	"github.com/pasarhq/pasar/internal/pricing"
)

// BenchmarkAddItem measures adding an item to a cart and pricing it (what POST
// /api/v1/carts/{id}/items does below HTTP) on each store, with the catalog lookup in memory.
// Each goroutine fills its own carts, three SKUs at a time, starting a new cart every 300 adds.
// Sixteen goroutines run at once on two cores. The baseline is pricing alone, to show what the
// store costs.
func BenchmarkAddItem(b *testing.B) {
	b.Run("baseline-pricing-only", func(b *testing.B) {
		in := pricing.Input{Currency: "USD", Lines: []pricing.Line{{SKU: "TEE-M", UnitPrice: 1999, Quantity: 3, WeightGrams: 500},
			{SKU: "MUG-1", UnitPrice: 1250, Quantity: 1}}}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := testCalc.Compute(in); err != nil {
				b.Fatal(err)
			}
		}
	})
	stores := map[string]func(b *testing.B) (Store, *db.DB){
		"sqlite":   func(b *testing.B) (Store, *db.DB) { d := migrated(b, db.SQLite); return NewSQLStore(d), d },
		"postgres": func(b *testing.B) (Store, *db.DB) { d := migrated(b, db.Postgres); return NewSQLStore(d), d },
		"redis":    func(b *testing.B) (Store, *db.DB) { return redisStore(b, time.Hour), migrated(b, db.SQLite) },
	}
	for _, name := range []string{"sqlite", "postgres", "redis"} {
		b.Run(name, func(b *testing.B) {
			if name == "postgres" && os.Getenv(dbtest.PostgresEnv) == "" {
				b.Skipf("set %s", dbtest.PostgresEnv)
			}
			st, d := stores[name](b)
			s := newService(st, d, testCatalog())
			ctx := context.Background()
			skus := []string{"TEE-M", "MUG-1", "LIMITED-1"}
			b.ReportAllocs()
			b.SetParallelism(8) // 8 per core, as a server's concurrent requests would be
			b.RunParallel(func(pb *testing.PB) {
				var id string
				for i := 0; pb.Next(); i++ {
					if i%300 == 0 {
						v, err := s.Create(ctx, "USD")
						if err != nil {
							b.Fatal(err)
						}
						id = v.ID
					}
					sku := skus[i%2] // LIMITED-1 is stock-limited; keep to the others
					if _, err := s.AddItem(ctx, id, sku, 1); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
