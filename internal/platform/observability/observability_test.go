package observability_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/pasarhq/pasar/internal/platform/observability"
)

func TestNewLogger(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		format string
		level  slog.Level
		check  func(t *testing.T, out string)
	}{
		{"json", "json", slog.LevelInfo, func(t *testing.T, out string) {
			var m map[string]any
			if err := json.Unmarshal([]byte(out), &m); err != nil || m["msg"] != "hello" || m["k"] != "v" {
				t.Errorf("not the JSON line expected: %q (%v)", out, err)
			}
		}},
		{"text", "text", slog.LevelInfo, func(t *testing.T, out string) {
			if !strings.Contains(out, "msg=hello") || !strings.Contains(out, "k=v") {
				t.Errorf("not a text line: %q", out)
			}
		}},
		{"unknown format is json", "yaml", slog.LevelInfo, func(t *testing.T, out string) {
			if !json.Valid([]byte(out)) {
				t.Errorf("not JSON: %q", out)
			}
		}},
		{"below level dropped", "json", slog.LevelWarn, func(t *testing.T, out string) {
			if out != "" {
				t.Errorf("info logged at warn level: %q", out)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			observability.NewLogger(&buf, tt.level, tt.format).Info("hello", "k", "v")
			tt.check(t, buf.String())
		})
	}
}

func TestMetricsHandler(t *testing.T) {
	t.Parallel()
	reg := observability.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "pasar_test_total", Help: "test"})
	reg.MustRegister(c)
	c.Inc()
	h := observability.MetricsHandler(reg)
	observability.MetricsHandler(reg) // a second handler on the same registry must not panic

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	for _, want := range []string{"pasar_test_total 1", "go_goroutines", "process_", "promhttp_metric_handler_requests_total"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics output lacks %q", want)
		}
	}
}

// TestLogsCarryTraceIDs: a record logged with a traced context names the trace and span, once.
func TestLogsCarryTraceIDs(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := observability.NewLogger(&buf, slog.LevelInfo, "json")
	tp := sdktrace.NewTracerProvider()
	ctx, span := tp.Tracer("test").Start(context.Background(), "request")
	defer span.End()
	log.With("service", "catalog").InfoContext(ctx, "traced")
	log.InfoContext(ctx, "access", "trace_id", span.SpanContext().TraceID().String())
	log.Info("untraced")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines", len(lines))
	}
	tid, sid := span.SpanContext().TraceID().String(), span.SpanContext().SpanID().String()
	if !strings.Contains(lines[0], `"trace_id":"`+tid+`"`) || !strings.Contains(lines[0], `"span_id":"`+sid+`"`) {
		t.Errorf("traced line: %s", lines[0])
	}
	if strings.Count(lines[1], "trace_id") != 1 {
		t.Errorf("trace id twice: %s", lines[1])
	}
	if strings.Contains(lines[2], "trace_id") {
		t.Errorf("untraced line: %s", lines[2])
	}
}
