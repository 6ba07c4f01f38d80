package gateway

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the gateway's per-upstream Prometheus series; the per-route request metrics come
// from the httpx.Router the routes are registered on.
type metrics struct {
	requests  *prometheus.CounterVec   // service, upstream, code ("error": no response)
	duration  *prometheus.HistogramVec // service, upstream
	retries   *prometheus.CounterVec   // service
	ejections *prometheus.CounterVec   // service, upstream, reason
	reg       prometheus.Registerer
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pasar_gateway_upstream_requests_total",
			Help: "Requests the gateway sent to each replica, by status code (\"error\" when no answer came).",
		}, []string{"service", "upstream", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "pasar_gateway_upstream_duration_seconds",
			Help:    "Time from sending a request to a replica to its response headers.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"service", "upstream"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pasar_gateway_retries_total",
			Help: "Requests sent again to another replica after one failed.",
		}, []string{"service"}),
		ejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pasar_gateway_ejections_total",
			Help: "Replicas taken out of rotation: by a failing /readyz check, or by failing requests.",
		}, []string{"service", "upstream", "reason"}),
		reg: reg,
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.duration, m.retries, m.ejections)
	}
	return m
}

// replicaMetrics holds one replica's series, resolved once so a request costs atomic adds.
type replicaMetrics struct {
	duration prometheus.Observer
	requests *prometheus.CounterVec // curried with service and upstream
	codes    sync.Map               // int -> prometheus.Counter
	errors   prometheus.Counter
}

func (m *metrics) forReplica(p *pool, r *replica) *replicaMetrics {
	labels := prometheus.Labels{"service": p.service, "upstream": r.name}
	rm := &replicaMetrics{
		duration: m.duration.With(labels),
		requests: m.requests.MustCurryWith(labels),
	}
	rm.errors = rm.requests.WithLabelValues("error")
	// Present at 0 from the start, so an alert on their increase has a baseline.
	m.retries.WithLabelValues(p.service)
	for _, reason := range []string{"check", "requests"} {
		m.ejections.WithLabelValues(p.service, r.name, reason)
	}
	if m.reg != nil {
		// Gauges read the live values, so no request path updates them.
		m.reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "pasar_gateway_upstream_in_flight", Help: "Requests in flight to each replica.",
				ConstLabels: labels,
			}, func() float64 { return float64(r.inFlight.Load()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "pasar_gateway_upstream_up", Help: "1 while a replica is in rotation, 0 while ejected.",
				ConstLabels: labels,
			}, func() float64 {
				if r.healthy.Load() {
					return 1
				}
				return 0
			}))
	}
	return rm
}

func (rm *replicaMetrics) code(status int) prometheus.Counter {
	if c, ok := rm.codes.Load(status); ok {
		return c.(prometheus.Counter)
	}
	c, _ := rm.codes.LoadOrStore(status, rm.requests.WithLabelValues(strconv.Itoa(status)))
	return c.(prometheus.Counter)
}
