package identity

import (
	"context"
	"fmt"
	"time"

	"github.com/pasarhq/pasar/internal/platform/db"
)

// Limits bound failed sign-ins and reset requests. After Free failures of one key (an account
// or a client address) within Window, each further failure locks that key for Base, doubling
// per failure up to Max; attempts while locked are refused with 429 and Retry-After.
type Limits struct {
	AccountFree int           // free failures per account; default 10
	AddressFree int           // free failures per client address; default 50
	ResetFree   int           // reset mails per account or address; default 5
	Base, Max   time.Duration // first lock and the longest; default 1 s and 15 min
	Window      time.Duration // failures older than this are forgotten; default 15 min
}

// DefaultLimits are the limits Options use unless given others.
var DefaultLimits = Limits{AccountFree: 10, AddressFree: 50, ResetFree: 5, Base: time.Second,
	Max: 15 * time.Minute, Window: 15 * time.Minute}

// limitKey names one counter and how many failures it allows free.
type limitKey struct {
	key  string
	free int
}

func (c *Core) loginKeys(ctx context.Context, email string) []limitKey {
	l := c.opts.Limits
	keys := []limitKey{{"login:acct:" + email, l.AccountFree}}
	if ip := clientIP(ctx); ip != "" {
		keys = append(keys, limitKey{"login:ip:" + ip, l.AddressFree})
	}
	return keys
}

func (c *Core) resetKeys(ctx context.Context, email string) []limitKey {
	l := c.opts.Limits
	keys := []limitKey{{"reset:acct:" + email, l.ResetFree}}
	if ip := clientIP(ctx); ip != "" {
		keys = append(keys, limitKey{"reset:ip:" + ip, l.ResetFree * 4})
	}
	return keys
}

// checkLimits refuses the attempt when any of keys is locked.
func (c *Core) checkLimits(ctx context.Context, keys []limitKey) error {
	now := c.opts.Now().UnixMilli()
	for _, k := range keys {
		var until int64
		err := c.d.QueryRowContext(ctx, `SELECT locked_until FROM attempt_limits WHERE key = $1`, k.key).Scan(&until)
		if err != nil && !isNoRows(err) {
			return fmt.Errorf("check limit: %w", err)
		}
		if until > now {
			return ErrTooManyAttempts.WithCause(RetryAfter(time.Duration(until-now) * time.Millisecond))
		}
	}
	return nil
}

// fail counts a failure against each key and locks those past their free failures.
func (c *Core) fail(ctx context.Context, keys []limitKey) error {
	l, now := c.opts.Limits, c.opts.Now()
	return c.d.InTx(ctx, func(tx *db.Tx) error {
		for _, k := range keys {
			var n int
			err := tx.QueryRowContext(ctx, `INSERT INTO attempt_limits (key, failures, locked_until, updated_at)
				VALUES ($1, 1, 0, $2)
				ON CONFLICT (key) DO UPDATE SET
					failures = CASE WHEN attempt_limits.updated_at < $3 THEN 1 ELSE attempt_limits.failures + 1 END,
					updated_at = $2
				RETURNING failures`, k.key, now.UnixMilli(), now.Add(-l.Window).UnixMilli()).Scan(&n)
			if err != nil {
				return fmt.Errorf("count failure: %w", err)
			}
			if n < k.free {
				continue
			}
			lock := l.Base << min(n-k.free, 20)
			if lock > l.Max || lock <= 0 {
				lock = l.Max
			}
			if _, err := tx.ExecContext(ctx, `UPDATE attempt_limits SET locked_until = $1 WHERE key = $2`,
				now.Add(lock).UnixMilli(), k.key); err != nil {
				return fmt.Errorf("lock: %w", err)
			}
		}
		return nil
	})
}

// clearLimit forgets the failures of key, after a successful sign-in of that account.
func (c *Core) clearLimit(ctx context.Context, key string) error {
	_, err := c.d.ExecContext(ctx, `DELETE FROM attempt_limits WHERE key = $1`, key)
	return wrap("clear limit", err)
}
