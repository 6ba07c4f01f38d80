package ratelimit

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis keeps buckets in Redis, so every replica behind a load balancer draws on the same ones.
// The bucket is a hash (tokens, last refill in microseconds of the Redis clock) updated by one
// script, atomic per key; the key expires once the bucket would be full again.
type Redis struct {
	rdb    redis.Scripter
	prefix string
}

// NewRedis returns a store using rdb, with keys under prefix (e.g. "pasar:ratelimit:").
func NewRedis(rdb redis.Scripter, prefix string) *Redis {
	return &Redis{rdb: rdb, prefix: prefix}
}

// takeScript is refill in Lua, on the Redis server's clock so replicas with skewed clocks agree.
var takeScript = redis.NewScript(`
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'last')
local tokens = tonumber(b[1]) or burst
local last = tonumber(b[2]) or now
if now > last then tokens = tokens + (now - last) * rate / 1000000 end
if tokens > burst then tokens = burst end
local ok, wait = 0, 0
if tokens >= 1 then
  tokens = tokens - 1
  ok = 1
else
  wait = math.ceil((1 - tokens) * 1000000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'last', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * 1000 / rate) + 1000)
return {ok, wait}
`)

// Take implements Store.
func (s *Redis) Take(ctx context.Context, key string, r Rate) (bool, time.Duration, error) {
	res, err := takeScript.Run(ctx, s.rdb, []string{s.prefix + key},
		strconv.FormatFloat(r.PerSecond, 'g', -1, 64), r.Burst).Int64Slice()
	if err != nil {
		return false, 0, fmt.Errorf("rate limit %s: %w", key, err)
	}
	if len(res) != 2 {
		return false, 0, fmt.Errorf("rate limit %s: script answered %v", key, res)
	}
	return res[0] == 1, max(time.Duration(res[1])*time.Microsecond, 0), nil
}
