package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/platform/cputime"
)

// BenchmarkProxy measures a product-sized read through the gateway (edge chain with the WAF off,
// proxy, keep-alive pool) against the same read straight from the replica and through a bare
// httputil.ReverseProxy (the least a Go proxy hop costs), over real loopback connections; the
// differences are the gateway's cost per request and how much of it is the hop itself.
func BenchmarkProxy(b *testing.B) {
	body := `{"product":"` + strings.Repeat("x", 2000) + `"}`
	up := newUpstream(b, "catalog")
	// Not the recording handler: keeping every request would grow the heap through the run.
	up.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	})
	tg := newTestGateway(b, map[string][]*upstream{"catalog": {up}}, nil, nil)
	target, _ := url.Parse(up.URL)
	bare := httputil.NewSingleHostReverseProxy(target)
	bare.Transport = &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true}
	bs := httptest.NewServer(bare)
	b.Cleanup(bs.Close)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
	for _, bc := range []struct{ name, url string }{
		{"direct", up.URL + "/api/v1/products/x"},
		{"bare", bs.URL + "/api/v1/products/x"},
		{"gateway", tg.URL + "/api/v1/products/x"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := cputime.Process()
			defer func() { reportCPU(b, cpu) }()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := hc.Get(bc.url)
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		})
	}
}

// reportCPU adds the process's CPU time per operation since start (user and system, every
// goroutine: client, gateway and upstream alike). On a shared machine it moves much less than
// ns/op, which counts the time spent waiting for a core.
func reportCPU(b *testing.B, start time.Duration) {
	if used := cputime.Process() - start; start > 0 && b.N > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}
