package svcclient

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Outcomes of one request to a replica, the outcome label of pasar_client_requests_total.
const (
	outcomeOK          = "ok"           // 2xx or 3xx
	outcomeClientError = "client_error" // 4xx: the call was wrong, not the replica
	outcomeServerError = "server_error" // 5xx but 502/503/504
	outcomeUnavailable = "unavailable"  // 502, 503 or 504: the replica could not serve it
	outcomeError       = "error"        // no answer: refused, reset, timed out
)

var outcomes = []string{outcomeOK, outcomeClientError, outcomeServerError, outcomeUnavailable, outcomeError}

// Metrics counts a process's calls to other services. Make one per process (NewMetrics) and
// give it to every Caller with WithMetrics.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	calls    *prometheus.CounterVec
	retries  *prometheus.CounterVec
	opens    *prometheus.CounterVec
	state    *prometheus.Desc

	mu       sync.Mutex
	breakers []watchedBreaker // for the state gauge, read at scrape time
}

type watchedBreaker struct {
	service string
	r       *replica
	policy  breakerPolicy
}

// NewMetrics registers the client metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pasar_client_requests_total",
			Help: "Requests sent to another service's replicas, by outcome (ok, client_error, server_error, unavailable, error).",
		}, []string{"service", "replica", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "pasar_client_request_duration_seconds",
			Help:    "Time from sending a request to another service's replica to its answer's headers (or the failure).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"service", "replica"}),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pasar_client_calls_total",
			Help: "Calls to another service after retries, by outcome; unavailable when no replica answered (breakers open included).",
		}, []string{"service", "outcome"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pasar_client_retries_total",
			Help: "Requests sent again to another replica of the service within one call.",
		}, []string{"service"}),
		opens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pasar_client_breaker_opens_total",
			Help: "Times a replica's circuit breaker opened.",
		}, []string{"service", "replica"}),
		state: prometheus.NewDesc("pasar_client_breaker_state",
			"Each replica's circuit breaker: 0 closed, 1 half-open (a probe may go), 2 open; the most open of the process's breakers for it.",
			[]string{"service", "replica"}, nil),
	}
	reg.MustRegister(m.requests, m.duration, m.calls, m.retries, m.opens, m)
	return m
}

// WithMetrics counts the Caller's calls in m. It belongs in New's options: the replicas are
// bound to m there.
func WithMetrics(m *Metrics) Option {
	return func(c *Caller) { c.metrics = m }
}

// replicaMetrics are one replica's series, resolved once.
type replicaMetrics struct {
	requests map[string]prometheus.Counter // by outcome
	duration prometheus.Observer
	opens    prometheus.Counter
}

// bind resolves r's series and watches its breaker.
func (m *Metrics) bind(service string, r *replica, p breakerPolicy) {
	rm := &replicaMetrics{requests: make(map[string]prometheus.Counter, len(outcomes)),
		duration: m.duration.WithLabelValues(service, r.base), opens: m.opens.WithLabelValues(service, r.base)}
	for _, o := range outcomes {
		rm.requests[o] = m.requests.WithLabelValues(service, r.base, o)
	}
	r.m = rm
	m.mu.Lock()
	m.breakers = append(m.breakers, watchedBreaker{service: service, r: r, policy: p})
	m.mu.Unlock()
}

// Describe and Collect make the breaker state a gauge computed when scraped: an open breaker
// turns half-open when its cooldown passes, with no call to say so.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) { ch <- m.state }

func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	now := time.Now()
	type key struct{ service, replica string }
	worst := map[key]float64{}
	var order []key
	m.mu.Lock()
	for _, b := range m.breakers {
		k := key{b.service, b.r.base}
		v := map[string]float64{"closed": 0, "half-open": 1, "open": 2}[b.r.state(b.policy, now)]
		if old, seen := worst[k]; !seen {
			order = append(order, k)
			worst[k] = v
		} else if v > old {
			worst[k] = v
		}
	}
	m.mu.Unlock()
	for _, k := range order {
		ch <- prometheus.MustNewConstMetric(m.state, prometheus.GaugeValue, worst[k], k.service, k.replica)
	}
}

// outcomeOf names an attempt's outcome from its status (0: no answer).
func outcomeOf(status int) string {
	switch {
	case status == 0:
		return outcomeError
	case overloaded(status):
		return outcomeUnavailable
	case status >= 500:
		return outcomeServerError
	case status >= 400:
		return outcomeClientError
	}
	return outcomeOK
}

// attempted records one request to r.
func (c *Caller) attempted(r *replica, status int, took time.Duration) {
	if r.m == nil {
		return
	}
	r.m.requests[outcomeOf(status)].Inc()
	r.m.duration.Observe(took.Seconds())
}

// called records a call's end: status of the answer it returned, 0 when none came.
func (c *Caller) called(status, attempts int) {
	if c.metrics == nil {
		return
	}
	if attempts > 1 {
		c.metrics.retries.WithLabelValues(c.service).Add(float64(attempts - 1))
	}
	o := outcomeOf(status)
	if o == outcomeError {
		o = outcomeUnavailable // the caller gets Unavailable whether replicas failed or none was tried
	}
	c.metrics.calls.WithLabelValues(c.service, o).Inc()
}
