package notification

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/pasarhq/pasar/internal/order"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
	"github.com/pasarhq/pasar/internal/platform/events"
)

// TestWebhookConsumerGroups runs the webhook consumer on events waiting together: each endpoint
// created before them gets a delivery of every event it asked for, and the endpoints are read
// once per group, not once per event (counted in the statements the traced consumer ran).
func TestWebhookConsumerGroups(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.DiscardHandler)
	nats, err := events.StartEmbedded(events.EmbeddedOptions{StoreDir: t.TempDir()}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nats.Shutdown)
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		ctx := context.Background()
		exp := tracetest.NewInMemoryExporter()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
		bus, err := events.Connect(ctx, events.BusOptions{URL: nats.ClientURL(), Stream: newID("T_"), SubjectPrefix: newID("t"),
			Name: "notification-test", Logger: log, Registerer: prometheus.NewRegistry(), TracerProvider: tp})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(bus.Close)
		s := newService(t, d, fastRetries(Options{Mailer: &FileMailer{Dir: t.TempDir()}}))
		all, err := s.CreateEndpoint(admin(), EndpointRequest{URL: "https://shop.example/all", EventTypes: []string{"*"}})
		if err != nil {
			t.Fatal(err)
		}
		shipped, err := s.CreateEndpoint(admin(), EndpointRequest{URL: "https://shop.example/shipped", EventTypes: []string{"order.shipped"}})
		if err != nil {
			t.Fatal(err)
		}

		// Added under a traced request, so that the consumer traces the statements it runs.
		out := events.NewOutbox(d, bus, "order", log)
		tctx, span := tp.Tracer("test").Start(ctx, "request")
		types := []string{"order.placed", "order.paid", "order.shipped", "stock.changed", "order.cancelled"}
		err = d.InTx(tctx, func(tx *db.Tx) error {
			for _, typ := range types {
				if _, err := out.Add(tctx, tx, typ, 1, orderEvent(order.Shipped, order.Paid, true)); err != nil {
					return err
				}
			}
			return nil
		})
		span.End()
		if err != nil {
			t.Fatal(err)
		}
		if err := out.Flush(ctx); err != nil { // in the stream before the consumer starts
			t.Fatal(err)
		}
		c, err := s.SubscribeWebhooks(ctx, bus)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Stop)

		waitFor(t, "a delivery per event and endpoint", func() bool {
			a, _ := s.Deliveries(admin(), all.ID, 0)
			b, _ := s.Deliveries(admin(), shipped.ID, 0)
			return len(a) == len(types) && len(b) == 1
		})
		reads := 0
		for _, sp := range exp.GetSpans().Snapshots() {
			for _, a := range sp.Attributes() {
				if a.Key == "db.query.text" && strings.Contains(a.Value.AsString(), "FROM notification_endpoints") {
					reads++
				}
			}
		}
		// The events wait together, so they make one group or a few; one read per event would be
		// as many reads as events.
		if reads == 0 || reads >= len(types) {
			t.Errorf("endpoints read %d times for %d events waiting together, want once per group", reads, len(types))
		}
	})
}
