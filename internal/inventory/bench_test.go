package inventory

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// benchSKUs is how many SKUs the benchmark's reservations spread over, each stocked so that no
// reservation runs short.
const benchSKUs = 200

// BenchmarkReserve measures three-line reservations per second on each engine, through the
// service ("service": validation, conditional updates returning what is left, the reservation
// row with its lines as JSON, the stock.changed check) and as the bare statements it cannot do
// without ("raw-sql": three conditional updates and one insert in one transaction), the baseline
// the ratio is against. 8 goroutines reserve at once.
//
//	PASAR_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//	  go test -run '^$' -bench Reserve -benchtime 2s ./internal/inventory
func BenchmarkReserve(b *testing.B) {
	for _, e := range []db.Engine{db.SQLite, db.Postgres} {
		b.Run(string(e), func(b *testing.B) {
			c, d := benchCore(b, e)
			var seq atomic.Int64
			// Alternate the two, so load from others on this shared machine hits both alike.
			for round := 1; round <= benchRounds; round++ {
				benchReserveRound(b, c, d, round, &seq, basket)
			}
		})
	}
}

// BenchmarkCheckout measures three-line checkouts (a reservation and its commit, the stock part
// of a placed order) per second on each engine, 8 goroutines at once.
//
//	PASAR_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//	  go test -run '^$' -bench Checkout -benchtime 2s ./internal/inventory
func BenchmarkCheckout(b *testing.B) {
	for _, e := range []db.Engine{db.SQLite, db.Postgres} {
		b.Run(string(e), func(b *testing.B) {
			c, _ := benchCore(b, e)
			var seq atomic.Int64
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				for pb.Next() {
					id := fmt.Sprint("bench-", seq.Add(1))
					if _, err := c.Reserve(ctx, id, basket(), DefaultTTL); err != nil {
						b.Error(err)
						return
					}
					if err := c.Commit(ctx, id); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checkouts/s")
		})
	}
}

// benchCore returns a Core on a new store of engine e with benchSKUs SKUs, each stocked so that
// no reservation runs short.
func benchCore(b *testing.B, e db.Engine) (*Core, *db.DB) {
	d := dbtest.Open(b, e)
	c, _ := newCore(b, d)
	for i := range benchSKUs {
		stock(b, c, fmt.Sprintf("SKU-%03d", i), "", MaxQuantity)
	}
	return c, d
}

// basket returns three distinct SKUs, picked at random like three items in a basket.
func basket() []Line {
	p := rand.Perm(benchSKUs)[:3]
	return []Line{{SKU: fmt.Sprintf("SKU-%03d", p[0]), Quantity: 1},
		{SKU: fmt.Sprintf("SKU-%03d", p[1]), Quantity: 2}, {SKU: fmt.Sprintf("SKU-%03d", p[2]), Quantity: 1}}
}

// benchRounds is how many service / raw-sql pairs each engine runs.
const benchRounds = 3

func benchReserveRound(b *testing.B, c *Core, d *db.DB, round int, seq *atomic.Int64, lines func() []Line) {
	b.Run(fmt.Sprintf("service/round-%d", round), func(b *testing.B) {
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				id := fmt.Sprint("bench-", seq.Add(1))
				if _, err := c.Reserve(context.Background(), id, lines(), DefaultTTL); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reservations/s")
	})
	b.Run(fmt.Sprintf("raw-sql/round-%d", round), func(b *testing.B) {
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				id := fmt.Sprint("raw-", seq.Add(1))
				if err := rawReserve(d, id, lines()); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reservations/s")
	})
}

// rawReserve is the least a reservation can do: one conditional update per line and a row.
func rawReserve(d *db.DB, id string, lines []Line) error {
	ctx := context.Background()
	return d.InTx(ctx, func(tx *db.Tx) error {
		for _, l := range lines {
			res, err := tx.ExecContext(ctx, `UPDATE inventory_stock SET reserved = reserved + $1, updated_at = $2
				WHERE sku = $3 AND warehouse = 'main' AND on_hand - reserved >= $1`, l.Quantity, 0, l.SKU)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return fmt.Errorf("%s short", l.SKU)
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO inventory_reservations
			(order_id, status, lines, expires_at, created_at, updated_at) VALUES ($1, 'held', '[]', 0, 0, 0)`, id)
		return err
	})
}
