package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/pasarhq/pasar/internal/platform/db"
)

// ConsumerOptions describes a durable consumer.
type ConsumerOptions struct {
	// Name is the durable consumer's name, unique per purpose (e.g. "search-indexer"): the broker
	// tracks its position under this name and the store records the events it processed.
	Name string
	// Types are the event types to receive; wildcards work as in NATS subjects ("product.*",
	// "order.>"). Empty means every event.
	Types []string
	// MaxAttempts is how many deliveries a failing event gets before it is parked; default 5.
	MaxAttempts int
	// Backoff is the delay before delivery attempt+1 after attempt failed; the default doubles
	// from 100ms up to 30s.
	Backoff func(attempt int) time.Duration
	// AckWait is how long the broker waits for an answer before redelivering; the consumer tells
	// it to keep waiting while a handler runs, so this only matters if the process dies. Default 30s.
	AckWait time.Duration
	// Logger receives failures and parked events; nil uses the bus's logger.
	Logger *slog.Logger
	// MaxBatch is how many events SubscribeBatch hands its handler at once, or SubscribeGrouped
	// handles in one transaction, at most; default 64 (the prefetch). Subscribe ignores it.
	MaxBatch int
	// BatchWait is how long SubscribeBatch and SubscribeGrouped wait for more events after the
	// first before they handle what they have; default 5ms. Subscribe ignores it.
	BatchWait time.Duration
	// TxOnly says the handler has no effect outside its transaction (it writes through tx and
	// defers the rest to AfterCommit hooks), so that SubscribeGrouped may run a group without a
	// savepoint per event and, only if a handler fails, roll the group back and run it again
	// with them: a group then costs no savepoint statements. Not for a handler that sends mail
	// or calls out, which the rerun would repeat. Others ignore it.
	TxOnly bool
}

// Handler processes one event inside tx. It returns an error to roll back and have the event
// delivered again later.
type Handler func(ctx context.Context, tx *db.Tx, ev Event) error

// BatchHandler processes events, in stream order, inside one tx: a consumer whose work per event
// has a fixed cost (a write that must reach the disk) pays it once per batch. It returns an error
// to roll back the whole batch; the consumer then handles those events one at a time, each as a
// batch of one, so a failing event is retried and parked alone.
type BatchHandler func(ctx context.Context, tx *db.Tx, evs []Event) error

// prefetch bounds the messages buffered in the client; kept small because handlers run one at a
// time and a buffered message's AckWait is already running.
const prefetch = 64

// processedRetention is how long processed-event ids are kept for deduplication: longer than the
// stream keeps events, so no redelivery can outlive its id.
const processedRetention = streamMaxAge + 24*time.Hour

// Consumer runs a handler for each event a durable consumer receives. Handlers run one at a time
// in stream order; a failing event is retried later without holding up the others.
type Consumer struct {
	bus *Bus
	d   *db.DB
	o   ConsumerOptions
	h   Handler
	bh  BatchHandler // set by SubscribeBatch
	// grouped: handle the events waiting together in one transaction (SubscribeGrouped).
	grouped bool
	// only, when set, holds the subjects wanted out of everything the broker sends: a server
	// before NATS 2.10 cannot filter one consumer on several subjects, so it sends all events.
	only   atomic.Pointer[[]string]
	log    *slog.Logger
	cancel context.CancelFunc
	done   chan struct{}
	stop   sync.Once
}

// Subscribe creates (or updates) the durable consumer o.Name and starts handling its events on
// d, which must have Migrations applied. Each event's handler runs in a transaction on d that
// also records the event as processed, so an event delivered twice takes effect once. A handler
// error rolls back and redelivers the event after o.Backoff; after o.MaxAttempts deliveries the
// event is parked (see Parked). If the broker is unreachable, Subscribe returns a Consumer that
// sets itself up once the broker is back. The consumer runs until Stop or until ctx is done.
func Subscribe(ctx context.Context, b *Bus, d *db.DB, o ConsumerOptions, h Handler) (*Consumer, error) {
	return start(ctx, b, d, o, h, nil, false)
}

// SubscribeGrouped is Subscribe with fewer transactions: the events already waiting when one
// arrives (up to o.MaxBatch, gathered for at most o.BatchWait) are handled, in stream order, in
// one transaction: their ids are claimed in one statement, then h runs for each new one in a
// savepoint of its own (the only new event of a group needs none: the transaction is its
// savepoint). An event whose h fails (or panics) is rolled back to its savepoint alone, writes
// and AfterCommit hooks, its claim is taken back, and it is retried and parked exactly as with
// Subscribe, while the others commit and are acknowledged after the commit. If the transaction
// as a whole fails (the store, the commit), nothing of it committed and its events are handled
// one at a time as Subscribe does. A value that every event of a group reads can be loaded once
// per group with Shared; o.TxOnly saves the savepoints of a handler that allows it.
//
// h is the same as for Subscribe; the difference it may see is that effects outside the store
// (a mail sent) of every event of a group are repeated when the group's commit fails, where
// Subscribe would repeat one event's.
func SubscribeGrouped(ctx context.Context, b *Bus, d *db.DB, o ConsumerOptions, h Handler) (*Consumer, error) {
	return start(ctx, b, d, gathering(o), h, nil, true)
}

// SubscribeBatch is Subscribe for a handler that takes several events at once: the events
// already waiting when one arrives (up to o.MaxBatch, gathered for at most o.BatchWait) are
// claimed, handled and recorded as processed in one transaction, then acknowledged. Duplicates
// are left out of the batch. If the batch fails, its events are handled one at a time with the
// retries and parking of Subscribe.
func SubscribeBatch(ctx context.Context, b *Bus, d *db.DB, o ConsumerOptions, h BatchHandler) (*Consumer, error) {
	if h == nil {
		return nil, fmt.Errorf("events: consumer %s needs a handler", o.Name)
	}
	one := func(ctx context.Context, tx *db.Tx, ev Event) error { return h(ctx, tx, []Event{ev}) }
	return start(ctx, b, d, gathering(o), one, h, false)
}

// gathering sets the defaults of the options that gather waiting events.
func gathering(o ConsumerOptions) ConsumerOptions {
	if o.MaxBatch <= 0 {
		o.MaxBatch = prefetch
	}
	if o.BatchWait <= 0 {
		o.BatchWait = 5 * time.Millisecond
	}
	return o
}

func start(ctx context.Context, b *Bus, d *db.DB, o ConsumerOptions, h Handler, bh BatchHandler, grouped bool) (*Consumer, error) {
	if o.Name == "" {
		return nil, errors.New("events: consumer needs a name")
	}
	if h == nil || d == nil || b == nil {
		return nil, fmt.Errorf("events: consumer %s needs a bus, a store and a handler", o.Name)
	}
	for _, t := range o.Types {
		if t == "" {
			return nil, fmt.Errorf("events: consumer %s: empty event type", o.Name)
		}
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.Backoff == nil {
		o.Backoff = DefaultBackoff
	}
	if o.AckWait <= 0 {
		o.AckWait = 30 * time.Second
	}
	log := o.Logger
	if log == nil {
		log = b.log
	}
	c := &Consumer{bus: b, d: d, o: o, h: h, bh: bh, grouped: grouped, log: log.With("consumer", o.Name), done: make(chan struct{})}
	// Present at 0 from the start, so an alert on their increase has a baseline.
	for _, v := range []*prometheus.CounterVec{b.m.handled, b.m.duplicates, b.m.failed, b.m.parked} {
		v.WithLabelValues(o.Name)
	}
	cons, err := c.setup(ctx)
	if err != nil {
		if b.nc.IsConnected() {
			return nil, err // the broker answered: a real problem such as a bad name or filter
		}
		c.log.Warn("events: NATS not reachable; consumer will start when it is", "err", err)
	}
	// The handler's context outlives ctx so that Stop lets an in-flight handler finish.
	runCtx, cancel := context.WithCancel(ctx)
	c.cancel = cancel
	go c.run(runCtx, context.WithoutCancel(ctx), cons)
	return c, nil
}

// DefaultBackoff waits 100ms after the first failure and doubles each time, up to 30s.
func DefaultBackoff(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	return min(100*time.Millisecond<<min(attempt-1, 20), 30*time.Second)
}

// setup makes sure the stream and the durable consumer exist with the current options.
func (c *Consumer) setup(ctx context.Context) (jetstream.Consumer, error) {
	if err := c.bus.ensureStream(ctx); err != nil {
		return nil, err
	}
	filters := make([]string, 0, len(c.o.Types))
	for _, t := range c.o.Types {
		filters = append(filters, c.bus.subject(t))
	}
	if len(filters) == 0 {
		filters = []string{c.bus.prefix + ".>"}
	}
	cfg := jetstream.ConsumerConfig{
		Durable:   c.o.Name,
		AckPolicy: jetstream.AckExplicitPolicy,
		AckWait:   c.o.AckWait,
		// Unlimited: the consumer parks events itself after MaxAttempts, with a record an operator
		// can see; the broker's own limit would drop them silently.
		MaxDeliver: -1,
	}
	// A single filter uses the older field so that NATS servers before 2.10 work too. Those
	// cannot filter one consumer on several subjects (and, asked to, create it unfiltered), so
	// there the consumer takes every event and drops the unwanted ones itself.
	switch {
	case len(filters) == 1:
		cfg.FilterSubject = filters[0]
	case !multiFilter(c.bus.nc.ConnectedServerVersion()):
		cfg.FilterSubject = c.bus.prefix + ".>"
		c.only.Store(&filters)
	default:
		cfg.FilterSubjects = filters
	}
	cons, err := c.bus.js.CreateOrUpdateConsumer(ctx, c.bus.stream, cfg)
	if err != nil {
		c.bus.forgetStream()
		return nil, fmt.Errorf("events: consumer %s: %w", c.o.Name, err)
	}
	return cons, nil
}

// run pulls and handles messages until ctx is done, setting the consumer up again after errors
// that lose it (e.g. the broker was down when Subscribe ran, or the consumer was deleted).
func (c *Consumer) run(ctx, handlerCtx context.Context, cons jetstream.Consumer) {
	defer close(c.done)
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { c.pruneLoop(ctx) })
	retry := 0
	for ctx.Err() == nil {
		if c.bus.nc.IsClosed() {
			c.log.Warn("events: bus closed before the consumer stopped")
			return
		}
		if cons == nil {
			var err error
			if cons, err = c.setup(ctx); err != nil {
				retry++
				c.log.Debug("events: consumer setup failed", "err", err, "retry", retry)
				sleep(ctx, min(time.Duration(retry)*500*time.Millisecond, 5*time.Second))
				continue
			}
			retry = 0
		}
		it, err := cons.Messages(jetstream.PullMaxMessages(prefetch))
		if err != nil {
			c.log.Warn("events: consumer cannot pull", "err", err)
			cons = nil
			sleep(ctx, time.Second)
			continue
		}
		for {
			msg, err := it.Next(jetstream.NextContext(ctx))
			if ctx.Err() != nil {
				if err == nil {
					_ = msg.Nak()
				}
				c.release(it)
				return
			}
			if err != nil {
				it.Stop()
				c.log.Warn("events: consumer lost its subscription; setting it up again", "err", err)
				cons = nil
				sleep(ctx, time.Second)
				break
			}
			if c.bh == nil && !c.grouped {
				c.handle(handlerCtx, msg)
				continue
			}
			batch := []jetstream.Msg{msg}
			until := time.Now().Add(c.o.BatchWait)
			for len(batch) < c.o.MaxBatch {
				wait := time.Until(until)
				if wait <= 0 {
					break
				}
				// A timeout ends the batch; a closed iterator shows again on the next Next.
				m, err := it.Next(jetstream.NextMaxWait(wait))
				if err != nil {
					break
				}
				batch = append(batch, m)
			}
			if c.grouped {
				c.handleGroup(handlerCtx, batch)
			} else {
				c.handleBatch(handlerCtx, batch)
			}
		}
	}
}

// release hands the messages prefetched but not handled back to the broker for redelivery right
// away; otherwise a restart would delay them by AckWait.
func (c *Consumer) release(it jetstream.MessagesContext) {
	it.Drain()
	for {
		msg, err := it.Next(jetstream.NextMaxWait(time.Second))
		if err != nil {
			return
		}
		_ = msg.Nak()
	}
}

// Stop stops taking new events and waits for the handler that is running, if any.
func (c *Consumer) Stop() {
	c.stop.Do(c.cancel)
	<-c.done
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// multiFilter tells whether a NATS server of version v (e.g. "2.9.10") filters a consumer on
// several subjects, which came with 2.10.
func multiFilter(v string) bool {
	major, rest, _ := strings.Cut(v, ".")
	minor, _, _ := strings.Cut(rest, ".")
	ma, err1 := strconv.Atoi(major)
	mi, err2 := strconv.Atoi(minor)
	if err1 != nil || err2 != nil {
		return true // unknown: ask, and let the server refuse
	}
	return ma > 2 || ma == 2 && mi >= 10
}
