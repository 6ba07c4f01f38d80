package order

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pasarhq/pasar/internal/inventory"
	"github.com/pasarhq/pasar/internal/payment"
	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
	"github.com/pasarhq/pasar/internal/platform/events"
)

func TestCheckoutPaysAndSellsStock(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.stock(t, "TEE-M", 10)
		f.stock(t, "MUG-1", 10)
		f.stock(t, "CAP-1", 10)
		ctx := customer()
		id := f.cart(t, ctx, "TEE-M", 2, "MUG-1", 1, "CAP-1", 3)
		quote, err := f.carts.Quote(ctx, id, cartDestination("US"))
		if err != nil {
			t.Fatal(err)
		}
		o, err := f.Checkout(ctx, "key-1", request(id, payment.CardSucceeds))
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != Paid || !strings.HasPrefix(o.Number, NumberPrefix) || o.Total.Amount != quote.Totals.Total ||
			o.Total.Currency != "USD" || len(o.Lines) != 3 || o.CustomerID == "" {
			t.Fatalf("order %+v, quote total %d", o, quote.Totals.Total)
		}
		if o.Lines[0].LineTotal.Amount != 2*1999 {
			t.Errorf("line 0 total %d", o.Lines[0].LineTotal.Amount)
		}
		var path []Status
		for _, c := range o.History {
			path = append(path, c.To)
		}
		if !slices.Equal(path, []Status{Pending, Placed, Paid}) {
			t.Errorf("history %v", path)
		}
		if avail, onHand := f.available(t, "CAP-1"); avail != 7 || onHand != 7 {
			t.Errorf("CAP-1 available %d on hand %d, want 7 and 7 (sold)", avail, onHand)
		}
		in, err := f.pay.Get(context.Background(), o.PaymentIntentID)
		if err != nil || in.Status != payment.Captured || in.Captured != o.Total.Amount {
			t.Errorf("intent %+v %v", in, err)
		}
		for _, typ := range []string{"order.placed", "order.paid"} {
			if n := count(t, f.d, `SELECT COUNT(*) FROM events_outbox WHERE type = $1`, typ); n != 1 {
				t.Errorf("%s events: %d", typ, n)
			}
		}
		// The event brings what was ordered, for the shopper's mail and merchants' webhooks.
		var raw string
		if err := f.d.QueryRowContext(context.Background(), `SELECT payload FROM events_outbox WHERE type = 'order.placed'`).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var ev events.Event
		var placed OrderEvent
		if err := json.Unmarshal([]byte(raw), &ev); err != nil {
			t.Fatal(err)
		}
		if err := ev.Decode(&placed); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(placed.Lines, o.Lines) || placed.Totals == nil || *placed.Totals != o.Totals ||
			placed.ShippingAddress == nil || *placed.ShippingAddress != o.ShippingAddress || o.ShippingAddress.City == "" {
			t.Errorf("order.placed payload %+v, order %+v", placed, o)
		}
		if _, err := f.carts.Get(ctx, id); err == nil {
			t.Error("cart still there after checkout")
		}
		got, err := f.Get(ctx, o.ID)
		if err != nil || got.Number != o.Number {
			t.Errorf("get: %+v %v", got, err)
		}
		second, err := f.Checkout(ctx, "key-2", request(f.cart(t, ctx, "MUG-1", 1), payment.CardSucceeds))
		if err != nil || second.Number == o.Number {
			t.Errorf("second order %q after %q: %v", second.Number, o.Number, err)
		}
	})
}

func TestDeclinedCardLeavesStock(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.stock(t, "TEE-M", 4)
		ctx := customer()
		id := f.cart(t, ctx, "TEE-M", 3)
		_, err := f.Checkout(ctx, "k", request(id, payment.CardDeclined))
		if !errors.Is(err, payment.ErrDeclined) || apperr.KindOf(err) != apperr.PaymentRequired {
			t.Fatalf("declined: %v", err)
		}
		if avail, onHand := f.available(t, "TEE-M"); avail != 4 || onHand != 4 {
			t.Errorf("available %d on hand %d, want 4 and 4", avail, onHand)
		}
		os, err := f.List(staff(), Filter{Status: Cancelled})
		if err != nil || len(os) != 1 {
			t.Fatalf("cancelled orders %v %v", os, err)
		}
		// The payment recorded the declined intent; the saga cancelled it.
		var status, lastError string
		if err := f.payDB.QueryRowContext(context.Background(), `SELECT status, last_error FROM payment_intents
			WHERE order_id = $1`, os[0].ID).Scan(&status, &lastError); err != nil ||
			status != string(payment.Voided) || lastError != "card_declined" {
			t.Errorf("intent of the declined order: %s %s %v, want voided card_declined", status, lastError, err)
		}
		if _, err := f.carts.Get(ctx, id); err != nil {
			t.Errorf("cart gone after a declined checkout: %v", err)
		}
		// A new key and a good card then succeed.
		if o, err := f.Checkout(ctx, "k2", request(id, payment.CardSucceeds)); err != nil || o.Status != Paid {
			t.Fatalf("retry: %+v %v", o, err)
		}
	})
}

// refusingCapture is the test provider failing every capture, as a provider that went away
// between authorizing and capturing.
type refusingCapture struct{ *payment.TestProvider }

func (refusingCapture) Capture(context.Context, string, int64, string, string) error {
	return errors.New("provider: capture timed out")
}

func TestRefusedCaptureVoidsTheHold(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		log := slog.New(slog.DiscardHandler)
		prov := refusingCapture{payment.NewTestProvider()}
		pay := payment.NewCore(f.payDB, events.NewOutbox(f.payDB, nil, "payment", log),
			payment.Options{Providers: []payment.Provider{prov}, Logger: log})
		c := NewCore(f.d, events.NewOutbox(f.d, nil, "order", log), Options{Carts: f.carts, Inventory: f.inv,
			Payment: pay, Logger: log})
		f.stock(t, "MUG-1", 3)
		ctx := customer()
		if _, err := c.Checkout(ctx, "k", request(f.cart(t, ctx, "MUG-1", 2), payment.CardSucceeds)); apperr.KindOf(err) != apperr.Unavailable {
			t.Fatalf("checkout with a refused capture: %v", err)
		}
		if avail, onHand := f.available(t, "MUG-1"); avail != 3 || onHand != 3 {
			t.Errorf("available %d on hand %d, want 3 and 3", avail, onHand)
		}
		os, err := c.List(staff(), Filter{Status: Cancelled})
		if err != nil || len(os) != 1 {
			t.Fatalf("cancelled orders %v %v", os, err)
		}
		// The intent Pay recorded as authorized was voided, and with it the hold at the provider.
		var status string
		if err := f.payDB.QueryRowContext(context.Background(), `SELECT status FROM payment_intents WHERE order_id = $1`,
			os[0].ID).Scan(&status); err != nil || status != string(payment.Voided) {
			t.Errorf("intent of the failed checkout: %s %v, want voided", status, err)
		}
		if made, live := prov.Holds(); made != 1 || live != 0 {
			t.Errorf("%d authorizations, %d still held; want 1 and 0", made, live)
		}
	})
}

func TestConcurrentCheckoutsSellLastUnitsOnce(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.stock(t, "LAST-5", 5)
		const shoppers = 50
		carts := make([]string, shoppers)
		for i := range carts {
			carts[i] = f.cart(t, context.Background(), "LAST-5", 1)
		}
		var ok, outOfStock atomic.Int64
		var wg sync.WaitGroup
		for i := range shoppers {
			wg.Go(func() {
				_, err := f.Checkout(context.Background(), "race-"+strconv.Itoa(i), request(carts[i], payment.CardSucceeds))
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, inventory.ErrOutOfStock):
					outOfStock.Add(1)
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if ok.Load() != 5 || outOfStock.Load() != 45 {
			t.Fatalf("%d paid, %d out of stock; want 5 and 45", ok.Load(), outOfStock.Load())
		}
		if n := count(t, f.d, `SELECT COUNT(*) FROM orders WHERE status = $1`, Paid); n != 5 {
			t.Errorf("%d paid orders", n)
		}
		if n := count(t, f.d, `SELECT COUNT(*) FROM orders WHERE status = $1`, Cancelled); n != 45 {
			t.Errorf("%d cancelled orders", n)
		}
		if avail, onHand := f.available(t, "LAST-5"); avail != 0 || onHand != 0 {
			t.Errorf("available %d on hand %d", avail, onHand)
		}
		// Dense: failed checkouts keep their numbers too, none is skipped or taken twice.
		rows, err := f.d.QueryContext(context.Background(), `SELECT number FROM orders`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		seen := map[string]bool{}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			seen[n] = true
		}
		for i := range shoppers {
			if n := NumberPrefix + strconv.Itoa(100001+i); !seen[n] {
				t.Errorf("no order numbered %s among %d orders (%d distinct numbers)", n, shoppers, len(seen))
			}
		}
	})
}

func TestCheckoutIdempotency(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.stock(t, "MUG-1", 10)
		ctx := customer()
		r := request(f.cart(t, ctx, "MUG-1", 2), payment.CardSucceeds)
		first, err := f.Checkout(ctx, "same", r)
		if err != nil {
			t.Fatal(err)
		}
		again, err := f.Checkout(ctx, "same", r)
		if err != nil || again.ID != first.ID || again.Status != Paid {
			t.Fatalf("replay: %+v %v", again, err)
		}
		if n := count(t, f.payDB, `SELECT COUNT(*) FROM payment_intents`); n != 1 {
			t.Errorf("%d payment intents, want 1", n)
		}
		if in, _ := f.pay.Get(context.Background(), first.PaymentIntentID); in.Captured != first.Total.Amount {
			t.Errorf("captured %d of %d", in.Captured, first.Total.Amount)
		}
		if avail, _ := f.available(t, "MUG-1"); avail != 8 {
			t.Errorf("available %d, want 8", avail)
		}
		other := r
		other.Email = "someone.else@example.test"
		if _, err := f.Checkout(ctx, "same", other); !errors.Is(err, ErrIdempotencyReuse) || apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("same key, other body: %v", err)
		}
		if _, err := f.Checkout(customer(), "same", r); !errors.Is(err, ErrIdempotencyReuse) {
			t.Errorf("same key and body from another customer: %v", err)
		}
		// A cart that can be quoted gets as far as the order's insert, which the key stops.
		fresh := request(f.cart(t, ctx, "MUG-1", 1), payment.CardSucceeds)
		if _, err := f.Checkout(ctx, "same", fresh); !errors.Is(err, ErrIdempotencyReuse) {
			t.Errorf("same key, another cart: %v", err)
		}
		if n := count(t, f.d, `SELECT COUNT(*) FROM orders`); n != 1 {
			t.Errorf("%d orders, want 1", n)
		}
		if avail, _ := f.available(t, "MUG-1"); avail != 8 {
			t.Errorf("available %d after the refused replays, want 8", avail)
		}
	})
}

func TestAdminActions(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.stock(t, "TEE-M", 10)
		ctx := customer()
		paid := func(key string) Order {
			o, err := f.Checkout(ctx, key, request(f.cart(t, ctx, "TEE-M", 1), payment.CardSucceeds))
			if err != nil {
				t.Fatal(err)
			}
			return o
		}
		a := paid("a")
		if _, err := f.Ship(ctx, a.ID, "TRACK-1"); apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("customer ships: %v", err)
		}
		s, err := f.Ship(staff(), a.ID, "TRACK-1")
		if err != nil || s.Status != Shipped || s.TrackingNumber != "TRACK-1" {
			t.Fatalf("ship: %+v %v", s, err)
		}
		// As stored: the tracking number and one history entry per step, numbered in order.
		if got, err := f.Get(staff(), a.ID); err != nil || got.TrackingNumber != "TRACK-1" || got.PaymentIntentID == "" ||
			len(got.History) != 4 || got.History[3].From != Paid || got.History[3].To != Shipped {
			t.Errorf("shipped order as stored: %+v %v", got, err)
		}
		if _, err := f.Cancel(staff(), a.ID, "too late"); !errors.Is(err, ErrInvalidTransition) {
			t.Errorf("cancel shipped: %v", err)
		}
		r, err := f.Refund(staff(), a.ID, "damaged")
		if err != nil || r.Status != Refunded {
			t.Fatalf("refund: %+v %v", r, err)
		}
		if in, _ := f.pay.Get(context.Background(), a.PaymentIntentID); in.Status != payment.Refunded {
			t.Errorf("intent %s after refund", in.Status)
		}
		b := paid("b")
		c, err := f.Cancel(staff(), b.ID, "customer asked")
		if err != nil || c.Status != Cancelled {
			t.Fatalf("cancel: %+v %v", c, err)
		}
		if in, _ := f.pay.Get(context.Background(), b.PaymentIntentID); in.Status != payment.Refunded {
			t.Errorf("intent %s after cancelling a paid order", in.Status)
		}
		last := c.History[len(c.History)-1]
		if last.From != Paid || last.To != Cancelled || last.Actor == "" || last.Note != "customer asked" {
			t.Errorf("history entry %+v", last)
		}
	})
}
