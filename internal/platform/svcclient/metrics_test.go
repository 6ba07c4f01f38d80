package svcclient

import (
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// sample returns the value of the series name{labels} in reg (a histogram's count), and
// whether it exists.
func sample(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue series
				}
			}
			switch {
			case m.Counter != nil:
				return m.GetCounter().GetValue(), true
			case m.Gauge != nil:
				return m.GetGauge().GetValue(), true
			case m.Histogram != nil:
				return float64(m.GetHistogram().GetSampleCount()), true
			}
		}
	}
	return 0, false
}

func TestMetricsCountRequestsCallsAndRetries(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	busy, ok := newReplica(t), newReplica(t)
	busy.status.Store(http.StatusServiceUnavailable)
	c := New("inventory", busy.URL+","+ok.URL, nil, time.Second, errDown, WithMetrics(m))

	// Round robin starts at the busy replica: its 503 sends the GET to the other one.
	if err := c.Call(t.Context(), "GET", "/x", nil, nil); err != nil {
		t.Fatal(err)
	}
	ok.status.Store(http.StatusNotFound)
	_ = c.Call(t.Context(), "GET", "/x", nil, nil) // the second call starts at ok: a 404, no retry

	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"pasar_client_requests_total", map[string]string{"service": "inventory", "replica": busy.URL, "outcome": "unavailable"}, 1},
		{"pasar_client_requests_total", map[string]string{"service": "inventory", "replica": ok.URL, "outcome": "ok"}, 1},
		{"pasar_client_requests_total", map[string]string{"service": "inventory", "replica": ok.URL, "outcome": "client_error"}, 1},
		{"pasar_client_request_duration_seconds", map[string]string{"service": "inventory", "replica": ok.URL}, 2},
		{"pasar_client_request_duration_seconds", map[string]string{"service": "inventory", "replica": busy.URL}, 1},
		{"pasar_client_retries_total", map[string]string{"service": "inventory"}, 1},
		{"pasar_client_calls_total", map[string]string{"service": "inventory", "outcome": "ok"}, 1},
		{"pasar_client_calls_total", map[string]string{"service": "inventory", "outcome": "client_error"}, 1},
		{"pasar_client_breaker_state", map[string]string{"service": "inventory", "replica": busy.URL}, 0},
	}
	for _, tt := range tests {
		if got, found := sample(t, reg, tt.name, tt.labels); !found || got != tt.want {
			t.Errorf("%s%v = %v (found %v), want %v", tt.name, tt.labels, got, found, tt.want)
		}
	}
}

func TestMetricsFollowTheBreaker(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	dead := deadURL(t)
	c := New("cart", dead, nil, time.Second, errDown, WithMetrics(m), WithBreaker(2, time.Hour))
	for range 3 { // two refused connections open the breaker; the third call is refused by it
		if err := c.Call(t.Context(), "GET", "/x", nil, nil); err == nil {
			t.Fatal("a call to nothing succeeded")
		}
	}
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"pasar_client_requests_total", map[string]string{"service": "cart", "replica": dead, "outcome": "error"}, 2},
		{"pasar_client_breaker_opens_total", map[string]string{"service": "cart", "replica": dead}, 1},
		{"pasar_client_breaker_state", map[string]string{"service": "cart", "replica": dead}, 2},
		{"pasar_client_calls_total", map[string]string{"service": "cart", "outcome": "unavailable"}, 3},
	}
	for _, tt := range tests {
		if got, found := sample(t, reg, tt.name, tt.labels); !found || got != tt.want {
			t.Errorf("%s%v = %v (found %v), want %v", tt.name, tt.labels, got, found, tt.want)
		}
	}
}

// TestBreakerStateTurnsHalfOpen: the state is read when scraped, so an open breaker whose
// cooldown has passed shows half-open before any call.
func TestBreakerStateTurnsHalfOpen(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	dead := deadURL(t)
	c := New("payment", dead, nil, time.Second, errDown, WithMetrics(m), WithBreaker(1, time.Hour))
	_ = c.Call(t.Context(), "GET", "/x", nil, nil)
	c.replicas[0].mu.Lock()
	c.replicas[0].openedAt = time.Now().Add(-2 * time.Hour)
	c.replicas[0].mu.Unlock()
	if got, _ := sample(t, reg, "pasar_client_breaker_state", map[string]string{"service": "payment"}); got != 1 {
		t.Errorf("breaker state %v after the cooldown, want 1 (half-open)", got)
	}
}
