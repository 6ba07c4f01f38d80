package events

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// TestBatch checks that SubscribeBatch hands over several events at once, applies each exactly
// once, and that a failing event in a batch is retried and parked alone while the rest of its
// batch is applied.
func TestBatch(t *testing.T) {
	t.Parallel()
	e := startEmbedded(t, "", t.TempDir())
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		prepare(t, d)
		b := connectBus(t, e.ClientURL())
		o := NewOutbox(d, b, "payment", testLog())
		ctx := context.Background()
		// Written before the relay and the consumer start, so they wait in the stream together.
		good := addEvents(t, d, o, "payment.authorized", 20)
		bad := addEvents(t, d, o, "payment.bad", 1)[0]
		good = append(good, addEvents(t, d, o, "payment.captured", 20)...)
		runOutbox(t, o)
		waitFor(t, 20*time.Second, "41 events in the stream", func() bool { return streamMsgs(t, b) >= 41 })

		name := uniq("batch")
		var biggest, badCalls atomic.Int32
		c, err := SubscribeBatch(ctx, b, d, ConsumerOptions{
			Name: name, MaxAttempts: 3, Logger: testLog(), BatchWait: 50 * time.Millisecond,
			Backoff: func(int) time.Duration { return 10 * time.Millisecond },
		}, func(ctx context.Context, tx *db.Tx, evs []Event) error {
			if n := int32(len(evs)); n > biggest.Load() {
				biggest.Store(n)
			}
			for _, ev := range evs {
				if ev.Type == "payment.bad" {
					badCalls.Add(1)
					return errors.New("boom")
				}
				if err := apply(ctx, tx, "batch", ev); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Stop)

		waitFor(t, 20*time.Second, "40 applied and 1 parked", func() bool {
			n, _ := applied(t, d, "batch")
			parked, err := Parked(ctx, d)
			return err == nil && n == len(good) && len(parked) == 1 && value(b.m.parked.WithLabelValues(name)) == 1
		})
		if events, total := applied(t, d, "batch"); events != len(good) || total != len(good) {
			t.Errorf("applied %d events %d times, want %d once each", events, total, len(good))
		}
		parked, _ := Parked(ctx, d)
		if p := parked[0]; p.EventID != bad || p.Attempts != 3 {
			t.Errorf("parked %+v, want %s after 3 attempts", p, bad)
		}
		if n := biggest.Load(); n < 2 {
			t.Errorf("largest batch %d, want several events at once", n)
		}
		if n := value(b.m.handled.WithLabelValues(name)); n != float64(len(good)) {
			t.Errorf("handled metric = %v, want %d", n, len(good))
		}
	})
}
