package edge

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/pasarhq/pasar/internal/edge/ratelimit"
	"github.com/pasarhq/pasar/internal/edge/waf"
)

// TestReplicasShareLimitsInRedis runs two edges, as two gateway replicas would, on one Redis:
// a client's burst is spent across both, and its next request is refused by either.
func TestReplicasShareLimitsInRedis(t *testing.T) {
	t.Parallel()
	url := os.Getenv("PASAR_TEST_REDIS_URL")
	if url == "" {
		t.Skip("PASAR_TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/0)")
	}
	prefix := "pasar-test:" + t.Name() + ":" + rand.Text() + ":"
	t.Cleanup(func() { deleteKeys(t, url, prefix) })
	o := Options{WAF: waf.Off, RedisURL: url, RedisPrefix: prefix,
		ClientRate: ratelimit.Rate{PerSecond: 0.01, Burst: 4}}
	var replicas []http.Handler
	for range 2 {
		e, err := New(o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		replicas = append(replicas, chain(e, product(10)))
	}
	var got []int
	for i := range 6 {
		req := httptest.NewRequest("GET", "/api/v1/products", nil)
		req.RemoteAddr = "198.51.100.23:4000"
		rec := httptest.NewRecorder()
		replicas[i%2].ServeHTTP(rec, req)
		got = append(got, rec.Code)
	}
	want := []int{200, 200, 200, 200, 429, 429}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("statuses %v, want %v: the replicas do not share the bucket", got, want)
		}
	}
}

// deleteKeys removes the keys under prefix, so the shared server keeps nothing of the test.
func deleteKeys(t *testing.T, url, prefix string) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Error(err)
		return
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
}
