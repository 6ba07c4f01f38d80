package events

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// TestTracing: an event added under a traced request gets a producer span in the request's
// trace, and its handling a consumer span under that one, with the handler's SQL beneath it.
func TestTracing(t *testing.T) {
	t.Parallel()
	e := startEmbedded(t, "", t.TempDir())
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	b, err := Connect(context.Background(), BusOptions{URL: e.ClientURL(), Stream: uniq("TEST_"), SubjectPrefix: uniq("t"),
		Logger: testLog(), Registerer: prometheus.NewRegistry(), TracerProvider: tp})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	d := dbtest.Open(t, db.SQLite)
	prepare(t, d)
	subscribe(t, b, d, ConsumerOptions{Name: uniq("traced")}, counting("traced"))
	o := NewOutbox(d, b, "catalog", testLog())
	runOutbox(t, o)

	ctx, req := tp.Tracer("test").Start(context.Background(), "request")
	err = d.InTx(ctx, func(tx *db.Tx) error {
		_, err := o.Add(ctx, tx, "product.upserted", 1, map[string]string{"id": "p1"})
		return err
	})
	req.End()
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "the event handled", func() bool {
		n, _ := applied(t, d, "traced")
		return n == 1
	})
	var publish, consume sdktrace.ReadOnlySpan
	waitFor(t, 5*time.Second, "the consumer span", func() bool {
		for _, s := range exp.GetSpans().Snapshots() {
			switch s.Name() {
			case "publish product.upserted":
				publish = s
			case "consume product.upserted":
				consume = s
			}
		}
		return publish != nil && consume != nil
	})
	if publish.Parent().SpanID() != req.SpanContext().SpanID() || publish.SpanKind() != trace.SpanKindProducer {
		t.Errorf("publish span: parent %v kind %v", publish.Parent().SpanID(), publish.SpanKind())
	}
	if consume.SpanContext().TraceID() != req.SpanContext().TraceID() || consume.Parent().SpanID() != publish.SpanContext().SpanID() {
		t.Errorf("consume span is not under the publish span")
	}
	var sqlUnderConsume bool
	for _, s := range exp.GetSpans().Snapshots() {
		if s.Parent().SpanID() == consume.SpanContext().SpanID() && s.SpanKind() == trace.SpanKindClient {
			sqlUnderConsume = true
		}
	}
	if !sqlUnderConsume {
		t.Error("the handler's SQL is not traced under the consumer span")
	}
}
