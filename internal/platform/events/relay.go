package events

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Relay tuning. A batch is published asynchronously and its acks awaited together, which is what
// makes the relay fast; polling covers commits made by other processes on the same store and
// any wake-up that was missed.
const (
	relayBatch      = 256
	relayPoll       = time.Second
	relayBackoffMin = 100 * time.Millisecond
	relayBackoffMax = 5 * time.Second
)

// Run relays events to the bus until ctx is done, then returns nil. It publishes soon after each
// commit that added events, and polls in case another process wrote to the same store. While
// the broker is unreachable it backs off and retries; nothing is lost meanwhile. Several
// processes may run relays on one PostgreSQL store: an event they both send is dropped by the
// broker's duplicate window or, later, by the consumers' deduplication.
func (o *Outbox) Run(ctx context.Context) error {
	// A reconnect ends a backoff early, so events go out as soon as the broker is back.
	reconnected := o.bus.nc.StatusChanged(nats.CONNECTED)
	defer o.bus.nc.RemoveStatusListener(reconnected)
	failures := 0
	for {
		err := o.drain(ctx)
		if ctx.Err() != nil {
			return nil
		}
		wait, wake := relayPoll, o.wake
		if err != nil {
			failures++
			wait = min(relayBackoffMin<<min(failures-1, 10), relayBackoffMax)
			wake = nil // retrying sooner than the backoff because of a commit would hammer the broker
			if failures == 1 {
				o.log.Warn("events: relay cannot publish; retrying", "err", err)
			} else {
				o.log.Debug("events: relay still cannot publish", "err", err, "failures", failures)
			}
		} else if failures > 0 {
			o.log.Info("events: relay publishing again", "failures", failures)
			failures = 0
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-wake:
		case <-reconnected:
		case <-t.C:
		}
		t.Stop()
	}
}

// Flush publishes every event pending now and returns the first error; a clean shutdown calls it
// after Run has returned.
func (o *Outbox) Flush(ctx context.Context) error { return o.drain(ctx) }

// drain publishes batches until the outbox is empty or a pass fails.
func (o *Outbox) drain(ctx context.Context) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	defer o.updateGauges(ctx)
	for {
		n, err := o.relayOnce(ctx)
		if err != nil {
			if ctx.Err() == nil {
				o.bus.m.publishErrors.WithLabelValues(o.source).Inc()
			}
			return err
		}
		if n < relayBatch {
			return nil
		}
	}
}

// outboxRow is one unpublished event.
type outboxRow struct {
	seq     int64
	id, typ string
	payload string
}

// relayOnce publishes one batch and deletes the rows the broker acknowledged. It returns how
// many rows it read; a row whose publish failed stays for the next pass.
func (o *Outbox) relayOnce(ctx context.Context) (int, error) {
	batch, err := o.nextBatch(ctx)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	if !o.bus.nc.IsConnected() {
		return 0, fmt.Errorf("events: relay: NATS %s", strings.ToLower(o.bus.nc.Status().String()))
	}
	if err := o.bus.ensureStream(ctx); err != nil {
		return 0, err
	}
	futures := make([]jetstream.PubAckFuture, 0, len(batch))
	var pubErr error
	for _, r := range batch {
		msg := &nats.Msg{Subject: o.bus.subject(r.typ), Data: []byte(r.payload)}
		// The event id as message id lets JetStream drop a second copy within the duplicate window.
		f, err := o.bus.js.PublishMsgAsync(msg, jetstream.WithMsgID(r.id))
		if err != nil {
			pubErr = fmt.Errorf("publish %s: %w", r.id, err)
			break
		}
		futures = append(futures, f)
	}
	acked := make([]int64, 0, len(futures))
	for i, f := range futures {
		select {
		case <-f.Ok():
			acked = append(acked, batch[i].seq)
		case err := <-f.Err():
			if pubErr == nil {
				pubErr = fmt.Errorf("publish %s: %w", batch[i].id, err)
			}
			if errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrNoResponders) {
				o.bus.forgetStream() // the stream may have been deleted; recreate it next pass
			}
		case <-ctx.Done():
			// Unacknowledged rows stay and go out again; the broker drops what it already has.
			return 0, errors.Join(ctx.Err(), o.deleteRows(context.WithoutCancel(ctx), acked))
		}
	}
	if err := o.deleteRows(ctx, acked); err != nil {
		return 0, err
	}
	o.bus.m.published.WithLabelValues(o.source).Add(float64(len(acked)))
	if pubErr != nil {
		return 0, fmt.Errorf("events: relay: %w", pubErr)
	}
	return len(batch), nil
}

func (o *Outbox) nextBatch(ctx context.Context) ([]outboxRow, error) {
	rows, err := o.d.QueryContext(ctx, `SELECT seq, id, type, payload FROM events_outbox
		ORDER BY seq LIMIT `+strconv.Itoa(relayBatch))
	if err != nil {
		return nil, fmt.Errorf("events: read outbox: %w", err)
	}
	defer rows.Close()
	var batch []outboxRow
	for rows.Next() {
		var r outboxRow
		if err := rows.Scan(&r.seq, &r.id, &r.typ, &r.payload); err != nil {
			return nil, fmt.Errorf("events: read outbox: %w", err)
		}
		batch = append(batch, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("events: read outbox: %w", err)
	}
	return batch, nil
}

// deleteRows removes published rows in one statement.
func (o *Outbox) deleteRows(ctx context.Context, seqs []int64) error {
	if len(seqs) == 0 {
		return nil
	}
	var q strings.Builder
	q.WriteString(`DELETE FROM events_outbox WHERE seq IN (`)
	args := make([]any, len(seqs))
	for i, s := range seqs {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString("$" + strconv.Itoa(i+1))
		args[i] = s
	}
	q.WriteByte(')')
	if _, err := o.d.ExecContext(ctx, q.String(), args...); err != nil {
		return fmt.Errorf("events: delete published rows: %w", err)
	}
	return nil
}
