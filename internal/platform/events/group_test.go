package events

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// calls counts a handler's calls per event id and the events each transaction carried.
type calls struct {
	mu    sync.Mutex
	byID  map[string]int
	byTx  map[*sql.Tx]int
	hooks map[string]int // after-commit hooks run, per event id
}

func newCalls() *calls {
	return &calls{byID: map[string]int{}, byTx: map[*sql.Tx]int{}, hooks: map[string]int{}}
}

// called records a call for ev in tx and returns its number (1 for the first); an after-commit
// hook counts the commits that took it.
func (c *calls) called(tx *db.Tx, ev Event) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byID[ev.ID]++
	c.byTx[tx.Tx]++
	tx.AfterCommit(func() {
		c.mu.Lock()
		c.hooks[ev.ID]++
		c.mu.Unlock()
	})
	return c.byID[ev.ID]
}

// largest returns the most events one transaction carried.
func (c *calls) largest() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, k := range c.byTx {
		n = max(n, k)
	}
	return n
}

func (c *calls) get(id string) (calls, hooks int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byID[id], c.hooks[id]
}

// subscribeGrouped starts a grouped consumer that the test stops when it ends.
func subscribeGrouped(t testing.TB, b *Bus, d *db.DB, o ConsumerOptions, h Handler) *Consumer {
	t.Helper()
	if o.Logger == nil {
		o.Logger = testLog()
	}
	c, err := SubscribeGrouped(context.Background(), b, d, o, h)
	if err != nil {
		t.Fatalf("subscribe %s: %v", o.Name, err)
	}
	t.Cleanup(c.Stop)
	return c
}

// TestGrouped checks that SubscribeGrouped handles the events waiting together in shared
// transactions, each event once; that an event whose handler fails or panics is rolled back
// alone (its writes and hooks gone), retried and parked like Subscribe's, while the others of
// its group commit and are acknowledged once; and that a duplicate in a group is skipped.
func TestGrouped(t *testing.T) {
	t.Parallel()
	e := startEmbedded(t, "", t.TempDir())
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		prepare(t, d)
		b := connectBus(t, e.ClientURL())
		o := NewOutbox(d, b, "payment", testLog())
		ctx := context.Background()
		// Written before the relay and the consumer start, so they wait in the stream together.
		good := addEvents(t, d, o, "payment.authorized", 10)
		bad := addEvents(t, d, o, "payment.bad", 1)[0]
		good = append(good, addEvents(t, d, o, "payment.authorized", 5)...)
		panicked := addEvents(t, d, o, "payment.panic", 1)[0]
		good = append(good, addEvents(t, d, o, "payment.captured", 10)...)
		runOutbox(t, o)
		waitFor(t, 20*time.Second, "27 events in the stream", func() bool { return streamMsgs(t, b) >= 27 })
		// One more event published twice without a message id, so both copies reach the
		// consumer, and a malformed message.
		twice := Event{ID: "evt-twice", Type: "payment.captured", Version: 1, Time: time.Now(), Data: json.RawMessage(`{}`)}
		data, err := json.Marshal(twice)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := b.js.Publish(ctx, b.subject(twice.Type), data); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := b.js.Publish(ctx, b.subject("payment.junk"), []byte("not json")); err != nil {
			t.Fatal(err)
		}
		good = append(good, twice.ID)

		name := uniq("grouped")
		seen := newCalls()
		subscribeGrouped(t, b, d, ConsumerOptions{
			Name: name, MaxAttempts: 3, BatchWait: 100 * time.Millisecond,
			Backoff: func(int) time.Duration { return 10 * time.Millisecond },
		}, func(ctx context.Context, tx *db.Tx, ev Event) error {
			seen.called(tx, ev)
			if err := apply(ctx, tx, "grouped", ev); err != nil {
				return err
			}
			switch ev.Type {
			case "payment.bad":
				return errors.New("boom: cannot handle")
			case "payment.panic":
				panic("handler bug")
			}
			return nil
		})

		var parked []ParkedEvent
		waitFor(t, 20*time.Second, "every good event applied and 3 parked", func() bool {
			n, _ := applied(t, d, "grouped")
			parked, err = Parked(ctx, d)
			return err == nil && n == len(good) && len(parked) == 3 && value(b.m.parked.WithLabelValues(name)) == 3
		})
		if events, total := applied(t, d, "grouped"); events != len(good) || total != len(good) {
			t.Errorf("applied %d events %d times, want the %d good ones once each (and no write of a failed one)", events, total, len(good))
		}
		for _, id := range good {
			if n, hooks := seen.get(id); n != 1 || hooks != 1 {
				t.Errorf("event %s: handled %d times, %d hooks ran; want 1 and 1", id, n, hooks)
			}
		}
		for _, id := range []string{bad, panicked} {
			if n, hooks := seen.get(id); n != 3 || hooks != 0 {
				t.Errorf("failing event %s: handled %d times, %d hooks ran; want 3 and none", id, n, hooks)
			}
		}
		byID := map[string]ParkedEvent{}
		for _, p := range parked {
			byID[p.EventID] = p
		}
		if p := byID[bad]; p.Attempts != 3 || !strings.Contains(p.LastError, "boom") {
			t.Errorf("parked bad event = %+v", p)
		}
		if p := byID[panicked]; p.Attempts != 3 || !strings.Contains(p.LastError, "handler bug") {
			t.Errorf("parked panicking event = %+v", p)
		}
		if n := seen.largest(); n < 2 {
			t.Errorf("largest group %d, want several events in one transaction", n)
		}
		m := b.m
		if got := []float64{value(m.handled.WithLabelValues(name)), value(m.duplicates.WithLabelValues(name)),
			value(m.failed.WithLabelValues(name)), value(m.parked.WithLabelValues(name))}; got[0] != float64(len(good)) ||
			got[1] != 1 || got[2] != 4 || got[3] != 3 {
			t.Errorf("handled, duplicates, failed, parked = %v; want %d, 1, 4 (2 retries for each of 2 events), 3", got, len(good))
		}
		// Everything was answered: nothing waits for an ack or a redelivery.
		cons, err := b.js.Consumer(ctx, b.stream, name)
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "no delivery left unanswered", func() bool {
			info, err := cons.Info(ctx)
			return err == nil && info.NumAckPending == 0 && info.NumPending == 0
		})
	})
}

// TestGroupedStoreFailure checks that when a group's transaction fails as a whole (here the
// store loses it, as SQLite does after some errors), nothing of it commits and its events are
// handled one at a time instead, each applied once, none counted as failed.
func TestGroupedStoreFailure(t *testing.T) {
	t.Parallel()
	e := startEmbedded(t, "", t.TempDir())
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		prepare(t, d)
		b := connectBus(t, e.ClientURL())
		o := NewOutbox(d, b, "payment", testLog())
		ids := addEvents(t, d, o, "payment.authorized", 3)
		breaker := addEvents(t, d, o, "payment.captured", 1)[0]
		ids = append(ids, addEvents(t, d, o, "payment.authorized", 3)...)
		ids = append(ids, breaker)
		runOutbox(t, o)
		waitFor(t, 20*time.Second, "7 events in the stream", func() bool { return streamMsgs(t, b) >= 7 })

		name := uniq("grpfail")
		seen := newCalls()
		subscribeGrouped(t, b, d, ConsumerOptions{
			Name: name, MaxAttempts: 3, BatchWait: 100 * time.Millisecond,
			Backoff: func(int) time.Duration { return 10 * time.Millisecond },
		}, func(ctx context.Context, tx *db.Tx, ev Event) error {
			n := seen.called(tx, ev)
			if err := apply(ctx, tx, "grpfail", ev); err != nil {
				return err
			}
			if ev.ID == breaker && n == 1 {
				// The transaction ends under the consumer: its next statement fails.
				_, err := tx.Tx.ExecContext(ctx, `ROLLBACK`)
				return err
			}
			return nil
		})

		waitFor(t, 20*time.Second, "7 events applied", func() bool {
			n, _ := applied(t, d, "grpfail")
			return n == len(ids)
		})
		if events, total := applied(t, d, "grpfail"); events != len(ids) || total != len(ids) {
			t.Errorf("applied %d events %d times, want %d once each", events, total, len(ids))
		}
		if n, hooks := seen.get(breaker); n != 2 || hooks != 1 {
			t.Errorf("breaking event handled %d times with %d hooks run, want 2 (the group, then alone) and 1", n, hooks)
		}
		for _, id := range ids[:3] {
			// Before the breaker in its group: rolled back with it, handled again alone.
			if n, hooks := seen.get(id); n != 2 || hooks != 1 {
				t.Errorf("event %s handled %d times with %d hooks run, want 2 and 1", id, n, hooks)
			}
		}
		m := b.m
		if got := []float64{value(m.handled.WithLabelValues(name)), value(m.duplicates.WithLabelValues(name)),
			value(m.failed.WithLabelValues(name)), value(m.parked.WithLabelValues(name))}; got[0] != float64(len(ids)) ||
			got[1] != 0 || got[2] != 0 || got[3] != 0 {
			t.Errorf("handled, duplicates, failed, parked = %v; want %d, 0, 0, 0", got, len(ids))
		}
	})
}
