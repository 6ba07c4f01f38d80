package events

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

const tracerName = "github.com/pasarhq/pasar/internal/platform/events"

// startPublish starts the producer span of an event added under the span in ctx (with that
// span's provider), so the event's traceparent names it and its consumers' spans hang under it.
// Without a recording span it returns ctx and nil.
func startPublish(ctx context.Context, typ, source string) (context.Context, trace.Span) {
	parent := trace.SpanFromContext(ctx)
	if !parent.IsRecording() {
		return ctx, nil
	}
	return parent.TracerProvider().Tracer(tracerName).Start(ctx, "publish "+typ,
		trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(attribute.String("messaging.system", "nats"),
			attribute.String("messaging.operation.type", "create"),
			attribute.String("messaging.destination.name", typ), attribute.String("pasar.event.source", source)))
}

// startConsume starts the consumer span of event ev under the trace it carries, when the bus
// was given a tracer provider and the event a traceparent; otherwise it returns ctx and nil.
func (c *Consumer) startConsume(ctx context.Context, ev Event) (context.Context, trace.Span) {
	if c.bus.tracer == nil || ev.TraceParent == "" {
		return ctx, nil
	}
	return c.bus.tracer.Start(withTraceParent(ctx, ev.TraceParent), "consume "+ev.Type,
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(attribute.String("messaging.system", "nats"),
			attribute.String("messaging.operation.type", "process"),
			attribute.String("messaging.destination.name", ev.Type),
			attribute.String("messaging.consumer.group.name", c.o.Name),
			attribute.String("messaging.message.id", ev.ID)))
}

// endSpan ends span (nil: not traced), recording err.
func endSpan(span trace.Span, err error) {
	if span == nil {
		return
	}
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "")
	}
	span.End()
}
