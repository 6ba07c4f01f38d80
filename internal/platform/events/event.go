// Package events moves domain events between Pasar's services: a NATS JetStream bus (an embedded
// server in all-in-one mode, an external cluster when distributed; the same client either way), a
// transactional outbox that commits each event with the state change it describes and relays it
// to the bus, and an idempotent consumer helper that retries failures and parks poison messages.
//
// Delivery is at least once and, across transactions, unordered; consumers deduplicate by event
// id, so each event takes effect once per consumer.
package events

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/otel/propagation"
)

// Event is the envelope every event travels in. Data holds the type's versioned JSON payload; a
// consumer checks Type and Version before decoding it.
type Event struct {
	ID          string          `json:"id"`
	Type        string          `json:"type"`
	Version     int             `json:"version"`
	Time        time.Time       `json:"time"`
	Source      string          `json:"source"`
	TraceParent string          `json:"traceparent,omitempty"`
	Data        json.RawMessage `json:"data"`
}

// Decode unmarshals the event's payload into v.
func (e Event) Decode(v any) error {
	if err := json.Unmarshal(e.Data, v); err != nil {
		return fmt.Errorf("decode %s v%d event %s: %w", e.Type, e.Version, e.ID, err)
	}
	return nil
}

// checkType rejects event types that would not make a literal NATS subject: the type becomes the
// subject's tail, so spaces or wildcards would publish to the wrong place or not at all.
func checkType(typ string) error {
	if typ == "" || strings.HasPrefix(typ, ".") || strings.HasSuffix(typ, ".") || strings.Contains(typ, "..") {
		return fmt.Errorf("events: invalid event type %q", typ)
	}
	if strings.ContainsAny(typ, " \t\r\n*>") {
		return fmt.Errorf("events: invalid event type %q", typ)
	}
	return nil
}

// traceContext is the W3C Trace Context propagator; it is used directly rather than through the
// global otel propagator so that events carry a traceparent whatever the process configured.
var traceContext = propagation.TraceContext{}

// traceParent returns the W3C traceparent of the span in ctx, or "" when there is none.
func traceParent(ctx context.Context) string {
	c := propagation.MapCarrier{}
	traceContext.Inject(ctx, c)
	return c.Get("traceparent")
}

// withTraceParent returns ctx carrying the remote span context described by tp, so work done for
// an event joins the trace of the request that caused it.
func withTraceParent(ctx context.Context, tp string) context.Context {
	if tp == "" {
		return ctx
	}
	return traceContext.Extract(ctx, propagation.MapCarrier{"traceparent": tp})
}
