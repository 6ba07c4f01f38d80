package payment

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// BenchmarkPay measures what checkout asks of payments per order with the succeeding test card,
// on each engine, rounds alternating: Pay with capture (one store transaction) against
// CreateIntent then Charge (what checkout did before: two), and a baseline of the bare writes of
// those two (insert the intent; then in one transaction mark it authorized, insert the step and
// the outbox event). 8 goroutines pay at once.
//
//	PASAR_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//	  go test -run '^$' -bench Pay -benchtime 2s ./internal/payment
func BenchmarkPay(b *testing.B) {
	for _, e := range []db.Engine{db.SQLite, db.Postgres} {
		b.Run(string(e), func(b *testing.B) {
			f := newFixture(b, dbtest.Open(b, e))
			var seq atomic.Int64
			card := Card{Number: CardSucceeds}
			for round := 1; round <= 3; round++ {
				b.Run(fmt.Sprintf("create-charge/round-%d", round), func(b *testing.B) {
					b.SetParallelism(4)
					b.RunParallel(func(pb *testing.PB) {
						ctx := context.Background()
						for pb.Next() {
							key := fmt.Sprint("o-", seq.Add(1))
							in, err := f.CreateIntent(ctx, IntentRequest{OrderID: key, Amount: 4999, Currency: "USD", IdempotencyKey: key})
							if err == nil {
								_, err = f.Charge(ctx, in.ID, card)
							}
							if err != nil {
								b.Error(err)
								return
							}
						}
					})
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "payments/s")
				})
				b.Run(fmt.Sprintf("pay/round-%d", round), func(b *testing.B) {
					b.SetParallelism(4)
					b.RunParallel(func(pb *testing.PB) {
						ctx := context.Background()
						for pb.Next() {
							key := fmt.Sprint("o-", seq.Add(1))
							if _, err := f.Pay(ctx, IntentRequest{OrderID: key, Amount: 4999, Currency: "USD", IdempotencyKey: key}, card, true); err != nil {
								b.Error(err)
								return
							}
						}
					})
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "payments/s")
				})
				b.Run(fmt.Sprintf("raw-sql/round-%d", round), func(b *testing.B) {
					b.SetParallelism(4)
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							if err := rawPay(f.d, fmt.Sprint("raw-", seq.Add(1))); err != nil {
								b.Error(err)
								return
							}
						}
					})
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "payments/s")
				})
			}
		})
	}
}

// rawPay is the least paying can write: the intent, then its authorization, step and event.
func rawPay(d *db.DB, order string) error {
	ctx := context.Background()
	id := uuid.NewString()
	if _, err := d.ExecContext(ctx, `INSERT INTO payment_intents (id, order_id, provider, amount, currency, status,
		created_at, updated_at) VALUES ($1, $2, 'test', 4999, 'USD', 'requires_payment', 0, 0)`, id, order); err != nil {
		return err
	}
	return d.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE payment_intents SET status = 'authorized', provider_ref = 'r',
			card_brand = 'visa', card_last4 = '4242', updated_at = 1 WHERE id = $1 AND status = 'requires_payment'`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO payment_steps (id, intent_id, kind, amount, succeeded, code, reason, actor, at)
			VALUES ($1, $2, 'authorize', 4999, 1, '', '', '', 1)`, uuid.NewString(), id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO events_outbox (id, type, payload, created_at) VALUES ($1, 'payment.authorized', '{}', 1)`,
			uuid.NewString())
		return err
	})
}
