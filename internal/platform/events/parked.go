package events

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pasarhq/pasar/internal/platform/db"
)

// ParkedEvent is an event a consumer gave up on after its attempts ran out, kept with the last
// error so an operator can see what failed and why.
type ParkedEvent struct {
	Consumer  string          `json:"consumer"`
	EventID   string          `json:"event_id"`
	Type      string          `json:"type"`
	Payload   json.RawMessage `json:"payload"` // the whole event as delivered
	LastError string          `json:"last_error"`
	Attempts  int             `json:"attempts"`
	ParkedAt  time.Time       `json:"parked_at"`
}

// Parked lists the events parked in store d, oldest first.
func Parked(ctx context.Context, d *db.DB) ([]ParkedEvent, error) {
	rows, err := d.QueryContext(ctx, `SELECT consumer, event_id, type, payload, last_error, attempts,
		parked_at FROM events_parked ORDER BY parked_at, consumer, event_id`)
	if err != nil {
		return nil, fmt.Errorf("events: parked: %w", err)
	}
	defer rows.Close()
	var out []ParkedEvent
	for rows.Next() {
		var (
			p       ParkedEvent
			payload string
			at      int64
		)
		if err := rows.Scan(&p.Consumer, &p.EventID, &p.Type, &payload, &p.LastError, &p.Attempts, &at); err != nil {
			return nil, fmt.Errorf("events: parked: %w", err)
		}
		p.Payload = json.RawMessage(payload)
		p.ParkedAt = time.UnixMilli(at).UTC()
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("events: parked: %w", err)
	}
	return out, nil
}

// pruneEvery is how often a consumer forgets old processed-event ids.
const pruneEvery = time.Hour

// pruneLoop deletes this consumer's processed-event ids older than processedRetention, at start
// and then hourly, so the dedupe table stays small.
func (c *Consumer) pruneLoop(ctx context.Context) {
	t := time.NewTicker(pruneEvery)
	defer t.Stop()
	for {
		cutoff := time.Now().Add(-processedRetention).UnixMilli()
		res, err := c.d.ExecContext(ctx, `DELETE FROM events_processed
			WHERE consumer = $1 AND processed_at < $2`, c.o.Name, cutoff)
		switch {
		case err != nil && ctx.Err() == nil:
			c.log.Warn("events: prune processed events", "err", err)
		case err == nil:
			if n, _ := res.RowsAffected(); n > 0 {
				c.log.Debug("events: pruned processed events", "rows", n)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
