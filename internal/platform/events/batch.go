package events

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/pasarhq/pasar/internal/platform/db"
)

// handleBatch processes msgs, in stream order, with the batch handler in one transaction and
// acknowledges them once it has committed. Messages that do not parse go through handle, which
// parks them; if the batch fails, every message goes through handle on its own.
func (c *Consumer) handleBatch(ctx context.Context, msgs []jetstream.Msg) {
	good := make([]jetstream.Msg, 0, len(msgs))
	evs := make([]Event, 0, len(msgs))
	for _, msg := range msgs {
		if !c.wants(msg.Subject()) {
			c.skip(msg)
			continue
		}
		var ev Event
		if err := json.Unmarshal(msg.Data(), &ev); err != nil || ev.ID == "" || ev.Type == "" {
			c.handle(ctx, msg)
			continue
		}
		good = append(good, msg)
		evs = append(evs, ev)
	}
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

// processBatch claims every event id for this consumer and runs the batch handler on the events
// not processed before, all in one transaction. It reports which events were duplicates.
func (c *Consumer) processBatch(ctx context.Context, evs []Event) ([]bool, error) {
	dup := make([]bool, len(evs))
	err := c.d.InTx(ctx, func(tx *db.Tx) error {
		fresh := make([]Event, 0, len(evs))
		for i, ev := range evs {
			res, err := tx.ExecContext(ctx, `INSERT INTO events_processed (consumer, event_id, processed_at)
				VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, c.o.Name, ev.ID, time.Now().UnixMilli())
			if err != nil {
				return fmt.Errorf("claim event: %w", err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("claim event: %w", err)
			}
			dup[i] = n == 0
			if !dup[i] {
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
