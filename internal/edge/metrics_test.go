package edge

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/pasarhq/pasar/internal/edge/ratelimit"
	"github.com/pasarhq/pasar/internal/edge/waf"
)

// TestRefusalsCounted: what the edge refuses never reaches a route's metrics, so it is counted
// on its own: WAF blocks and detections, and 429s per limit, each series present at 0 first.
func TestRefusalsCounted(t *testing.T) {
	t.Parallel()
	for _, mode := range []waf.Mode{waf.Block, waf.Detect} {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			reg := prometheus.NewRegistry()
			e, err := New(Options{WAF: mode, MaxBodyBytes: 1 << 20, Registerer: reg,
				ClientRate: ratelimit.Rate{PerSecond: 0.01, Burst: 3}})
			if err != nil {
				t.Fatal(err)
			}
			count := func(c *prometheus.CounterVec, label string) float64 {
				return testutil.ToFloat64(c.WithLabelValues(label))
			}
			m := newMetrics(reg) // the registered series, lent back
			if n := testutil.CollectAndCount(reg); n != 4 {
				t.Fatalf("%d series before any request, want 4 at 0", n)
			}
			h := chain(e, product(100))
			send := func(target string) int {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
				return rec.Code
			}
			attack := send("/api/v1/search?q=%3Cscript%3Ealert(1)%3C/script%3E")
			want := map[string]float64{"blocked": 1, "detected": 0}
			wantStatus := http.StatusForbidden
			if mode == waf.Detect {
				want = map[string]float64{"blocked": 0, "detected": 1}
				wantStatus = http.StatusOK
			}
			if attack != wantStatus {
				t.Fatalf("attack answered %d, want %d", attack, wantStatus)
			}
			for action, n := range want {
				if got := count(m.waf, action); got != n {
					t.Errorf("waf %s = %v, want %v", action, got, n)
				}
			}
			if count(m.limited, "client") != 0 {
				t.Error("rate limit counted before any refusal")
			}
			refused := 0
			for range 6 { // a burst of 3, one taken by the attack
				if send("/api/v1/products") == http.StatusTooManyRequests {
					refused++
				}
			}
			if refused != 4 {
				t.Fatalf("%d of 6 requests refused, want 4", refused)
			}
			if got := count(m.limited, "client"); got != 4 {
				t.Errorf("client refusals = %v, want 4", got)
			}
		})
	}
}
