package ratelimit

import (
	"context"
	"crypto/rand"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// stores runs fn against every Store: Memory, and Redis when PASAR_TEST_REDIS_URL is set, each
// with its own key space.
func stores(t *testing.T, fn func(t *testing.T, s Store)) {
	t.Helper()
	t.Run("memory", func(t *testing.T) {
		t.Parallel()
		fn(t, NewMemory(nil))
	})
	t.Run("redis", func(t *testing.T) {
		t.Parallel()
		fn(t, testRedis(t))
	})
}

func testRedis(t *testing.T) *Redis {
	t.Helper()
	u := os.Getenv("PASAR_TEST_REDIS_URL")
	if u == "" {
		t.Skip("PASAR_TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/0)")
	}
	opt, err := redis.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	prefix := "pasar-test:" + t.Name() + ":" + rand.Text() + ":"
	t.Cleanup(func() {
		// Leave nothing behind in the shared server, not even keys that would expire.
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		rdb.Close()
	})
	return NewRedis(rdb, prefix)
}

func TestStoreBurstThenRefuse(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, s Store) {
		for _, tc := range []struct {
			name string
			rate Rate
		}{
			{"burst 1", Rate{PerSecond: 2, Burst: 1}},
			{"burst 5", Rate{PerSecond: 1, Burst: 5}},
			{"fractional rate", Rate{PerSecond: 0.5, Burst: 3}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				for i := range tc.rate.Burst {
					if ok, _, err := s.Take(ctx, tc.name, tc.rate); err != nil || !ok {
						t.Fatalf("take %d of a burst of %d: ok=%v err=%v", i+1, tc.rate.Burst, ok, err)
					}
				}
				ok, retry, err := s.Take(ctx, tc.name, tc.rate)
				if err != nil || ok {
					t.Fatalf("take past the burst: ok=%v err=%v", ok, err)
				}
				perToken := time.Duration(float64(time.Second) / tc.rate.PerSecond)
				if retry <= 0 || retry > perToken {
					t.Errorf("retry after %v, want within (0, %v]", retry, perToken)
				}
			})
		}
	})
}

func TestStoreRefills(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, s Store) {
		ctx, r := context.Background(), Rate{PerSecond: 20, Burst: 2}
		for range 2 {
			if ok, _, _ := s.Take(ctx, "k", r); !ok {
				t.Fatal("burst refused")
			}
		}
		ok, retry, _ := s.Take(ctx, "k", r)
		if ok {
			t.Fatal("empty bucket served")
		}
		time.Sleep(retry + 20*time.Millisecond)
		if ok, _, err := s.Take(ctx, "k", r); !ok || err != nil {
			t.Fatalf("after %v: ok=%v err=%v, want a refilled token", retry, ok, err)
		}
	})
}

func TestStoreKeysAreIndependent(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, s Store) {
		ctx, r := context.Background(), Rate{PerSecond: 0.1, Burst: 1}
		if ok, _, _ := s.Take(ctx, "a", r); !ok {
			t.Fatal("a refused")
		}
		if ok, _, _ := s.Take(ctx, "a", r); ok {
			t.Fatal("a served twice")
		}
		if ok, _, _ := s.Take(ctx, "b", r); !ok {
			t.Fatal("b refused because of a")
		}
	})
}

func TestMemorySweepDropsFullBuckets(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	m := NewMemory(func() time.Time { return now })
	r := Rate{PerSecond: 1, Burst: 10}
	for _, k := range []string{"a", "b", "c", "d"} {
		_, _, _ = m.Take(context.Background(), k, r)
	}
	if m.Len() != 4 {
		t.Fatalf("%d buckets, want 4", m.Len())
	}
	now = now.Add(2 * sweepEvery) // every bucket has long refilled
	_, _, _ = m.Take(context.Background(), "e", r)
	if n := m.Len(); n > 4 {
		t.Errorf("%d buckets after the sweep window, want the refilled ones dropped", n)
	}
}
