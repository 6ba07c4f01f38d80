package app

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/pasarhq/pasar/internal/catalog"
)

var cacheReadsDesc = prometheus.NewDesc("pasar_catalog_cache_reads_total",
	"Catalog reads the in-process cache answered (hit) or passed to the store (miss), by what was read.",
	[]string{"kind", "result"}, nil)

// cacheCollector exports the catalog read cache's counters, read at each scrape (the cache keeps
// them as plain atomics and knows nothing of Prometheus).
type cacheCollector struct{ cache *catalog.Cache }

func (c cacheCollector) Describe(ch chan<- *prometheus.Desc) { ch <- cacheReadsDesc }

func (c cacheCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.cache.Stats()
	for k, kind := range catalog.CacheKinds {
		ch <- prometheus.MustNewConstMetric(cacheReadsDesc, prometheus.CounterValue, float64(s.Hits[k]), kind, "hit")
		ch <- prometheus.MustNewConstMetric(cacheReadsDesc, prometheus.CounterValue, float64(s.Misses[k]), kind, "miss")
	}
}
