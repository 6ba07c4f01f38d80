package cart

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisStore keeps carts in Redis: one JSON value per cart that expires TTL after its last
// change, and per customer and currency a pointer to their latest cart, expiring with it.
// Updates are optimistic transactions (WATCH/MULTI), retried when another writer got there first.
type RedisStore struct {
	rdb    redis.UniversalClient
	prefix string
	ttl    time.Duration
}

var _ Store = (*RedisStore)(nil)

// NewRedisStore returns a store under keys starting with prefix (e.g. "pasar:") whose carts
// live ttl after their last change.
func NewRedisStore(rdb redis.UniversalClient, prefix string, ttl time.Duration) *RedisStore {
	return &RedisStore{rdb: rdb, prefix: prefix, ttl: ttl}
}

func (s *RedisStore) key(id string) string { return s.prefix + "cart:" + id }
func (s *RedisStore) customerKey(customer, currency string) string {
	return s.prefix + "customer-cart:" + currency + ":" + customer
}

// Create implements Store.
func (s *RedisStore) Create(ctx context.Context, c Cart) error {
	c.Version = 1
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.key(c.ID), b, s.ttl)
		if c.CustomerID != "" {
			p.Set(ctx, s.customerKey(c.CustomerID, c.Currency), c.ID, s.ttl)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis carts: create: %w", err)
	}
	return nil
}

// Get implements Store.
func (s *RedisStore) Get(ctx context.Context, id string) (Cart, error) {
	return s.get(ctx, s.rdb, id)
}

func (s *RedisStore) get(ctx context.Context, c redis.Cmdable, id string) (Cart, error) {
	b, err := c.Get(ctx, s.key(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return Cart{}, ErrNotFound
	}
	if err != nil {
		return Cart{}, fmt.Errorf("redis carts: get: %w", err)
	}
	var cart Cart
	if err := json.Unmarshal(b, &cart); err != nil {
		return Cart{}, fmt.Errorf("redis carts: decode: %w", err)
	}
	return cart, nil
}

// Update implements Store.
func (s *RedisStore) Update(ctx context.Context, id string, fn func(*Cart) error) (Cart, error) {
	var out Cart
	txf := func(tx *redis.Tx) error {
		c, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := fn(&c); err != nil {
			return err
		}
		c.Version++
		b, err := json.Marshal(c)
		if err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, s.key(id), b, s.ttl)
			if c.CustomerID != "" {
				p.Set(ctx, s.customerKey(c.CustomerID, c.Currency), c.ID, s.ttl)
			}
			return nil
		})
		out = c
		return err
	}
	for attempt := 1; attempt <= maxUpdateAttempts; attempt++ {
		err := s.rdb.Watch(ctx, txf, s.key(id))
		if !errors.Is(err, redis.TxFailedErr) {
			if err != nil && !errors.Is(err, ErrNotFound) && !isAppErr(err) {
				return Cart{}, fmt.Errorf("redis carts: update: %w", err)
			}
			return out, err
		}
		if err := backoff(ctx, attempt); err != nil {
			return Cart{}, err
		}
	}
	return Cart{}, ErrContention
}

// Take implements Store.
func (s *RedisStore) Take(ctx context.Context, id string) (Cart, error) {
	b, err := s.rdb.GetDel(ctx, s.key(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return Cart{}, ErrNotFound
	}
	if err != nil {
		return Cart{}, fmt.Errorf("redis carts: take: %w", err)
	}
	var c Cart
	if err := json.Unmarshal(b, &c); err != nil {
		return Cart{}, fmt.Errorf("redis carts: decode: %w", err)
	}
	return c, nil
}

// Remove implements Store. A customer's cart is read first to check its owner; a service's is
// deleted blind.
func (s *RedisStore) Remove(ctx context.Context, id, customerID string, anyOwner bool) error {
	if !anyOwner {
		c, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		if c.CustomerID != "" && c.CustomerID != customerID {
			return ErrNotFound
		}
	}
	n, err := s.rdb.Del(ctx, s.key(id)).Result()
	if err != nil {
		return fmt.Errorf("redis carts: remove: %w", err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// CustomerCart implements Store. The pointer may name a cart since taken or expired; that is
// the same as no cart.
func (s *RedisStore) CustomerCart(ctx context.Context, customerID, currency string) (Cart, error) {
	if customerID == "" {
		return Cart{}, ErrNotFound
	}
	id, err := s.rdb.Get(ctx, s.customerKey(customerID, currency)).Result()
	if errors.Is(err, redis.Nil) {
		return Cart{}, ErrNotFound
	}
	if err != nil {
		return Cart{}, fmt.Errorf("redis carts: customer cart: %w", err)
	}
	c, err := s.Get(ctx, id)
	if err == nil && c.CustomerID != customerID {
		return Cart{}, ErrNotFound
	}
	return c, err
}
