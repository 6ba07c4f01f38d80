package events

import (
	"context"
	"errors"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/pasarhq/pasar/internal/platform/db"
)

// handleGroup processes msgs, in stream order, in one transaction, each event in a savepoint of
// its own (see processGroup): a failing event is rolled back alone and answered as handle would
// (retried after the backoff, or parked), while the others are acknowledged once the
// transaction has committed. Messages that do not parse go through handle, which parks them; if
// the transaction itself fails, nothing of it committed and every message goes through handle.
// A group of one also goes through handle: its transaction is its savepoint.
func (c *Consumer) handleGroup(ctx context.Context, msgs []jetstream.Msg) {
	good, evs := c.several(ctx, msgs)
	if good == nil {
		return
	}
	attempts := make([]int, len(good))
	ctxs := make([]context.Context, len(good))
	// One consumer span per event, each in its own trace and parent of the event's statements.
	spans := make([]trace.Span, len(good))
	for i, ev := range evs {
		attempts[i] = c.attempt(good[i])
		ctxs[i], spans[i] = c.startConsume(withTraceParent(ctx, ev.TraceParent), ev)
		if spans[i] != nil {
			spans[i].SetAttributes(attribute.Int("messaging.batch.message_count", len(evs)))
		}
	}
	stopProgress := c.keepAlive(good...)
	out, err := c.processGroup(ctx, ctxs, evs)
	stopProgress()
	if err != nil {
		for _, sp := range spans {
			endSpan(sp, err)
		}
		c.oneByOne(ctx, good, "group", err)
		return
	}
	for i, msg := range good {
		endSpan(spans[i], out[i].err)
		c.answer(ctxs[i], msg, evs[i], attempts[i], out[i].duplicate, out[i].err != nil, out[i].err)
	}
}

// outcome is what became of one event of a group whose transaction committed.
type outcome struct {
	duplicate bool
	err       error // the handler's; its writes were rolled back
}

// errRerun ends a group run without savepoints when one of its handlers failed.
var errRerun = errors.New("a handler failed in a group without savepoints")

// processGroup claims and handles evs in one transaction, with ctxs[i] for evs[i]. Each new
// event's handler runs in a savepoint, unless it is the only new one: then the transaction is its
// savepoint, a failure rolling back nothing else. With ConsumerOptions.TxOnly the group first
// runs without savepoints, and again with them only if a handler failed. The error is about the
// transaction as a whole (a store failure, or the commit): then nothing committed. Otherwise the
// outcomes say what became of each event.
func (c *Consumer) processGroup(ctx context.Context, ctxs []context.Context, evs []Event) ([]outcome, error) {
	out, alone, err := c.runGroup(ctx, ctxs, evs, !c.o.TxOnly)
	if !errors.Is(err, errRerun) {
		return out, err
	}
	if alone {
		return out, nil // the rollback took back the failing event and nothing else
	}
	c.log.Debug("events: a handler failed; running the group again with a savepoint per event", "events", len(evs))
	out, _, err = c.runGroup(ctx, ctxs, evs, true)
	return out, err
}

// runGroup is one run of processGroup; alone reports that one event of evs was new. The group's
// event ids are claimed in one statement first (so a copy of an event being handled elsewhere
// waits for that transaction, as with claim); the claim of an event whose handler fails in its
// savepoint is taken back, so the event counts as unprocessed when it comes again. Without
// savepoints, the first failing handler ends the run with errRerun and its outcome.
func (c *Consumer) runGroup(ctx context.Context, ctxs []context.Context, evs []Event, savepoints bool) (out []outcome, alone bool, err error) {
	out = make([]outcome, len(evs))
	err = c.d.InTx(ctx, func(tx *db.Tx) error {
		clear(out) // InTx may run this again on PostgreSQL
		fresh, err := c.claimAll(ctx, tx, evs)
		if err != nil {
			return err
		}
		alone = count(fresh) == 1
		for i := range evs {
			out[i].duplicate = !fresh[i] // known before a failing handler may end the run
		}
		shared := &sharedValues{}
		for i, ev := range evs {
			if !fresh[i] {
				continue
			}
			hctx := context.WithValue(ctxs[i], sharedKey{}, shared)
			if !savepoints || alone {
				if err := c.callHandler(hctx, tx, ev); err != nil {
					out[i].err = err
					return errRerun
				}
				continue
			}
			err := tx.Savepoint(hctx, func(sp *db.Tx) error {
				if err := c.callHandler(hctx, sp, ev); err != nil {
					return errHandler{err}
				}
				return nil
			})
			var he errHandler
			switch {
			case errors.As(err, &he):
				out[i].err = he.err
				if err := c.unclaim(ctx, tx, ev); err != nil {
					return err
				}
			case err != nil:
				return err
			}
		}
		return nil
	})
	return out, alone, err
}

// count returns how many of bs are true.
func count(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}
