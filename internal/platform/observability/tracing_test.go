package observability

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

func TestTracerProviderOffWithoutCollector(t *testing.T) {
	t.Parallel()
	tp, err := NewTracerProvider(context.Background(), "pasar", "test", func(string) string { return "" })
	if err != nil || tp != nil {
		t.Fatalf("got %v, %v; want no provider and no error", tp, err)
	}
}

func TestTracerProviderExportsSpans(t *testing.T) {
	// Not parallel: the exporter reads OTEL_* from the process environment, set here with t.Setenv.
	var posts atomic.Int32
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/traces" {
			posts.Add(1)
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")

	ctx := context.Background()
	tp, err := NewTracerProvider(ctx, "pasar", "test", func(k string) string {
		if k == "OTEL_EXPORTER_OTLP_ENDPOINT" {
			return collector.URL
		}
		return ""
	})
	if err != nil || tp == nil {
		t.Fatalf("provider: %v, %v", tp, err)
	}
	_, span := tp.Tracer("test").Start(ctx, "checkout")
	span.End()
	if err := tp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if posts.Load() == 0 {
		t.Fatal("no spans reached the collector")
	}
}
