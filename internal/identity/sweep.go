package identity

import (
	"context"
	"fmt"
	"time"
)

// Sweep deletes what can no longer be used: refresh tokens expired for a day (kept that long so
// a reuse just after expiry is still recognised), reset tokens past their expiry, expired SQL
// sessions and abuse counters idle for longer than their window and unlocked. It returns how
// many rows went. The wiring runs it hourly; running it twice at once is harmless.
func (c *Core) Sweep(ctx context.Context) (int64, error) {
	now := c.opts.Now()
	stmts := []struct {
		q   string
		arg int64
	}{
		{`DELETE FROM refresh_tokens WHERE expires_at < $1`, now.Add(-24 * time.Hour).UnixMilli()},
		{`DELETE FROM reset_tokens WHERE expires_at < $1`, now.UnixMilli()},
		{`DELETE FROM sessions WHERE expires_at < $1`, now.UnixMilli()},
		{`DELETE FROM attempt_limits WHERE updated_at < $1 AND locked_until < $1`, now.Add(-c.opts.Limits.Window).UnixMilli()},
	}
	var total int64
	for _, s := range stmts {
		res, err := c.d.ExecContext(ctx, s.q, s.arg)
		if err != nil {
			return total, fmt.Errorf("sweep: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}

// RunSweeper calls Sweep every interval until ctx ends, logging what it removed.
func (c *Core) RunSweeper(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := c.Sweep(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			c.opts.Log.Warn("identity sweep failed", "err", err)
		case n > 0:
			c.opts.Log.Info("identity sweep", "rows_removed", n)
		}
	}
}
