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
// its own (claim, then handler): a failing event is rolled back alone and answered as handle
// would (retried after the backoff, or parked), while the others are acknowledged once the
// transaction has committed. Messages that do not parse go through handle, which parks them; if
// the transaction itself fails, nothing of it committed and every message goes through handle.
func (c *Consumer) handleGroup(ctx context.Context, msgs []jetstream.Msg) {
	good, evs := c.sift(ctx, msgs)
	if len(good) == 0 {
		return
	}
	if len(good) == 1 {
		c.handle(ctx, good[0])
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
		c.log.Debug("events: group failed; handling its events one at a time", "events", len(evs), "err", err)
		for _, msg := range good {
			c.handle(ctx, msg)
		}
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
	err       error // the handler's; its savepoint was rolled back
}

// processGroup claims and handles evs in one transaction, each in a savepoint, with ctxs[i] for
// evs[i]. The error is about the transaction as a whole (a store failure, or the commit): then
// nothing committed. Otherwise the outcomes say what became of each event.
func (c *Consumer) processGroup(ctx context.Context, ctxs []context.Context, evs []Event) ([]outcome, error) {
	out := make([]outcome, len(evs))
	err := c.d.InTx(ctx, func(tx *db.Tx) error {
		clear(out) // InTx may run this again on PostgreSQL
		for i, ev := range evs {
			err := tx.Savepoint(ctxs[i], func(sp *db.Tx) error {
				var err error
				out[i].duplicate, err = c.claimAndHandle(ctxs[i], sp, ev)
				return err
			})
			var he errHandler
			switch {
			case errors.As(err, &he):
				out[i].err = he.err
			case err != nil:
				return err
			}
		}
		return nil
	})
	return out, err
}
