package events

import (
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"

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
	behind        *prometheus.GaugeVec   // by consumer: messages after the one delivered
	age           *prometheus.GaugeVec   // by consumer: age of the message delivered
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
		behind:        gauge("consumer_pending", "Messages of the stream still to be delivered to the consumer, as of its last delivery.", "consumer"),
		age:           gauge("consumer_lag_seconds", "Time from publishing to delivery of the consumer's last message.", "consumer"),
	}
}

// delivered records how far behind the stream consumer is, from a delivered message's metadata.
func (m *metrics) delivered(consumer string, md *jetstream.MsgMetadata) {
	m.behind.WithLabelValues(consumer).Set(float64(md.NumPending))
	m.age.WithLabelValues(consumer).Set(max(time.Since(md.Timestamp).Seconds(), 0))
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
