package events

import (
	"context"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// BenchmarkRelay measures the relay alone: b.N events are committed first, then timed from the
// start of a flush until the broker has acknowledged them all and their rows are deleted.
func BenchmarkRelay(b *testing.B) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		b.Run(string(engine), func(b *testing.B) {
			d := dbtest.Open(b, engine)
			prepare(b, d)
			e := startEmbedded(b, "", b.TempDir())
			bus := connectBus(b, e.ClientURL())
			o := NewOutbox(d, bus, "bench", testLog())
			ctx := context.Background()
			payload := map[string]any{"sku": "SKU-000123", "qty": 3, "warehouse": "main"}
			const perTx = 500
			for done := 0; done < b.N; done += perTx {
				err := d.InTx(ctx, func(tx *db.Tx) error {
					for range min(perTx, b.N-done) {
						if _, err := o.Add(ctx, tx, "stock.changed", 1, payload); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}

			b.ResetTimer()
			start := time.Now()
			if err := o.Flush(ctx); err != nil {
				b.Fatal(err)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			if n, err := o.Pending(ctx); err != nil || n != 0 {
				b.Fatalf("pending after flush = %d, %v", n, err)
			}
			if n := streamMsgs(b, bus); n != uint64(b.N) {
				b.Fatalf("stream holds %d events, want %d", n, b.N)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
		})
	}
}
