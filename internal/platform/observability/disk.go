package observability

import (
	"github.com/prometheus/client_golang/prometheus"
)

// RegisterDataDir exports the size and free space of the filesystem holding dir (the data
// folder: SQLite files, the event store, the search index), read at each scrape, so a disk
// filling up alerts before writes fail. Where the platform cannot tell, nothing is exported.
func RegisterDataDir(reg prometheus.Registerer, dir string) error {
	if !diskSpaceKnown {
		return nil
	}
	gauge := func(name, help string, pick func(size, free uint64) uint64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "pasar", Subsystem: "data", Name: name, Help: help},
			func() float64 {
				size, free, err := diskSpace(dir)
				if err != nil {
					return -1
				}
				return float64(pick(size, free))
			})
	}
	for _, c := range []prometheus.Collector{
		gauge("filesystem_size_bytes", "Size of the filesystem holding the data folder; -1 when it cannot be read.",
			func(size, _ uint64) uint64 { return size }),
		gauge("filesystem_free_bytes", "Bytes free to pasar on the filesystem holding the data folder; -1 when it cannot be read.",
			func(_, free uint64) uint64 { return free }),
	} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
