package svcclient

import (
	"context"
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

const tracerName = "github.com/pasarhq/pasar/internal/platform/svcclient"

// startSpan starts a client span under the span in ctx, with that span's provider: a request
// traced by the server middleware traces its calls too, and an untraced one costs nothing.
func startSpan(ctx context.Context, service, method, path string) (context.Context, trace.Span) {
	parent := trace.SpanFromContext(ctx)
	if !parent.SpanContext().IsValid() {
		return ctx, parent // a no-op span; nothing to record or pass on
	}
	return parent.TracerProvider().Tracer(tracerName).Start(ctx, service+" "+method,
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("http.request.method", method), attribute.String("url.path", path),
			attribute.String("peer.service", service)))
}

// inject writes the W3C traceparent of the span in ctx into h.
func inject(ctx context.Context, h http.Header) {
	if trace.SpanContextFromContext(ctx).IsValid() {
		propagation.TraceContext{}.Inject(ctx, propagation.HeaderCarrier(h))
	}
}

// recordAttempt notes on span which replica answered (or err), with what status, after how many attempts.
func recordAttempt(span trace.Span, base string, attempts, status int, err error) {
	if !span.IsRecording() {
		return
	}
	span.SetAttributes(attribute.Int("pasar.attempts", attempts))
	if base != "" {
		span.SetAttributes(attribute.String("server.address", base))
	}
	if status > 0 {
		span.SetAttributes(attribute.Int("http.response.status_code", status))
	}
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "unavailable")
	} else if status >= 500 {
		span.SetStatus(codes.Error, "")
	}
}
