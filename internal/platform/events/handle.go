package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/pasarhq/pasar/internal/platform/db"
)

// maxErrorText bounds the error text stored with a parked event.
const maxErrorText = 2000

// handle processes one delivery and answers the broker: ack when done or a duplicate, nak with
// a delay to retry, term once parked.
func (c *Consumer) handle(ctx context.Context, msg jetstream.Msg) {
	if !c.wants(msg.Subject()) {
		c.skip(msg)
		return
	}
	attempt := c.attempt(msg)
	ev, err := decode(msg)
	if err != nil {
		// Retrying cannot fix a malformed message: park it at once.
		c.park(ctx, msg, ev, attempt, err)
		return
	}
	ctx = withTraceParent(ctx, ev.TraceParent)
	ctx, span := c.startConsume(ctx, ev)

	stopProgress := c.keepAlive(msg)
	duplicate, handlerErr, err := c.process(ctx, ev)
	stopProgress()
	endSpan(span, err)
	c.answer(ctx, msg, ev, attempt, duplicate, handlerErr, err)
}

// attempt returns which delivery of msg this is (1 for the first) and records the consumer's
// progress through the stream.
func (c *Consumer) attempt(msg jetstream.Msg) int {
	md, err := msg.Metadata()
	if err != nil {
		return 1
	}
	c.bus.m.delivered(c.o.Name, md)
	return int(md.NumDelivered)
}

// decode parses msg's event. For a malformed one it returns an error and an event with the best
// id there is (the message id, or else the stream sequence) for parking it.
func decode(msg jetstream.Msg) (Event, error) {
	var ev Event
	err := json.Unmarshal(msg.Data(), &ev)
	if err == nil && ev.ID != "" && ev.Type != "" {
		return ev, nil
	}
	if err == nil {
		err = errors.New("missing id or type")
	}
	ev.ID = msg.Headers().Get(jetstream.MsgIDHeader)
	if md, mdErr := msg.Metadata(); ev.ID == "" && mdErr == nil {
		ev.ID = fmt.Sprintf("stream-seq:%d", md.Sequence.Stream)
	}
	return ev, fmt.Errorf("malformed event: %w", err)
}

// answer tells the broker the outcome of processing delivery attempt of ev, whose transaction
// has ended: ack once committed (or a duplicate), park after the last attempt of a failing
// handler, else nak to have it again after the backoff. err is the failure, if any; handlerErr
// says it came from the handler rather than the store.
func (c *Consumer) answer(ctx context.Context, msg jetstream.Msg, ev Event, attempt int, duplicate, handlerErr bool, err error) {
	m := c.bus.m
	switch {
	case err == nil && duplicate:
		m.duplicates.WithLabelValues(c.o.Name).Inc()
		c.ack(msg, ev)
	case err == nil:
		m.handled.WithLabelValues(c.o.Name).Inc()
		c.ack(msg, ev)
	case handlerErr && attempt >= c.o.MaxAttempts:
		c.park(ctx, msg, ev, attempt, err)
	default:
		// Store errors (handlerErr false) are retried too but never park an event: the event is
		// fine, the store is not.
		m.failed.WithLabelValues(c.o.Name).Inc()
		delay := c.o.Backoff(attempt)
		c.log.Warn("events: handler failed; will retry", "event", ev.ID, "type", ev.Type,
			"attempt", attempt, "retry_in", delay, "err", err)
		if err := msg.NakWithDelay(delay); err != nil {
			c.log.Warn("events: nak failed; the broker redelivers after AckWait", "event", ev.ID, "err", err)
		}
	}
}

// errHandler marks errors that came from the handler rather than the store.
type errHandler struct{ err error }

func (e errHandler) Error() string { return e.err.Error() }
func (e errHandler) Unwrap() error { return e.err }

// process runs the handler in a transaction that first claims the event id for this consumer.
// It reports whether the event had been processed already and whether a failure came from the
// handler itself.
func (c *Consumer) process(ctx context.Context, ev Event) (duplicate, handlerErr bool, err error) {
	err = c.d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		duplicate, err = c.claimAndHandle(ctx, tx, ev)
		return err
	})
	var he errHandler
	if errors.As(err, &he) {
		return false, true, he.err
	}
	return duplicate, false, err
}

// claimAndHandle claims ev's id for this consumer in tx and, unless it had been claimed before
// (a duplicate), runs the handler on it. A failure of the handler comes back as errHandler.
func (c *Consumer) claimAndHandle(ctx context.Context, tx *db.Tx, ev Event) (duplicate bool, err error) {
	fresh, err := c.claim(ctx, tx, ev)
	if err != nil {
		return false, err
	}
	if !fresh {
		return true, nil
	}
	if err := c.callHandler(ctx, tx, ev); err != nil {
		return false, errHandler{err}
	}
	return false, nil
}

// claim records in tx that this consumer processed ev, and reports false if it had already.
func (c *Consumer) claim(ctx context.Context, tx *db.Tx, ev Event) (fresh bool, err error) {
	f, err := c.claimAll(ctx, tx, []Event{ev})
	if err != nil {
		return false, err
	}
	return f[0], nil
}

// claimAll claims evs' ids for this consumer in tx in one statement, and reports which of evs
// are fresh: not claimed before, and the first copy of their id in evs.
func (c *Consumer) claimAll(ctx context.Context, tx *db.Tx, evs []Event) (fresh []bool, err error) {
	now := time.Now().UnixMilli()
	rows := make([][]any, 0, len(evs))
	listed := make(map[string]bool, len(evs))
	for _, ev := range evs {
		if !listed[ev.ID] { // each id once; a later copy in evs is a duplicate (below)
			listed[ev.ID] = true
			rows = append(rows, []any{c.o.Name, ev.ID, now})
		}
	}
	values, args := db.Values(rows, nil)
	res, err := tx.QueryContext(ctx, `INSERT INTO events_processed (consumer, event_id, processed_at) `+values+
		` ON CONFLICT DO NOTHING RETURNING event_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("claim events: %w", err)
	}
	defer res.Close()
	claimed := make(map[string]bool, len(evs))
	for res.Next() {
		var id string
		if err := res.Scan(&id); err != nil {
			return nil, fmt.Errorf("claim events: %w", err)
		}
		claimed[id] = true
	}
	if err := res.Err(); err != nil {
		return nil, fmt.Errorf("claim events: %w", err)
	}
	fresh = make([]bool, len(evs))
	for i, ev := range evs {
		fresh[i] = claimed[ev.ID]
		delete(claimed, ev.ID) // a later copy in evs is a duplicate
	}
	return fresh, nil
}

// unclaim takes back in tx this consumer's claim of ev, whose handler failed after claimAll.
func (c *Consumer) unclaim(ctx context.Context, tx *db.Tx, ev Event) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM events_processed WHERE consumer = $1 AND event_id = $2`, c.o.Name, ev.ID); err != nil {
		return fmt.Errorf("unclaim event: %w", err)
	}
	return nil
}

// callHandler turns a handler panic into an error, so one bad event cannot kill the process and
// is parked like any other failure.
func (c *Consumer) callHandler(ctx context.Context, tx *db.Tx, ev Event) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panic: %v", p)
		}
	}()
	return c.h(ctx, tx, ev)
}

// keepAlive tells the broker the message is still being worked on, so a slow handler (or a
// handler waiting for SQLite's writer) does not get the event redelivered meanwhile.
func (c *Consumer) keepAlive(msgs ...jetstream.Msg) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(c.o.AckWait / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				for _, msg := range msgs {
					_ = msg.InProgress()
				}
			}
		}
	}()
	return func() { close(done) }
}

func (c *Consumer) ack(msg jetstream.Msg, ev Event) {
	// A lost ack only causes a redelivery, which the processed-events table turns into a no-op.
	if err := msg.Ack(); err != nil {
		c.log.Warn("events: ack failed", "event", ev.ID, "err", err)
	}
}

// park records ev as given up for this consumer and tells the broker not to deliver it again.
// If the record cannot be written, the event is retried instead, so it is never dropped unseen.
func (c *Consumer) park(ctx context.Context, msg jetstream.Msg, ev Event, attempt int, cause error) {
	text := cause.Error()
	if len(text) > maxErrorText {
		text = text[:maxErrorText]
	}
	payload := msg.Data()
	if !json.Valid(payload) {
		payload, _ = json.Marshal(string(payload)) // keep the column valid JSON for tools
	}
	_, err := c.d.ExecContext(ctx, `INSERT INTO events_parked
		(consumer, event_id, type, payload, last_error, attempts, parked_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (consumer, event_id) DO UPDATE SET type = excluded.type, payload = excluded.payload,
			last_error = excluded.last_error, attempts = excluded.attempts, parked_at = excluded.parked_at`,
		c.o.Name, ev.ID, ev.Type, string(payload), text, attempt, time.Now().UnixMilli())
	if err != nil {
		c.log.Error("events: cannot park event; will retry it", "event", ev.ID, "err", err)
		_ = msg.NakWithDelay(c.o.Backoff(attempt))
		return
	}
	c.bus.m.parked.WithLabelValues(c.o.Name).Inc()
	c.log.Error("events: event parked after failing", "event", ev.ID, "type", ev.Type,
		"attempts", attempt, "err", cause)
	// Plain Term rather than TermWithReason: servers before 2.11 do not understand the reason.
	if err := msg.Term(); err != nil {
		c.log.Warn("events: term failed; the parked event may be delivered again", "event", ev.ID, "err", err)
	}
}

// wants tells whether a message on subject is one of the consumer's types; always, unless the
// broker could not filter for it (see Consumer.only).
func (c *Consumer) wants(subject string) bool {
	only := c.only.Load()
	if only == nil {
		return true
	}
	for _, f := range *only {
		if subjectMatches(f, subject) {
			return true
		}
	}
	return false
}

// skip acknowledges a message the consumer does not want, so the broker does not send it again.
func (c *Consumer) skip(msg jetstream.Msg) {
	if err := msg.Ack(); err != nil {
		c.log.Debug("events: ack of an unwanted event failed; it comes back and is skipped again", "subject", msg.Subject(), "err", err)
	}
}

// subjectMatches matches a NATS subject against a filter with * (one token) and > (the rest).
func subjectMatches(filter, subject string) bool {
	for {
		ft, frest, fmore := strings.Cut(filter, ".")
		st, srest, smore := strings.Cut(subject, ".")
		switch {
		case ft == ">":
			return true
		case ft != "*" && ft != st:
			return false
		case !fmore || !smore:
			return fmore == smore
		}
		filter, subject = frest, srest
	}
}
