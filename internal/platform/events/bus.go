package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
)

// BusOptions says which NATS server to use and how to name things on it.
type BusOptions struct {
	// URL of the NATS server(s), comma-separated for a cluster: the embedded server's ClientURL or
	// an external cluster's.
	URL string
	// Stream is the JetStream stream that holds every event; default "PASAR".
	Stream string
	// SubjectPrefix starts every subject; an event of type T is published on prefix+"."+T.
	// Default "pasar".
	SubjectPrefix string
	// Replicas of the stream; 1 for the embedded server, 3 is usual for a cluster. Default 1.
	Replicas int
	// Name identifies this client in the server's monitoring, e.g. "pasar-catalog".
	Name string
	// Logger receives connection changes; nil discards them.
	Logger *slog.Logger
	// Registerer, when set, receives the bus's metrics.
	Registerer prometheus.Registerer
	// TracerProvider, when set, traces the handling of each event under the trace that
	// published it; nil leaves consumers untraced.
	TracerProvider trace.TracerProvider
}

// Stream limits. The duplicate window lets JetStream drop an event the relay publishes again
// because it crashed between the broker's ack and deleting the outbox row; consumers dedupe
// anything older. Events are kept a week so a consumer that was down can catch up.
const (
	duplicateWindow = 2 * time.Minute
	streamMaxAge    = 7 * 24 * time.Hour
)

// Bus is a connection to NATS JetStream shared by a process's outboxes and consumers.
type Bus struct {
	tracer   trace.Tracer // nil: consumers are not traced
	nc       *nats.Conn
	js       jetstream.JetStream
	stream   string
	prefix   string
	replicas int
	log      *slog.Logger
	m        *metrics

	mu       sync.Mutex
	streamOK bool // the stream is known to exist with our config
}

// Connect connects to NATS and makes sure the event stream exists. When the server is not
// reachable yet, Connect still returns a Bus: it keeps reconnecting in the background (outboxes
// keep events until then) and creates the stream once connected.
func Connect(ctx context.Context, o BusOptions) (*Bus, error) {
	if o.URL == "" {
		return nil, errors.New("events: no NATS URL")
	}
	if o.Stream == "" {
		o.Stream = "PASAR"
	}
	if o.SubjectPrefix == "" {
		o.SubjectPrefix = "pasar"
	}
	if o.Replicas <= 0 {
		o.Replicas = 1
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "events")
	where := redactURLs(o.URL)
	nc, err := nats.Connect(o.URL,
		nats.Name(o.Name),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		// Publishing while disconnected fails at once instead of buffering: the outbox is the
		// buffer, and it survives a crash.
		nats.ReconnectBufSize(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("events: disconnected from NATS", "url", where, "err", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			log.Info("events: reconnected to NATS", "url", redactURLs(c.ConnectedUrl()))
		}),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subj := ""
			if sub != nil {
				subj = sub.Subject
			}
			log.Error("events: NATS error", "subject", subj, "err", err)
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("events: connect %s: %w", where, err)
	}
	// The timeout bounds how long a publish waits for the broker's ack before the relay retries.
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncTimeout(10*time.Second))
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("events: jetstream: %w", err)
	}
	b := &Bus{nc: nc, js: js, stream: o.Stream, prefix: o.SubjectPrefix, replicas: o.Replicas,
		log: log, m: newMetrics(o.Registerer)}
	if o.TracerProvider != nil {
		b.tracer = o.TracerProvider.Tracer(tracerName)
	}
	if !nc.IsConnected() {
		log.Warn("events: NATS not reachable yet; retrying in the background", "url", where)
		return b, nil
	}
	if err := b.ensureStream(ctx); err != nil {
		nc.Close()
		return nil, err
	}
	return b, nil
}

// subject is where events of type typ are published.
func (b *Bus) subject(typ string) string { return b.prefix + "." + typ }

// ensureStream creates or updates the event stream once per connection lifetime; callers run it
// before publishing or consuming so a Bus that started while NATS was down catches up.
func (b *Bus) ensureStream(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.streamOK {
		return nil
	}
	_, err := b.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        b.stream,
		Description: "Pasar domain events",
		Subjects:    []string{b.prefix + ".>"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Duplicates:  duplicateWindow,
		MaxAge:      streamMaxAge,
		Replicas:    b.replicas,
	})
	if err != nil {
		return fmt.Errorf("events: stream %s: %w", b.stream, err)
	}
	b.streamOK = true
	return nil
}

// forgetStream makes the next ensureStream check again, after an error that suggests the stream
// is gone (e.g. an operator deleted it).
func (b *Bus) forgetStream() {
	b.mu.Lock()
	b.streamOK = false
	b.mu.Unlock()
}

// Check reports whether the bus is usable: connected, and JetStream answers for the stream.
// Readiness probes call it.
func (b *Bus) Check(ctx context.Context) error {
	if !b.nc.IsConnected() {
		return fmt.Errorf("events: NATS %s", strings.ToLower(b.nc.Status().String()))
	}
	_, err := b.js.Stream(ctx, b.stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		b.forgetStream()
		return b.ensureStream(ctx)
	}
	if err != nil {
		return fmt.Errorf("events: stream %s: %w", b.stream, err)
	}
	return nil
}

// Close closes the connection. Stop consumers and outbox relays first; events not yet published
// stay in their outboxes.
func (b *Bus) Close() { b.nc.Close() }

// redactURLs drops credentials (user, password or token) from a comma-separated list of NATS
// URLs so it can be logged.
func redactURLs(s string) string {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		if u, err := url.Parse(strings.TrimSpace(p)); err == nil {
			u.User = nil
			parts[i] = u.String()
		} else {
			parts[i] = "(unparsable url)"
		}
	}
	return strings.Join(parts, ",")
}

// DeleteStream deletes stream, with every event and consumer in it, from the NATS server(s) at
// url: for an operator tearing a shop down (its outboxes and processed-event tables go with its
// database). It reports whether the stream existed.
func DeleteStream(ctx context.Context, url, stream string) (bool, error) {
	if url == "" || stream == "" {
		return false, errors.New("events: delete stream: need a NATS URL and a stream name")
	}
	nc, err := nats.Connect(url, nats.Name("pasar-delete-stream"))
	if err != nil {
		return false, fmt.Errorf("events: connect %s: %w", redactURLs(url), err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return false, fmt.Errorf("events: jetstream: %w", err)
	}
	switch err := js.DeleteStream(ctx, stream); {
	case errors.Is(err, jetstream.ErrStreamNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("events: delete stream %s: %w", stream, err)
	}
	return true, nil
}
