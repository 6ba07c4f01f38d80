package edge

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics counts what the edge refuses or reports before a request reaches a route (the
// per-route HTTP metrics never see those requests).
type metrics struct {
	waf     *prometheus.CounterVec // by action: blocked, detected
	limited *prometheus.CounterVec // by limit: client, account
}

// newMetrics registers the edge's series on reg (nil: none), each label value at 0 from the
// start so rates and alerts have a baseline.
func newMetrics(reg prometheus.Registerer) *metrics {
	if reg == nil {
		return nil
	}
	m := &metrics{
		waf: counterVec(reg, prometheus.CounterOpts{Namespace: "pasar", Subsystem: "waf", Name: "incidents_total",
			Help: "Requests the web application firewall blocked, or in detect mode reported, by action."}, "action"),
		limited: counterVec(reg, prometheus.CounterOpts{Namespace: "pasar", Name: "rate_limited_total",
			Help: "Requests refused with 429 by a rate limit, by limit (client address or account)."}, "limit"),
	}
	for _, a := range []string{"blocked", "detected"} {
		m.waf.WithLabelValues(a)
	}
	for _, l := range []string{"client", "account"} {
		m.limited.WithLabelValues(l)
	}
	return m
}

func counterVec(reg prometheus.Registerer, o prometheus.CounterOpts, label string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(o, []string{label})
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			panic("edge: register metrics: " + err.Error())
		}
		return are.ExistingCollector.(*prometheus.CounterVec)
	}
	return c
}

func (m *metrics) incident(action string) { m.waf.WithLabelValues(action).Inc() }
func (m *metrics) refused(limit string)   { m.limited.WithLabelValues(limit).Inc() }
