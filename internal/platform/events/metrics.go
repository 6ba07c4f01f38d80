package events

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the bus's Prometheus series. They always exist so the code needs no nil checks;
// they are exported only when BusOptions.Registerer is set.
type metrics struct {
	published     *prometheus.CounterVec // by source
	publishErrors *prometheus.CounterVec // by source
	pending       *prometheus.GaugeVec   // by source
	lag           *prometheus.GaugeVec   // by source
	handled       *prometheus.CounterVec // by consumer
	duplicates    *prometheus.CounterVec // by consumer
	failed        *prometheus.CounterVec // by consumer
	parked        *prometheus.CounterVec // by consumer
}

func newMetrics(r prometheus.Registerer) *metrics {
	counter := func(name, help, label string) *prometheus.CounterVec {
		return register(r, prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "pasar", Subsystem: "events", Name: name, Help: help,
		}, []string{label}))
	}
	gauge := func(name, help, label string) *prometheus.GaugeVec {
		return register(r, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "pasar", Subsystem: "events", Name: name, Help: help,
		}, []string{label}))
	}
	return &metrics{
		published:     counter("published_total", "Events the outbox relay published and the broker acknowledged.", "source"),
		publishErrors: counter("publish_errors_total", "Outbox relay passes that failed (broker unreachable or slow, or store unavailable).", "source"),
		pending:       gauge("outbox_pending", "Events written to the outbox and not yet published.", "source"),
		lag:           gauge("outbox_lag_seconds", "Age of the oldest unpublished outbox event (0 when none).", "source"),
		handled:       counter("consumer_handled_total", "Events a consumer's handler processed and committed.", "consumer"),
		duplicates:    counter("consumer_duplicates_total", "Deliveries skipped because the consumer had processed the event already.", "consumer"),
		failed:        counter("consumer_failed_total", "Handler attempts that failed and will be retried.", "consumer"),
		parked:        counter("consumer_parked_total", "Events parked after exhausting their attempts; see the parked-events table.", "consumer"),
	}
}

// register adds c to r, or returns the collector already registered under the same name so that
// several buses in one process (e.g. tests, or one per service) share the series.
func register[C prometheus.Collector](r prometheus.Registerer, c C) C {
	if r == nil {
		return c
	}
	if err := r.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
	}
	return c
}
