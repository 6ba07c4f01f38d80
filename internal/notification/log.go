package notification

import (
	"context"
	"fmt"
	"time"

	"github.com/pasarhq/pasar/internal/platform/auth"
)

// Delivery is one event sent (or being sent) to one endpoint, with its attempts.
type Delivery struct {
	ID            string    `json:"id"` // the webhook-id header
	EventID       string    `json:"event_id"`
	EventType     string    `json:"event_type"`
	Status        string    `json:"status"` // pending, delivered or failed
	Attempts      int       `json:"attempts"`
	NextAttemptAt time.Time `json:"next_attempt_at,omitzero"` // pending only
	LastError     string    `json:"last_error,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	Log           []Attempt `json:"log"`
}

// Attempt is one try at a delivery.
type Attempt struct {
	N          int       `json:"n"`
	At         time.Time `json:"at"`
	StatusCode int       `json:"status_code"` // 0: no answer
	Error      string    `json:"error,omitempty"`
	DurationMS int64     `json:"duration_ms"`
}

// Deliveries returns endpoint id's newest deliveries with their attempts (auth.WebhooksManage);
// a deleted endpoint's log stays readable.
func (s *Service) Deliveries(ctx context.Context, id string, limit int) ([]Delivery, error) {
	if err := auth.Check(ctx, auth.WebhooksManage); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxLimit {
		limit = DefaultLimit
	}
	var n int
	if err := s.d.QueryRowContext(ctx, `SELECT COUNT(*) FROM notification_endpoints WHERE id = $1`, id).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, ErrEndpointNotFound
	}
	rows, err := s.d.QueryContext(ctx, `SELECT id, event_id, event_type, status, attempts, next_at, last_error, created_at,
		updated_at FROM notification_deliveries WHERE endpoint_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, id, limit)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	out := []Delivery{}
	index := map[string]int{}
	for rows.Next() {
		var d Delivery
		var next, created, updated int64
		if err := rows.Scan(&d.ID, &d.EventID, &d.EventType, &d.Status, &d.Attempts, &next, &d.LastError, &created, &updated); err != nil {
			rows.Close()
			return nil, err
		}
		d.CreatedAt, d.UpdatedAt, d.Log = fromMS(created), fromMS(updated), []Attempt{}
		if d.Status == "pending" {
			d.NextAttemptAt = fromMS(next)
		}
		index[d.ID] = len(out)
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	// One query for the attempts of the page's deliveries.
	rows, err = s.d.QueryContext(ctx, `SELECT a.delivery_id, a.n, a.at, a.status_code, a.error, a.duration_ms
		FROM notification_attempts a JOIN notification_deliveries d ON d.id = a.delivery_id
		WHERE d.endpoint_id = $1 AND d.created_at >= $2 ORDER BY a.delivery_id, a.n`, id, ms(out[len(out)-1].CreatedAt))
	if err != nil {
		return nil, fmt.Errorf("list delivery attempts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var did string
		var a Attempt
		var at int64
		if err := rows.Scan(&did, &a.N, &at, &a.StatusCode, &a.Error, &a.DurationMS); err != nil {
			return nil, err
		}
		a.At = fromMS(at)
		if i, ok := index[did]; ok {
			out[i].Log = append(out[i].Log, a)
		}
	}
	return out, rows.Err()
}
