package events

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// testEvent returns an event with id and typ and an empty payload.
func testEvent(id, typ string) Event {
	return Event{ID: id, Type: typ, Version: 1, Time: time.Now(), Data: json.RawMessage(`{}`)}
}

// runGroups returns a consumer named name with handler h (and, if txOnly, TxOnly set) and a
// function that runs a group of events on it as handleGroup does, failing the test if its
// transaction fails as a whole.
func runGroups(t *testing.T, d *db.DB, name string, txOnly bool, h Handler) (*Consumer, func(evs ...Event) []outcome) {
	c := &Consumer{d: d, o: ConsumerOptions{Name: name, TxOnly: txOnly}, h: h, log: testLog()}
	return c, func(evs ...Event) []outcome {
		t.Helper()
		ctx := context.Background()
		ctxs := make([]context.Context, len(evs))
		for i := range ctxs {
			ctxs[i] = ctx
		}
		out, err := c.processGroup(ctx, ctxs, evs)
		if err != nil {
			t.Fatalf("group: %v", err)
		}
		return out
	}
}

// TestProcessGroup checks a group's claims, made in one statement: an event processed before
// and the second copy of an event in the group are duplicates; a failing event (here after a
// failed statement, which aborts a PostgreSQL transaction) is rolled back alone, and its claim
// with it, so it is handled when it comes again; the others commit once each. Shared loads once
// per transaction. The only new event of a group runs without a savepoint. With TxOnly the same
// holds, a group with a failing event having run twice (without savepoints, then with them).
func TestProcessGroup(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		prepare(t, d)
		for _, tc := range []struct {
			name   string
			txOnly bool
			runs   int // transactions the group with a failing event takes
		}{{"savepoints", false, 1}, {"txonly", true, 2}} {
			t.Run(tc.name, func(t *testing.T) {
				name := uniq("run")
				seen := newCalls()
				var mu sync.Mutex
				fail := map[string]bool{"bad": true}
				loads := 0
				h := func(ctx context.Context, tx *db.Tx, ev Event) error {
					seen.called(tx, ev)
					if _, err := Shared(ctx, "config", func() (int, error) { loads++; return loads, nil }); err != nil {
						return err
					}
					if err := apply(ctx, tx, name, ev); err != nil {
						return err
					}
					mu.Lock()
					defer mu.Unlock()
					if fail[ev.ID] {
						_, err := tx.ExecContext(ctx, `SELECT * FROM no_such_table`)
						return errors.Join(errors.New("boom"), err)
					}
					return nil
				}
				c, group := runGroups(t, d, name, tc.txOnly, h)
				if dup, _, err := c.process(context.Background(), testEvent("before", "t")); dup || err != nil {
					t.Fatalf("process alone: duplicate %v, %v", dup, err)
				}
				loads = 0

				out := group(testEvent("a", "t"), testEvent("before", "t"), testEvent("bad", "t"), testEvent("a", "t"), testEvent("c", "t"))
				for i, want := range []outcome{{}, {duplicate: true}, {err: errors.New("boom")}, {duplicate: true}, {}} {
					if out[i].duplicate != want.duplicate || (out[i].err != nil) != (want.err != nil) {
						t.Errorf("event %d: %+v, want %+v", i, out[i], want)
					}
				}
				if events, total := applied(t, d, name); events != 3 || total != 3 {
					t.Errorf("applied %d events %d times, want 3 once each (before, a, c)", events, total)
				}
				// Without savepoints the first run ends at the failing event: c comes after it.
				for id, runs := range map[string]int{"a": tc.runs, "c": 1} {
					if n, hooks := seen.get(id); n != runs || hooks != 1 {
						t.Errorf("event %s: handled %d times with %d hooks run, want %d and 1", id, n, hooks, runs)
					}
				}
				if n, hooks := seen.get("bad"); n != tc.runs || hooks != 0 {
					t.Errorf("failing event: handled %d times with %d hooks run, want %d and 0", n, hooks, tc.runs)
				}
				if loads != tc.runs {
					t.Errorf("Shared loaded %d times, want once per transaction (%d)", loads, tc.runs)
				}

				// The only new event of a group runs without a savepoint, even without TxOnly: its
				// failure rolls the transaction back, which takes back nothing else, and is not
				// run again.
				mu.Lock()
				fail["lone"] = true
				mu.Unlock()
				out = group(testEvent("a", "t"), testEvent("lone", "t"), testEvent("c", "t"))
				if !out[0].duplicate || out[1].duplicate || out[1].err == nil || !out[2].duplicate {
					t.Errorf("group with one new event, failing: %+v", out)
				}
				if n, hooks := seen.get("lone"); n != 1 || hooks != 0 {
					t.Errorf("lone failing event: handled %d times with %d hooks run, want 1 and 0", n, hooks)
				}
				if events, total := applied(t, d, name); events != 3 || total != 3 {
					t.Errorf("applied %d events %d times, want still 3 once each", events, total)
				}

				// Redelivered: the failed events are new, the others are duplicates; a group that
				// fails nothing runs once.
				mu.Lock()
				fail["bad"], fail["lone"] = false, false
				mu.Unlock()
				out = group(testEvent("bad", "t"), testEvent("a", "t"), testEvent("lone", "t"), testEvent("c", "t"))
				if out[0].duplicate || out[0].err != nil || !out[1].duplicate || out[2].duplicate || out[2].err != nil || !out[3].duplicate {
					t.Errorf("redelivered group: %+v", out)
				}
				if n, hooks := seen.get("bad"); n != tc.runs+1 || hooks != 1 {
					t.Errorf("failed event redelivered: handled %d times with %d hooks run, want %d and 1", n, hooks, tc.runs+1)
				}
				if events, total := applied(t, d, name); events != 5 || total != 5 {
					t.Errorf("applied %d events %d times, want 5 once each", events, total)
				}
			})
		}
	})
}

// TestGroupClaimWaits checks that a group's claims wait for a transaction that claimed one of
// its events and has not committed (a copy delivered twice, handled elsewhere): once that one
// commits, the event is a duplicate in the group and its handler does not run again.
func TestGroupClaimWaits(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		prepare(t, d)
		name := uniq("wait")
		seen := newCalls()
		c, group := runGroups(t, d, name, false, func(ctx context.Context, tx *db.Tx, ev Event) error {
			seen.called(tx, ev)
			return apply(ctx, tx, name, ev)
		})
		claimed, release := make(chan struct{}), make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- d.InTx(context.Background(), func(tx *db.Tx) error {
				if _, err := c.claimAndHandle(context.Background(), tx, testEvent("x", "t")); err != nil {
					return err
				}
				close(claimed)
				<-release
				return nil
			})
		}()
		<-claimed
		time.AfterFunc(100*time.Millisecond, func() { close(release) })
		out := group(testEvent("x", "t"), testEvent("y", "t"))
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if !out[0].duplicate || out[1].duplicate {
			t.Errorf("outcomes %+v, want x a duplicate and y new", out)
		}
		if events, total := applied(t, d, name); events != 2 || total != 2 {
			t.Errorf("applied %d events %d times, want 2 once each", events, total)
		}
	})
}

// TestGroupedTxOnly runs a TxOnly consumer on events waiting together, one of which fails the
// first two times its handler runs: the others commit once each (their group run again with
// savepoints), and the failing one is retried alone, a group of one, until it succeeds, with its
// hooks run once.
func TestGroupedTxOnly(t *testing.T) {
	t.Parallel()
	e := startEmbedded(t, "", t.TempDir())
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		prepare(t, d)
		b := connectBus(t, e.ClientURL())
		o := NewOutbox(d, b, "payment", testLog())
		ids := addEvents(t, d, o, "payment.authorized", 4)
		flaky := addEvents(t, d, o, "payment.captured", 1)[0]
		ids = append(ids, addEvents(t, d, o, "payment.authorized", 4)...)
		runOutbox(t, o)
		waitFor(t, 20*time.Second, "9 events in the stream", func() bool { return streamMsgs(t, b) >= 9 })

		name := uniq("txonly")
		seen := newCalls()
		var mu sync.Mutex
		failures := 0
		subscribeGrouped(t, b, d, ConsumerOptions{
			Name: name, MaxAttempts: 5, BatchWait: 100 * time.Millisecond, TxOnly: true,
			Backoff: func(int) time.Duration { return 10 * time.Millisecond },
		}, func(ctx context.Context, tx *db.Tx, ev Event) error {
			seen.called(tx, ev)
			if err := apply(ctx, tx, name, ev); err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			if ev.ID == flaky && failures < 2 {
				failures++
				return errors.New("not yet")
			}
			return nil
		})

		all := append(ids, flaky)
		waitFor(t, 20*time.Second, "every event applied and acknowledged", func() bool {
			n, _ := applied(t, d, name)
			return n == len(all) && value(b.m.handled.WithLabelValues(name)) == float64(len(all))
		})
		if events, total := applied(t, d, name); events != len(all) || total != len(all) {
			t.Errorf("applied %d events %d times, want %d once each", events, total, len(all))
		}
		for _, id := range all {
			if _, hooks := seen.get(id); hooks != 1 {
				t.Errorf("event %s: %d hooks ran, want 1", id, hooks)
			}
		}
		if n, _ := seen.get(flaky); n < 3 {
			t.Errorf("flaky event handled %d times, want at least 3 (2 failures, then success)", n)
		}
		m := b.m
		if got := []float64{value(m.handled.WithLabelValues(name)), value(m.failed.WithLabelValues(name)),
			value(m.parked.WithLabelValues(name))}; got[0] != float64(len(all)) || got[1] < 1 || got[1] > 2 || got[2] != 0 {
			// One failed delivery if both failures were in the group's two runs, two if the
			// group formed differently.
			t.Errorf("handled, failed, parked = %v; want %d, 1 or 2, 0", got, len(all))
		}
	})
}
