package observability

import (
	"os"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestDataDirSpace: the data folder's filesystem size and free bytes, read at each scrape, agree
// with what the platform says of that folder.
func TestDataDirSpace(t *testing.T) {
	if !diskSpaceKnown {
		t.Skip("filesystem space is not read on this platform")
	}
	dir := t.TempDir()
	reg := prometheus.NewRegistry()
	if err := RegisterDataDir(reg, dir); err != nil {
		t.Fatal(err)
	}
	size, free, err := diskSpace(dir)
	if err != nil || size == 0 || free > size {
		t.Fatalf("diskSpace(%s) = %d, %d, %v", dir, size, free, err)
	}
	got := map[string]float64{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		got[mf.GetName()] = mf.GetMetric()[0].GetGauge().GetValue()
	}
	if got["pasar_data_filesystem_size_bytes"] != float64(size) {
		t.Errorf("size %v, want %d", got["pasar_data_filesystem_size_bytes"], size)
	}
	if f := got["pasar_data_filesystem_free_bytes"]; f <= 0 || f > float64(size) {
		t.Errorf("free %v of %d", f, size)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	mfs, _ = reg.Gather()
	for _, mf := range mfs {
		if v := mf.GetMetric()[0].GetGauge().GetValue(); v != -1 {
			t.Errorf("%s = %v with the folder gone, want -1", mf.GetName(), v)
		}
	}
}
