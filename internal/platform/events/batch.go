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
	good, evs := c.several(ctx, msgs)
	if good == nil {
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
		c.oneByOne(ctx, good, "batch", err)
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

// several returns the messages of msgs that the consumer wants and that parse, with their
// events, when there are two or more: it acknowledges the unwanted ones, parks the malformed ones
// and handles a single good one through handle, and then returns nil.
func (c *Consumer) several(ctx context.Context, msgs []jetstream.Msg) ([]jetstream.Msg, []Event) {
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
	if len(good) < 2 {
		if len(good) == 1 {
			c.handle(ctx, good[0])
		}
		return nil, nil
	}
	return good, evs
}

// oneByOne handles msgs one at a time after their shared transaction (of a batch or a group)
// failed with err, nothing of it committed.
func (c *Consumer) oneByOne(ctx context.Context, msgs []jetstream.Msg, what string, err error) {
	c.log.Debug("events: "+what+" failed; handling its events one at a time", "events", len(msgs), "err", err)
	for _, msg := range msgs {
		c.handle(ctx, msg)
	}
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
