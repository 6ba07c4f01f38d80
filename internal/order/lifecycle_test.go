package order

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"

	"github.com/pasarhq/pasar/internal/payment"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
	"github.com/pasarhq/pasar/internal/platform/events"
)

// path returns the statuses an order's history went through.
func path(o Order) []Status {
	var out []Status
	for _, c := range o.History {
		out = append(out, c.To)
	}
	return out
}

func TestCancelAfterSaleRestocks(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.stock(t, "TEE-M", 10)
		ctx := customer()
		o, err := f.Checkout(ctx, "k", request(f.cart(t, ctx, "TEE-M", 3), payment.CardSucceeds))
		if err != nil {
			t.Fatal(err)
		}
		if avail, onHand := f.available(t, "TEE-M"); avail != 7 || onHand != 7 {
			t.Fatalf("after sale: available %d on hand %d", avail, onHand)
		}
		c, err := f.Cancel(staff(), o.ID, "changed mind")
		if err != nil || c.Status != Cancelled {
			t.Fatalf("cancel: %+v %v", c, err)
		}
		if avail, onHand := f.available(t, "TEE-M"); avail != 10 || onHand != 10 {
			t.Errorf("after cancel: available %d on hand %d, want 10 and 10", avail, onHand)
		}
		if _, err := f.Cancel(staff(), o.ID, "again"); !errors.Is(err, ErrInvalidTransition) {
			t.Errorf("second cancel: %v", err)
		}
		if avail, _ := f.available(t, "TEE-M"); avail != 10 {
			t.Errorf("after second cancel: available %d", avail)
		}
	})
}

func TestDeliver(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.stock(t, "MUG-1", 10)
		ctx := customer()
		o, err := f.Checkout(ctx, "k", request(f.cart(t, ctx, "MUG-1", 1), payment.CardSucceeds))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Deliver(staff(), o.ID, ""); !errors.Is(err, ErrInvalidTransition) {
			t.Errorf("deliver before shipping: %v", err)
		}
		if _, err := f.Ship(staff(), o.ID, "TRK"); err != nil {
			t.Fatal(err)
		}
		rec := f.do(t, staff(), "POST", "/api/v1/admin/orders/"+o.ID+"/deliver", "", map[string]string{"reason": "signed by Ann"})
		if rec.Code != 200 {
			t.Fatalf("deliver: %d %s", rec.Code, rec.Body)
		}
		got := decode[Order](t, rec)
		if got.Status != Delivered || !slices.Equal(path(got), []Status{Pending, Placed, Paid, Shipped, Delivered}) {
			t.Fatalf("delivered order %s, history %v", got.Status, path(got))
		}
		last := got.History[len(got.History)-1]
		if last.Note != "signed by Ann" || last.Actor == "" || last.At.IsZero() {
			t.Errorf("history entry %+v", last)
		}
		if rec := f.do(t, customer(), "POST", "/api/v1/admin/orders/"+o.ID+"/deliver", "", nil); rec.Code != 403 {
			t.Errorf("customer delivers: %d", rec.Code)
		}
		if n := count(t, f.d, `SELECT COUNT(*) FROM events_outbox WHERE type = 'order.delivered'`); n != 1 {
			t.Errorf("order.delivered events: %d", n)
		}
	})
}

func TestCaptureAtShipment(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		log := slog.New(slog.DiscardHandler)
		c := NewCore(f.d, events.NewOutbox(f.d, nil, "order", log), Options{Carts: f.carts, Inventory: f.inv,
			Payment: f.pay, Capture: CaptureShipment, Logger: log})
		f.stock(t, "CAP-1", 10)
		ctx := customer()
		o, err := c.Checkout(ctx, "ship-1", request(f.cart(t, ctx, "CAP-1", 2), payment.CardSucceeds))
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != Placed || !slices.Equal(path(o), []Status{Pending, Placed}) {
			t.Fatalf("checkout: %s %v", o.Status, path(o))
		}
		if in, _ := f.pay.Get(context.Background(), o.PaymentIntentID); in.Status != payment.Authorized || in.Captured != 0 {
			t.Fatalf("intent after checkout: %s captured %d", in.Status, in.Captured)
		}
		if avail, onHand := f.available(t, "CAP-1"); avail != 8 || onHand != 8 {
			t.Errorf("stock after checkout: available %d on hand %d (sold at checkout)", avail, onHand)
		}
		s, err := c.Ship(staff(), o.ID, "TRK-9")
		if err != nil || s.Status != Shipped || !slices.Equal(path(s), []Status{Pending, Placed, Paid, Shipped}) {
			t.Fatalf("ship: %+v %v", s, err)
		}
		if in, _ := f.pay.Get(context.Background(), o.PaymentIntentID); in.Status != payment.Captured || in.Captured != o.Total.Amount {
			t.Errorf("intent after shipping: %s captured %d of %d", in.Status, in.Captured, o.Total.Amount)
		}

		// Cancelling a placed order voids the authorization and returns the stock.
		o2, err := c.Checkout(ctx, "ship-2", request(f.cart(t, ctx, "CAP-1", 1), payment.CardSucceeds))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Cancel(staff(), o2.ID, "out of business"); err != nil {
			t.Fatal(err)
		}
		if in, _ := f.pay.Get(context.Background(), o2.PaymentIntentID); in.Status != payment.Voided {
			t.Errorf("intent after cancel: %s", in.Status)
		}
		if avail, _ := f.available(t, "CAP-1"); avail != 8 {
			t.Errorf("available after cancel %d, want 8", avail)
		}
	})
}

// TestRacingChangesMoveOnce: staff marking the same order delivered at once each read it
// shipped, so only the status check in the store's update can tell them apart: exactly one
// moves it and records history, the rest get ErrInvalidTransition.
func TestRacingChangesMoveOnce(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.stock(t, "TEE-M", 10)
		ctx := customer()
		o, err := f.Checkout(ctx, "k", request(f.cart(t, ctx, "TEE-M", 1), payment.CardSucceeds))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Ship(staff(), o.ID, "TRK-1"); err != nil {
			t.Fatal(err)
		}
		const n = 8
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				_, err := f.Deliver(staff(), o.ID, "")
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		ok := 0
		for err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, ErrInvalidTransition):
				t.Errorf("deliver: %v", err)
			}
		}
		if ok != 1 {
			t.Errorf("%d of %d racing delivers succeeded, want 1", ok, n)
		}
		got, err := f.Get(staff(), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := []Status{Pending, Placed, Paid, Shipped, Delivered}; !slices.Equal(path(got), want) {
			t.Errorf("history %v, want %v", path(got), want)
		}
	})
}
