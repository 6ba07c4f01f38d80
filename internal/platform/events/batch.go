package events

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/pasarhq/pasar/internal/platform/db"
)

// handleBatch processes msgs, in stream order, with the batch handler in one transaction and
// acknowledges them once it has committed. Messages that do not parse go through handle, which
// parks them; if the batch fails, every message goes through handle on its own.
func (c *Consumer) handleBatch(ctx context.Context, msgs []jetstream.Msg) {
	good, evs := c.sift(ctx, msgs)
	if len(good) == 0 {
		return
	}
	if len(good) == 1 {
		c.handle(ctx, good[0])
		return
	}
	// One consumer span per event, each in its own trace, all spanning the batch's transaction.
	spans := make([]trace.Span, 0, len(evs))
	for _, ev := range evs {
		if _, sp := c.startConsume(ctx, ev); sp != nil {
			sp.SetAttributes(attribute.Int("messaging.batch.message_count", len(evs)))
			spans = append(spans, sp)
		}
	}
	stopProgress := c.keepAlive(good...)
	dup, err := c.processBatch(ctx, evs)
	stopProgress()
	for _, sp := range spans {
		endSpan(sp, err)
	}
	if err != nil {
		c.log.Debug("events: batch failed; handling its events one at a time", "events", len(evs), "err", err)
		for _, msg := range good {
			c.handle(ctx, msg)
		}
		return
	}
	m := c.bus.m
	if md, err := good[len(good)-1].Metadata(); err == nil {
		m.delivered(c.o.Name, md)
	}
	for i, msg := range good {
		if dup[i] {
			m.duplicates.WithLabelValues(c.o.Name).Inc()
		} else {
			m.handled.WithLabelValues(c.o.Name).Inc()
		}
		c.ack(msg, evs[i])
	}
}

// sift returns the messages of msgs that the consumer wants and that parse, with their events;
// it acknowledges the unwanted ones and parks the malformed ones (through handle).
func (c *Consumer) sift(ctx context.Context, msgs []jetstream.Msg) ([]jetstream.Msg, []Event) {
	good := make([]jetstream.Msg, 0, len(msgs))
	evs := make([]Event, 0, len(msgs))
	for _, msg := range msgs {
		if !c.wants(msg.Subject()) {
			c.skip(msg)
			continue
		}
		ev, err := decode(msg)
		if err != nil {
			c.handle(ctx, msg)
			continue
		}
		good = append(good, msg)
		evs = append(evs, ev)
	}
	return good, evs
}

// processBatch claims every event id for this consumer, in one statement, and runs the batch
// handler on the events not processed before, all in one transaction. It reports which events
// were duplicates.
func (c *Consumer) processBatch(ctx context.Context, evs []Event) ([]bool, error) {
	dup := make([]bool, len(evs))
	err := c.d.InTx(ctx, func(tx *db.Tx) error {
		claimed, err := c.claimAll(ctx, tx, evs)
		if err != nil {
			return err
		}
		fresh := make([]Event, 0, len(evs))
		for i, ev := range evs {
			dup[i] = !claimed[i]
			if claimed[i] {
				fresh = append(fresh, ev)
			}
		}
		if len(fresh) == 0 {
			return nil
		}
		return c.callBatchHandler(ctx, tx, fresh)
	})
	return dup, err
}

// callBatchHandler turns a handler panic into an error, as callHandler does.
func (c *Consumer) callBatchHandler(ctx context.Context, tx *db.Tx, evs []Event) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panic: %v", p)
		}
	}()
	return c.bh(ctx, tx, evs)
}
