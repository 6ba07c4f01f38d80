package edge

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/edge/waf"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// BenchmarkProductRead serves a product-read-shaped request (GET with a browser's headers, a
// cached 1 KiB JSON answer with an ETag, like the catalog's detail read) over a real listener
// through httpx.Middleware and the edge chain, with the WAF off and in block mode, over plain
// HTTP and TLS, in the same run. It reports requests per second and the p99 latency; compare
// the sub-benchmarks with each other, not with other runs.
//
//	go test -run '^$' -bench ProductRead -benchtime 20000x ./internal/edge
func BenchmarkProductRead(b *testing.B) {
	for _, transport := range []string{"plain", "tls"} {
		for _, mode := range []waf.Mode{waf.Off, waf.Block} {
			b.Run(transport+"/waf-"+string(mode), func(b *testing.B) {
				url, client := benchServer(b, transport == "tls", mode)
				benchRequests(b, url, client)
			})
		}
	}
}

func benchServer(b *testing.B, useTLS bool, mode waf.Mode) (string, *http.Client) {
	b.Helper()
	e, err := New(Options{WAF: mode, MaxBodyBytes: 1 << 20}) // no rate limit: one client makes every request
	if err != nil {
		b.Fatal(err)
	}
	h := httpx.Middleware(e.Wrap(product(1024)), httpx.Options{MaxBodyBytes: 1 << 20, RequestTimeout: 30 * time.Second})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	scheme, tr := "http", &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
	if useTLS {
		dir := b.TempDir()
		if l, err = ListenTLS(context.Background(), TLSOptions{SelfSigned: true, DataDir: dir}, l, slog.New(slog.DiscardHandler)); err != nil {
			b.Fatal(err)
		}
		scheme = "https"
		tr.TLSClientConfig = &tls.Config{RootCAs: trustDevCert(b, dir), ServerName: "localhost"}
		tr.ForceAttemptHTTP2 = false // HTTP/1.1 keep-alive, like the plain runs and wrk
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	b.Cleanup(func() { srv.Close() })
	return scheme + "://" + l.Addr().String() + "/api/v1/products/linen-shirt-blue", &http.Client{Transport: tr}
}

func benchRequests(b *testing.B, url string, client *http.Client) {
	b.Helper()
	var mu sync.Mutex
	var lat []time.Duration
	b.SetParallelism(16)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Accept-Language", "en-GB,en;q=0.8")
		for pb.Next() {
			t0 := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}
