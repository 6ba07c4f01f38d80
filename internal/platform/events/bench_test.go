package events

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

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
			fillOutbox(b, d, o, "stock.changed", map[string]any{"sku": "SKU-000123", "qty": 3, "warehouse": "main"})

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

// BenchmarkPublishBaseline is the relay's ceiling measured in the same run: the same events
// published straight to the same kind of embedded JetStream, in the relay's batch size, with no
// database read or delete. The relay's events/s over this one is its overhead.
func BenchmarkPublishBaseline(b *testing.B) {
	e := startEmbedded(b, "", b.TempDir())
	bus := connectBus(b, e.ClientURL())
	ctx := context.Background()
	if err := bus.ensureStream(ctx); err != nil {
		b.Fatal(err)
	}
	payload, err := json.Marshal(map[string]any{"sku": "SKU-000123", "qty": 3, "warehouse": "main"})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for done := 0; done < b.N; done += relayBatch {
		futures := make([]jetstream.PubAckFuture, 0, relayBatch)
		for i := done; i < min(done+relayBatch, b.N); i++ {
			msg := &nats.Msg{Subject: bus.subject("stock.changed"), Data: payload}
			f, err := bus.js.PublishMsgAsync(msg, jetstream.WithMsgID(strconv.Itoa(i)))
			if err != nil {
				b.Fatal(err)
			}
			futures = append(futures, f)
		}
		for _, f := range futures {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				b.Fatal(err)
			}
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
}

// BenchmarkConsume measures a consumer's throughput with Subscribe (a transaction per event)
// against SubscribeGrouped (the events waiting in one transaction, each in a savepoint, or with
// TxOnly without savepoints unless a handler fails): b.N
// events wait in the stream, then are timed from the consumer's start until the last one's
// transaction has committed. The handler writes one row per event, as the notification
// consumers do; tx/event is the transactions it took per event.
func BenchmarkConsume(b *testing.B) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		for _, mode := range []string{"subscribe", "grouped", "grouped-txonly"} {
			b.Run(string(engine)+"/"+mode, func(b *testing.B) {
				d := dbtest.Open(b, engine)
				prepare(b, d)
				e := startEmbedded(b, "", b.TempDir())
				bus := connectBus(b, e.ClientURL())
				o := NewOutbox(d, bus, "bench", testLog())
				ctx := context.Background()
				fillOutbox(b, d, o, "order.placed", map[string]any{"order_id": "ord_000123", "total": 4200, "email": "a@example.com"})
				if err := o.Flush(ctx); err != nil {
					b.Fatal(err)
				}

				var mu sync.Mutex
				txs := map[*sql.Tx]bool{}
				var committed atomic.Int64
				all := make(chan struct{})
				h := func(ctx context.Context, tx *db.Tx, ev Event) error {
					mu.Lock()
					txs[tx.Tx] = true
					mu.Unlock()
					tx.AfterCommit(func() {
						if committed.Add(1) == int64(b.N) {
							close(all)
						}
					})
					return apply(ctx, tx, "bench", ev)
				}
				opts := ConsumerOptions{Name: uniq("bench"), Logger: testLog()}
				b.ResetTimer()
				start := time.Now()
				var c *Consumer
				var err error
				switch mode {
				case "grouped-txonly":
					opts.TxOnly = true
					fallthrough
				case "grouped":
					c, err = SubscribeGrouped(ctx, bus, d, opts, h)
				default:
					c, err = Subscribe(ctx, bus, d, opts, h)
				}
				if err != nil {
					b.Fatal(err)
				}
				select {
				case <-all:
				case <-time.After(5 * time.Minute):
					b.Fatalf("%d of %d events committed after 5 minutes", committed.Load(), b.N)
				}
				elapsed := time.Since(start)
				b.StopTimer()
				c.Stop()
				if events, total := applied(b, d, "bench"); events != b.N || total != b.N {
					b.Fatalf("applied %d events %d times, want %d once each", events, total, b.N)
				}
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
				b.ReportMetric(float64(len(txs))/float64(b.N), "tx/event")
			})
		}
	}
}

// fillOutbox commits b.N events of type typ with payload to o's outbox, 500 a transaction.
func fillOutbox(b *testing.B, d *db.DB, o *Outbox, typ string, payload any) {
	b.Helper()
	ctx := context.Background()
	const perTx = 500
	for done := 0; done < b.N; done += perTx {
		err := d.InTx(ctx, func(tx *db.Tx) error {
			for range min(perTx, b.N-done) {
				if _, err := o.Add(ctx, tx, typ, 1, payload); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
