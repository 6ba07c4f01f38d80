package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"

	"github.com/pasarhq/pasar/internal/platform/db"
)

// Outbox writes a service's events into its own store, in the transaction that makes the change
// they describe, and relays them to the bus. An event therefore exists if and only if its change
// committed, and it survives the broker being down or the process crashing before publishing.
type Outbox struct {
	d      *db.DB
	bus    *Bus
	source string
	log    *slog.Logger

	wake chan struct{} // a commit added events; buffered 1 so wake-ups coalesce

	mu        sync.Mutex // one relay pass at a time (Run and Flush), so rows are not sent twice
	gaugeTime time.Time  // when the pending/lag gauges were last refreshed; guarded by mu
}

// NewOutbox returns the outbox of store d, whose events say they come from source (the service
// name). The store must have Migrations applied.
func NewOutbox(d *db.DB, b *Bus, source string, log *slog.Logger) *Outbox {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if b != nil { // present at 0 from the start, so an alert on their increase has a baseline
		b.m.published.WithLabelValues(source)
		b.m.publishErrors.WithLabelValues(source)
	}
	return &Outbox{
		d: d, bus: b, source: source,
		log:  log.With("component", "outbox", "source", source),
		wake: make(chan struct{}, 1),
	}
}

// Add records an event of type typ (schema version) with payload data (marshalled to JSON) in
// tx. It is published after tx commits and never if tx rolls back. The event carries the trace
// context of ctx.
func (o *Outbox) Add(ctx context.Context, tx *db.Tx, typ string, version int, data any) (Event, error) {
	evs, err := o.AddAll(ctx, tx, Draft{Type: typ, Version: version, Data: data})
	if err != nil {
		return Event{}, err
	}
	return evs[0], nil
}

// Draft is an event for AddAll to record: its type, schema version and payload.
type Draft struct {
	Type    string
	Version int
	Data    any
}

// AddAll records events as Add does, in the order given and with one statement, which on
// PostgreSQL is one round trip however many there are.
func (o *Outbox) AddAll(ctx context.Context, tx *db.Tx, drafts ...Draft) ([]Event, error) {
	evs, rows, err := o.rows(ctx, drafts)
	if err != nil || len(drafts) == 0 {
		return evs, err
	}
	if err := db.InsertRows(ctx, tx, insertOutbox, rows); err != nil {
		return nil, fmt.Errorf("events: add %s: %w", drafts[0].Type, err)
	}
	tx.AfterCommit(o.notify)
	return evs, nil
}

const insertOutbox = `INSERT INTO events_outbox (id, type, payload, created_at)`

// Within returns a WITH item (named events_out) that inserts the events of drafts, for a
// PostgreSQL statement that writes a change together with its events: one statement is one round
// trip and needs no transaction to be atomic. Its placeholders are numbered on after args, which
// it returns extended. With cond (an SQL condition, e.g. over the statement's other WITH items)
// the events are inserted only when it holds. Call Written once the statement has committed.
func (o *Outbox) Within(ctx context.Context, args []any, cond string, drafts ...Draft) (string, []any, []Event, error) {
	evs, rows, err := o.rows(ctx, drafts)
	if err != nil {
		return "", nil, nil, err
	}
	values, args := db.TypedValues(rows, args, "text", "text", "text", "bigint")
	item := `events_out AS (` + insertOutbox + ` SELECT v.id, v.type, v.payload, v.at FROM (` + values + `) AS v(id, type, payload, at)`
	if cond != "" {
		item += ` WHERE ` + cond
	}
	return item + `)`, args, evs, nil
}

// rows builds the events of drafts and their outbox rows.
func (o *Outbox) rows(ctx context.Context, drafts []Draft) ([]Event, [][]any, error) {
	evs := make([]Event, len(drafts))
	rows := make([][]any, len(drafts))
	for i, d := range drafts {
		ev, payload, err := o.event(ctx, d)
		if err != nil {
			return nil, nil, err
		}
		evs[i], rows[i] = ev, []any{ev.ID, ev.Type, payload, ev.Time.UnixMilli()}
	}
	return evs, rows, nil
}

// Written wakes the relay for events inserted by a statement carrying Within's item, once that
// statement has committed.
func (o *Outbox) Written() { o.notify() }

// event builds the event of d and its JSON as stored in the outbox.
func (o *Outbox) event(ctx context.Context, d Draft) (Event, string, error) {
	if err := checkType(d.Type); err != nil {
		return Event{}, "", err
	}
	if d.Version < 1 {
		return Event{}, "", fmt.Errorf("events: %s: version must be at least 1", d.Type)
	}
	raw, err := json.Marshal(d.Data)
	if err != nil {
		return Event{}, "", fmt.Errorf("events: marshal %s: %w", d.Type, err)
	}
	// Version 7 ids sort by creation time, which keeps indexes on them compact.
	id, err := uuid.NewV7()
	if err != nil {
		return Event{}, "", fmt.Errorf("events: event id: %w", err)
	}
	pctx, span := startPublish(ctx, d.Type, o.source)
	ev := Event{
		ID: id.String(), Type: d.Type, Version: d.Version, Time: time.Now().UTC(),
		Source: o.source, TraceParent: traceParent(pctx), Data: raw,
	}
	if span != nil {
		span.SetAttributes(attribute.String("messaging.message.id", ev.ID))
		span.End()
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return Event{}, "", fmt.Errorf("events: marshal %s: %w", d.Type, err)
	}
	return ev, string(payload), nil
}

// notify wakes the relay without blocking the committing goroutine.
func (o *Outbox) notify() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Pending counts the events not yet published.
func (o *Outbox) Pending(ctx context.Context) (int, error) {
	n, _, err := o.backlog(ctx)
	return n, err
}

// backlog returns how many events wait and when the oldest was written.
func (o *Outbox) backlog(ctx context.Context) (int, time.Time, error) {
	var n int
	var oldest int64
	err := o.d.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MIN(created_at), 0) FROM events_outbox`).
		Scan(&n, &oldest)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("events: outbox backlog: %w", err)
	}
	if n == 0 {
		return 0, time.Time{}, nil
	}
	return n, time.UnixMilli(oldest), nil
}

// updateGauges refreshes the pending and lag gauges at most once a second, so a busy relay does
// not add a counting query to every pass. Callers hold o.mu.
func (o *Outbox) updateGauges(ctx context.Context) {
	if time.Since(o.gaugeTime) < time.Second {
		return
	}
	n, oldest, err := o.backlog(ctx)
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			o.log.Warn("events: outbox backlog", "err", err)
		}
		return
	}
	o.gaugeTime = time.Now()
	lag := 0.0
	if n > 0 {
		lag = time.Since(oldest).Seconds()
	}
	o.bus.m.pending.WithLabelValues(o.source).Set(float64(n))
	o.bus.m.lag.WithLabelValues(o.source).Set(lag)
}
