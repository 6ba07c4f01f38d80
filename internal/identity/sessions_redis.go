package identity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

type redisSessions struct {
	rdb    redis.UniversalClient
	prefix string
}

// RedisSessions keeps sessions in Redis under keys starting with prefix (e.g. "pasar:"): one
// JSON value per session that expires with it, and a set per user so disabling an account
// ends all its sessions.
func RedisSessions(rdb redis.UniversalClient, prefix string) SessionStore {
	return redisSessions{rdb: rdb, prefix: prefix}
}

func (s redisSessions) key(hash string) string   { return s.prefix + "session:" + hash }
func (s redisSessions) userKey(id string) string { return s.prefix + "user-sessions:" + id }
func ttlUntil(t time.Time) time.Duration         { return max(time.Until(t), time.Second) }
func (s redisSessions) wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("redis sessions: %s: %w", op, err)
}

func (s redisSessions) Create(ctx context.Context, r SessionRecord) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	ttl := ttlUntil(r.ExpiresAt)
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.key(r.Hash), b, ttl)
		p.SAdd(ctx, s.userKey(r.UserID), r.Hash)
		// The set lives as long as its longest session; stale members are dropped on DeleteUser.
		p.ExpireGT(ctx, s.userKey(r.UserID), ttl)
		p.ExpireNX(ctx, s.userKey(r.UserID), ttl)
		return nil
	})
	return s.wrapErr("create", err)
}

func (s redisSessions) Get(ctx context.Context, hash string) (SessionRecord, error) {
	b, err := s.rdb.Get(ctx, s.key(hash)).Bytes()
	if errors.Is(err, redis.Nil) {
		return SessionRecord{}, ErrNoSession
	}
	if err != nil {
		return SessionRecord{}, s.wrapErr("get", err)
	}
	var r SessionRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return SessionRecord{}, s.wrapErr("decode", err)
	}
	r.Hash = hash
	return r, nil
}

func (s redisSessions) Delete(ctx context.Context, hash string) error {
	r, err := s.Get(ctx, hash)
	if errors.Is(err, ErrNoSession) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, s.key(hash))
		p.SRem(ctx, s.userKey(r.UserID), hash)
		return nil
	})
	return s.wrapErr("delete", err)
}

func (s redisSessions) DeleteUser(ctx context.Context, userID string) error {
	hashes, err := s.rdb.SMembers(ctx, s.userKey(userID)).Result()
	if err != nil {
		return s.wrapErr("list user sessions", err)
	}
	keys := []string{s.userKey(userID)}
	for _, h := range hashes {
		keys = append(keys, s.key(h))
	}
	return s.wrapErr("delete user sessions", s.rdb.Del(ctx, keys...).Err())
}
