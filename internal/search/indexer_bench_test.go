package search

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/events"
)

// BenchmarkIndexer measures how many catalog events per second the search consumer applies, from
// a backlog of 1,000 product.upserted events waiting in the stream (as after an import) until
// the last product is searchable: "one-at-a-time" is the consumer handling each event in its own
// transaction and index write, "batched" is Subscribe, which applies runs of events together.
func BenchmarkIndexer(b *testing.B) {
	const n = 1000
	ctx := context.Background()
	cat := newBenchCatalog(n)
	modes := []struct {
		name  string
		start func(env *eventsEnv, x *Index) (*events.Consumer, error)
	}{
		{"one-at-a-time", func(env *eventsEnv, x *Index) (*events.Consumer, error) {
			return events.Subscribe(ctx, env.bus, env.searchDB, events.ConsumerOptions{
				Name: ConsumerName, Types: []string{"product.*"}, Logger: slog.New(slog.DiscardHandler),
			}, x.Handler())
		}},
		{"batched", func(env *eventsEnv, x *Index) (*events.Consumer, error) {
			return Subscribe(ctx, env.bus, env.searchDB, x, slog.New(slog.DiscardHandler))
		}},
	}
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			var took time.Duration
			for range b.N {
				b.StopTimer()
				env := newEventsEnv(b)
				x := openTest(b)
				err := env.catalog.InTx(ctx, func(tx *db.Tx) error {
					for i := range n {
						if _, err := env.outbox.Add(ctx, tx, catalog.EventProductUpserted, catalog.EventVersion, cat.product(i)); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				for {
					if p, err := env.outbox.Pending(ctx); err != nil || p == 0 {
						break
					}
					time.Sleep(10 * time.Millisecond)
				}
				b.StartTimer()
				start := time.Now()
				c, err := m.start(env, x)
				if err != nil {
					b.Fatal(err)
				}
				for {
					if got, _ := x.DocCount(); got == n {
						break
					}
					time.Sleep(2 * time.Millisecond)
				}
				took += time.Since(start)
				c.Stop()
			}
			b.ReportMetric(float64(n*b.N)/took.Seconds(), "events/s")
		})
	}
}
