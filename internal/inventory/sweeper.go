package inventory

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/pasarhq/pasar/internal/platform/db"
)

// sweepBatch bounds the expired reservations one sweep reads; the next sweep takes the rest.
const sweepBatch = 200

// ReleaseExpired releases every held reservation whose expiry has passed, each in its own
// transaction (so one sweep never holds the writer long), and returns how many it released.
// Reservations released meanwhile by Release or Commit are skipped, not released twice.
func (c *Core) ReleaseExpired(ctx context.Context) (int, error) {
	total := 0
	for {
		rows, err := c.d.QueryContext(ctx, `SELECT order_id FROM inventory_reservations
			WHERE status = $1 AND expires_at <= $2 ORDER BY expires_at LIMIT $3`, Held, ms(c.now()), sweepBatch)
		if err != nil {
			return total, fmt.Errorf("sweep: %w", err)
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return total, fmt.Errorf("sweep: %w", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return total, fmt.Errorf("sweep: %w", err)
		}
		for _, id := range ids {
			var ok bool
			err := c.d.InTx(ctx, func(tx *db.Tx) error {
				var err error
				ok, err = c.unhold(ctx, tx, id, Expired)
				return err
			})
			if err != nil {
				return total, fmt.Errorf("sweep %s: %w", id, err)
			}
			if ok {
				total++
			}
		}
		if len(ids) < sweepBatch {
			return total, nil
		}
	}
}

// RunSweeper calls ReleaseExpired every interval until ctx ends, logging failures (the next
// round retries them).
func (c *Core) RunSweeper(ctx context.Context, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := c.ReleaseExpired(ctx)
		if err != nil && ctx.Err() == nil {
			log.Warn("inventory sweep failed", "error", err)
		}
		if n > 0 {
			log.Info("released expired reservations", "count", n)
		}
	}
}
