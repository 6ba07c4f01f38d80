package events

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// TestDuplicateDelivery delivers one event twice and checks it takes effect once; it also checks
// that the relay publishing one event twice (as after a crash before deleting the row) leaves a
// single copy in the stream.
func TestDuplicateDelivery(t *testing.T) {
	t.Parallel()
	e := startEmbedded(t, "", t.TempDir())
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		prepare(t, d)
		b := connectBus(t, e.ClientURL())
		name := uniq("dup")
		subscribe(t, b, d, ConsumerOptions{Name: name}, counting("dup"))
		ctx := context.Background()

		// Published without a message id, so the broker keeps both copies and the consumer must
		// deduplicate.
		publish := func(ev Event) {
			data, err := json.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.js.Publish(ctx, b.subject(ev.Type), data); err != nil {
				t.Fatalf("publish: %v", err)
			}
		}
		twice := Event{ID: "evt-twice", Type: "stock.changed", Version: 1, Time: time.Now(), Data: json.RawMessage(`{}`)}
		publish(twice)
		publish(twice)
		publish(Event{ID: "evt-marker", Type: "stock.changed", Version: 1, Time: time.Now(), Data: json.RawMessage(`{}`)})
		// Handlers run in stream order: once the marker is applied, both copies were handled.
		waitFor(t, 20*time.Second, "the marker event", func() bool {
			n, _ := applied(t, d, "dup")
			return n == 2
		})
		if events, total := applied(t, d, "dup"); events != 2 || total != 2 {
			t.Errorf("applied %d events %d times, want 2 once each", events, total)
		}
		if n := value(b.m.duplicates.WithLabelValues(name)); n != 1 {
			t.Errorf("duplicates metric = %v, want 1", n)
		}
		// Caught up: nothing after the marker; its age is the time since it was published.
		if n, age := value(b.m.behind.WithLabelValues(name)), value(b.m.age.WithLabelValues(name)); n != 0 || age <= 0 || age > 60 {
			t.Errorf("consumer pending %v, lag %vs; want 0 and the marker's age", n, age)
		}

		// Two outbox rows with one event id: the broker's duplicate window keeps one.
		o := NewOutbox(d, b, "inventory", testLog())
		var ev Event
		err := d.InTx(ctx, func(tx *db.Tx) error {
			var err error
			ev, err = o.Add(ctx, tx, "stock.changed", 1, map[string]int{"qty": 1})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = d.ExecContext(ctx, `INSERT INTO events_outbox (id, type, payload, created_at)
			SELECT id, type, payload, created_at FROM events_outbox WHERE id = $1`, ev.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := o.Flush(ctx); err != nil {
			t.Fatalf("flush: %v", err)
		}
		if n, err := o.Pending(ctx); err != nil || n != 0 {
			t.Errorf("pending after flush = %d, %v; want 0", n, err)
		}
		if n := streamMsgs(t, b); n != 4 {
			t.Errorf("stream holds %d messages, want 4 (3 raw + 1 deduplicated)", n)
		}
		waitFor(t, 20*time.Second, "the outbox event", func() bool {
			n, _ := applied(t, d, "dup")
			return n == 3
		})
	})
}

// TestPoisonParked checks that an event whose handler always fails (or panics) is parked after
// MaxAttempts deliveries, is listed by Parked, and does not hold up the events after it.
func TestPoisonParked(t *testing.T) {
	t.Parallel()
	e := startEmbedded(t, "", t.TempDir())
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		prepare(t, d)
		b := connectBus(t, e.ClientURL())
		o := NewOutbox(d, b, "payment", testLog())
		runOutbox(t, o)
		name := uniq("poison")
		var badCalls atomic.Int32
		subscribe(t, b, d, ConsumerOptions{
			Name: name, MaxAttempts: 3,
			Backoff: func(int) time.Duration { return 10 * time.Millisecond },
		}, func(ctx context.Context, tx *db.Tx, ev Event) error {
			switch ev.Type {
			case "payment.bad":
				badCalls.Add(1)
				return errors.New("boom: cannot handle")
			case "payment.panic":
				panic("handler bug")
			}
			return apply(ctx, tx, "poison", ev)
		})
		ctx := context.Background()

		bad := addEvents(t, d, o, "payment.bad", 1)[0]
		panicked := addEvents(t, d, o, "payment.panic", 1)[0]
		addEvents(t, d, o, "payment.authorized", 2)
		_, err := b.js.Publish(ctx, b.subject("payment.junk"), []byte("not json"), jetstream.WithMsgID("junk-1"))
		if err != nil {
			t.Fatal(err)
		}

		var parked []ParkedEvent
		// The metric counts a parking just after its row commits, so wait for both.
		waitFor(t, 20*time.Second, "3 parked events", func() bool {
			parked, err = Parked(ctx, d)
			return err == nil && len(parked) == 3 && value(b.m.parked.WithLabelValues(name)) == 3
		})
		byID := map[string]ParkedEvent{}
		for _, p := range parked {
			byID[p.EventID] = p
			if p.Consumer != name {
				t.Errorf("parked consumer = %q, want %q", p.Consumer, name)
			}
		}
		if p := byID[bad]; p.Type != "payment.bad" || p.Attempts != 3 || !strings.Contains(p.LastError, "boom") {
			t.Errorf("parked bad event = %+v", p)
		} else {
			var ev Event
			if err := json.Unmarshal(p.Payload, &ev); err != nil || ev.ID != bad {
				t.Errorf("parked payload = %s (%v), want the event %s", p.Payload, err, bad)
			}
		}
		if p := byID[panicked]; p.Attempts != 3 || !strings.Contains(p.LastError, "handler bug") {
			t.Errorf("parked panicking event = %+v", p)
		}
		if p := byID["junk-1"]; p.Attempts != 1 || !strings.Contains(p.LastError, "malformed") || string(p.Payload) != `"not json"` {
			t.Errorf("parked malformed event = %+v", p)
		}
		if n := badCalls.Load(); n != 3 {
			t.Errorf("failing handler ran %d times, want 3", n)
		}
		if n := value(b.m.parked.WithLabelValues(name)); n != 3 {
			t.Errorf("parked metric = %v, want 3", n)
		}
		if n := value(b.m.failed.WithLabelValues(name)); n != 4 {
			t.Errorf("failed metric = %v, want 4 (2 retries for each of 2 events)", n)
		}

		// Events keep flowing, before and after the parking.
		addEvents(t, d, o, "payment.captured", 1)
		waitFor(t, 20*time.Second, "3 good events", func() bool {
			n, _ := applied(t, d, "poison")
			return n == 3
		})
	})
}

// TestStopWaitsForHandler checks that Stop lets the running handler finish and commit, and hands
// prefetched events back so the next instance of the consumer gets them without waiting AckWait.
func TestStopWaitsForHandler(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, db.SQLite)
	prepare(t, d)
	e := startEmbedded(t, "", t.TempDir())
	b := connectBus(t, e.ClientURL())
	// The events come from another store: on SQLite the running handler holds its store's only
	// writer, so the relay could not delete published rows in the same store until it finishes.
	src := dbtest.Open(t, db.SQLite)
	prepare(t, src)
	o := NewOutbox(src, b, "notification", testLog())
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	name := uniq("slow")
	c := subscribe(t, b, d, ConsumerOptions{Name: name}, func(ctx context.Context, tx *db.Tx, ev Event) error {
		once.Do(func() { close(started); <-release })
		return apply(ctx, tx, "slow", ev)
	})
	addEvents(t, src, o, "mail.requested", 5)
	if err := o.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-started
	stopped := make(chan struct{})
	go func() { c.Stop(); close(stopped) }()
	select {
	case <-stopped:
		t.Fatal("Stop returned while the handler was running")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	<-stopped
	if n, _ := applied(t, d, "slow"); n != 1 {
		t.Errorf("applied %d events, want the in-flight one", n)
	}

	subscribe(t, b, d, ConsumerOptions{Name: name}, counting("slow"))
	waitFor(t, 10*time.Second, "the other 4 events well before AckWait", func() bool {
		n, _ := applied(t, d, "slow")
		return n == 5
	})
	if events, total := applied(t, d, "slow"); events != 5 || total != 5 {
		t.Errorf("applied %d events %d times, want 5 once each", events, total)
	}
}
