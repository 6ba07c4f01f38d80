package order

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/cart"
	"github.com/pasarhq/pasar/internal/inventory"
	"github.com/pasarhq/pasar/internal/payment"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// BenchmarkCheckout measures checkouts per second end to end in process, a cart of three lines
// turned into a paid order ("checkout": validation, quote, order and idempotency key, reserve,
// intent, charge (authorize and capture), placed and paid with both events, commit, cart deleted),
// against the other services' steps alone ("steps": quote, reserve, intent, charge, commit, cart
// deleted, with no order store), the baseline the ratio is against. Carts are made before the
// timer starts; 4 goroutines check out at once. It reports p50 and p99 latency.
//
//	PASAR_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//	  go test -run '^$' -bench Checkout -benchtime 400x ./internal/order
func BenchmarkCheckout(b *testing.B) {
	for _, e := range []db.Engine{db.SQLite, db.Postgres} {
		b.Run(string(e), func(b *testing.B) {
			f := newFixture(b, dbtest.Open(b, e))
			for _, sku := range []string{"TEE-M", "MUG-1", "CAP-1"} {
				f.stock(b, sku, inventory.MaxQuantity)
			}
			for round := 1; round <= 2; round++ {
				b.Run(fmt.Sprintf("steps/round-%d", round), func(b *testing.B) { benchRun(b, f, f.steps) })
				b.Run(fmt.Sprintf("checkout/round-%d", round), func(b *testing.B) {
					benchRun(b, f, func(ctx context.Context, key, cartID string) error {
						_, err := f.Checkout(ctx, key, request(cartID, payment.CardSucceeds))
						return err
					})
				})
			}
		})
	}
}

var benchSeq atomic.Int64

func benchRun(b *testing.B, f *fixture, fn func(ctx context.Context, key, cartID string) error) {
	ctx := context.Background()
	carts := make([]string, b.N)
	for i := range carts {
		carts[i] = f.cart(b, ctx, "TEE-M", 1, "MUG-1", 2, "CAP-1", 1)
	}
	var (
		next atomic.Int64
		mu   sync.Mutex
		lat  = make([]time.Duration, 0, b.N)
	)
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			start := time.Now()
			if err := fn(ctx, fmt.Sprint("bench-", benchSeq.Add(1)), carts[i]); err != nil {
				b.Error(err)
				return
			}
			d := time.Since(start)
			mu.Lock()
			lat = append(lat, d)
			mu.Unlock()
		}
	})
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}

// steps does what checkout asks of the other services, without the order store.
func (f *fixture) steps(ctx context.Context, key, cartID string) error {
	v, err := f.carts.Quote(ctx, cartID, cart.Destination{Country: "US"})
	if err != nil {
		return err
	}
	var lines []inventory.Line
	for _, it := range v.Items {
		lines = append(lines, inventory.Line{SKU: it.SKU, Quantity: it.Quantity})
	}
	slices.SortFunc(lines, func(a, b inventory.Line) int { return strings.Compare(a.SKU, b.SKU) }) // as checkout does
	if _, err := f.inv.Reserve(ctx, key, lines, inventory.DefaultTTL); err != nil {
		return err
	}
	if _, err := f.pay.Pay(ctx, payment.IntentRequest{OrderID: key, Amount: v.Totals.Total, Currency: v.Currency, IdempotencyKey: key},
		payment.Card{Number: payment.CardSucceeds}, true); err != nil {
		return err
	}
	if err := f.inv.Commit(ctx, key); err != nil {
		return err
	}
	return f.carts.Delete(ctx, cartID)
}
