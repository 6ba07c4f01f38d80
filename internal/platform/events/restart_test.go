package events

import (
	"context"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// TestBrokerRestart stops the embedded broker mid-way: events committed while it is down wait in
// the outbox and reach both consumers, once each, after it starts again on the same port and store.
func TestBrokerRestart(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		prepare(t, d)
		addr, dir := freeAddr(t), t.TempDir()
		first := startEmbedded(t, addr, dir)
		b := connectBus(t, first.ClientURL())
		o := NewOutbox(d, b, "order", testLog())
		runOutbox(t, o)
		subscribe(t, b, d, ConsumerOptions{Name: uniq("a")}, counting("a"))
		subscribe(t, b, d, ConsumerOptions{Name: uniq("b")}, counting("b"))
		ctx := context.Background()

		addEvents(t, d, o, "order.placed", 5)
		waitFor(t, 20*time.Second, "5 events per consumer", func() bool {
			a, _ := applied(t, d, "a")
			b, _ := applied(t, d, "b")
			return a == 5 && b == 5
		})
		waitFor(t, 10*time.Second, "an empty outbox", func() bool {
			n, err := o.Pending(ctx)
			return err == nil && n == 0
		})
		if err := b.Check(ctx); err != nil {
			t.Fatalf("check with the broker up: %v", err)
		}

		first.Shutdown()
		waitFor(t, 10*time.Second, "Check to fail", func() bool {
			// Short: a request sent just before the client notices the broker is gone waits for
			// its deadline.
			ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
			defer cancel()
			return b.Check(ctx) != nil
		})
		addEvents(t, d, o, "order.placed", 20)
		time.Sleep(200 * time.Millisecond) // give the relay a chance to try (and fail)
		if n, err := o.Pending(ctx); err != nil || n != 20 {
			t.Fatalf("pending while down = %d, %v; want 20", n, err)
		}

		startEmbedded(t, addr, dir)
		waitFor(t, 30*time.Second, "25 events per consumer", func() bool {
			a, _ := applied(t, d, "a")
			b, _ := applied(t, d, "b")
			return a == 25 && b == 25
		})
		for _, c := range []string{"a", "b"} {
			if events, total := applied(t, d, c); events != 25 || total != 25 {
				t.Errorf("consumer %s applied %d events %d times, want 25 once each", c, events, total)
			}
		}
		waitFor(t, 10*time.Second, "an empty outbox", func() bool {
			n, err := o.Pending(ctx)
			return err == nil && n == 0
		})
		if err := b.Check(ctx); err != nil {
			t.Errorf("check after restart: %v", err)
		}
	})
}

// TestConnectBeforeBroker starts the bus, an outbox and a consumer while no broker listens: they
// catch up once it starts.
func TestConnectBeforeBroker(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, db.SQLite)
	prepare(t, d)
	addr := freeAddr(t)
	b := connectBus(t, "nats://"+addr)
	ctx := context.Background()
	if err := b.Check(ctx); err == nil {
		t.Fatal("check passed with no broker")
	}
	o := NewOutbox(d, b, "cart", testLog())
	runOutbox(t, o)
	subscribe(t, b, d, ConsumerOptions{Name: uniq("late")}, counting("late"))
	addEvents(t, d, o, "cart.updated", 3)

	startEmbedded(t, addr, t.TempDir())
	waitFor(t, 30*time.Second, "3 events", func() bool {
		n, _ := applied(t, d, "late")
		return n == 3
	})
	if err := b.Check(ctx); err != nil {
		t.Errorf("check after the broker started: %v", err)
	}
}
