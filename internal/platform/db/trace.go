package db

import (
	"context"
	"database/sql"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

const tracerName = "github.com/pasarhq/pasar/internal/platform/db"

// maxTracedQuery bounds the SQL text a span keeps.
const maxTracedQuery = 1000

// startSpan starts a client span for one statement under the span in ctx, with that span's
// provider; it returns nil, at the cost of one interface call, when ctx is not being traced.
// Statements carry their values as arguments, never in the text, so the text is safe to keep.
func (d *DB) startSpan(ctx context.Context, op, q string) trace.Span {
	parent := trace.SpanFromContext(ctx)
	if !parent.IsRecording() {
		return nil
	}
	if len(q) > maxTracedQuery {
		q = q[:maxTracedQuery]
	}
	system := "sqlite"
	if d.engine == Postgres {
		system = "postgresql"
	}
	_, span := parent.TracerProvider().Tracer(tracerName).Start(ctx, op+" "+d.schema,
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("db.system", system), attribute.String("db.namespace", d.schema),
			attribute.String("db.operation.name", op), attribute.String("db.query.text", q)))
	return span
}

// endSpan ends span (nil: not traced), recording err; sql.ErrNoRows is an answer, not a failure.
func endSpan(span trace.Span, err error) {
	if span == nil {
		return
	}
	if err != nil && err != sql.ErrNoRows {
		span.RecordError(err)
		span.SetStatus(codes.Error, "")
	}
	span.End()
}
