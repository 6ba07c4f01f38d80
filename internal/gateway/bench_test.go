package gateway

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// BenchmarkProxy measures a product-sized read through the gateway (edge chain with the WAF off,
// proxy, keep-alive pool) against the same read straight from the replica, over real loopback
// connections; the difference is the gateway's cost per request.
func BenchmarkProxy(b *testing.B) {
	body := `{"product":"` + strings.Repeat("x", 2000) + `"}`
	up := newUpstream(b, "catalog")
	up.setAnswer(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	})
	tg := newTestGateway(b, map[string][]*upstream{"catalog": {up}}, nil, nil)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
	for _, bc := range []struct{ name, url string }{
		{"direct", up.URL + "/api/v1/products/x"},
		{"gateway", tg.URL + "/api/v1/products/x"},
	} {
		b.Run(bc.name, func(b *testing.B) {
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
