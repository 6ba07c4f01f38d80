package notification

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/events"
)

// WebhookConsumer is the durable consumer that queues webhook deliveries.
const WebhookConsumer = "notification-webhooks"

// SubscribeWebhooks starts the consumer that queues a delivery per event per endpoint that
// asked for its type. The events waiting together share a transaction (events.SubscribeGrouped):
// a checkout's order.placed and order.paid, and those of concurrent checkouts, commit at once,
// reading the endpoints once. The handler only writes rows (the worker sends them), so a group
// runs without a savepoint per event (events.ConsumerOptions.TxOnly).
func (s *Service) SubscribeWebhooks(ctx context.Context, bus *events.Bus) (*events.Consumer, error) {
	return events.SubscribeGrouped(ctx, bus, s.d, events.ConsumerOptions{Name: WebhookConsumer,
		Types: []string{"order.>", "payment.refunded", "stock.changed"}, Logger: s.o.Logger, TxOnly: true}, s.HandleWebhook)
}

// payload is the body of a delivery (Standard Webhooks): the type, when it happened, and the
// event's own payload.
type payload struct {
	Type      string          `json:"type"`
	Timestamp time.Time       `json:"timestamp"`
	EventID   string          `json:"event_id"`
	Data      json.RawMessage `json:"data"`
}

// HandleWebhook queues ev for each endpoint that wants it, in tx.
func (s *Service) HandleWebhook(ctx context.Context, tx *db.Tx, ev events.Event) error {
	if !slices.Contains(WebhookTypes, ev.Type) {
		return nil
	}
	eps, err := events.Shared(ctx, endpointsKey{}, func() ([]hookEndpoint, error) { return liveEndpoints(ctx, tx) })
	if err != nil {
		return err
	}
	var ids []string
	for _, ep := range eps {
		if slices.Contains(ep.types, "*") || slices.Contains(ep.types, ev.Type) {
			ids = append(ids, ep.id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	body, err := json.Marshal(payload{Type: ev.Type, Timestamp: ev.Time.UTC(), EventID: ev.ID, Data: ev.Data})
	if err != nil {
		return err
	}
	now := ms(s.o.Now())
	for _, ep := range ids {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notification_deliveries (id, endpoint_id, event_id, event_type, payload,
			status, next_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6, $6)
			ON CONFLICT (endpoint_id, event_id) DO NOTHING`, newID("msg_"), ep, ev.ID, ev.Type, string(body), now); err != nil {
			return fmt.Errorf("queue webhook delivery: %w", err)
		}
	}
	tx.AfterCommit(s.nudge)
	return nil
}

// endpointsKey shares the endpoint list among the events of a group (events.Shared).
type endpointsKey struct{}

// hookEndpoint is an endpoint as HandleWebhook needs it: its id and the types it asked for.
type hookEndpoint struct {
	id    string
	types []string
}

// liveEndpoints reads the endpoints not deleted, in tx.
func liveEndpoints(ctx context.Context, tx *db.Tx) ([]hookEndpoint, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, event_types FROM notification_endpoints WHERE deleted_at IS NULL`)
	if err != nil {
		return nil, fmt.Errorf("webhook endpoints: %w", err)
	}
	defer rows.Close()
	var eps []hookEndpoint
	for rows.Next() {
		var ep hookEndpoint
		var raw string
		if err := rows.Scan(&ep.id, &raw); err != nil {
			return nil, fmt.Errorf("webhook endpoints: %w", err)
		}
		if err := json.Unmarshal([]byte(raw), &ep.types); err != nil {
			return nil, fmt.Errorf("webhook endpoint %s: %w", ep.id, err)
		}
		eps = append(eps, ep)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("webhook endpoints: %w", err)
	}
	return eps, nil
}

// Sign returns the webhook-signature header value for a delivery: "v1," and the base64
// HMAC-SHA256, under the secret's key, of "id.timestamp.body" (Standard Webhooks).
func Sign(secret, id string, timestamp int64, body []byte) (string, error) {
	key, err := secretKey(secret)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + strconv.FormatInt(timestamp, 10) + "."))
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

// Lease is how long a worker owns a delivery it is sending; a worker that dies mid-send leaves
// it to another (or the next start) after this.
const lease = 2 * time.Minute

// batch is how many due deliveries the worker takes at a time, and sends at once.
const batch = 16

// RunWorker sends due webhook deliveries until ctx is done. Several workers (replicas) may run
// on one store: each claims a delivery before sending it.
func (s *Service) RunWorker(ctx context.Context) {
	t := time.NewTicker(s.o.Poll)
	defer t.Stop()
	for {
		for {
			n, err := s.sendDue(ctx)
			if err != nil && ctx.Err() == nil {
				s.o.Logger.Error("webhook worker", "error", err)
			}
			if n < batch || err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}

type due struct {
	id, endpoint, body string
	attempts           int
	nextAt             int64
}

// sendDue claims and sends up to batch deliveries that are due, and reports how many it took.
func (s *Service) sendDue(ctx context.Context) (int, error) {
	now := ms(s.o.Now())
	rows, err := s.d.QueryContext(ctx, `SELECT id, endpoint_id, payload, attempts, next_at FROM notification_deliveries
		WHERE status = 'pending' AND next_at <= $1 ORDER BY next_at LIMIT $2`, now, batch)
	if err != nil {
		return 0, err
	}
	var list []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.endpoint, &d.body, &d.attempts, &d.nextAt); err != nil {
			rows.Close()
			return 0, err
		}
		list = append(list, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	for _, d := range list {
		// The claim moves next_at past the lease only if nobody moved it first.
		res, err := s.d.ExecContext(ctx, `UPDATE notification_deliveries SET next_at = $1
			WHERE id = $2 AND status = 'pending' AND next_at = $3`, now+lease.Milliseconds(), d.id, d.nextAt)
		if err != nil {
			return len(list), err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			continue
		}
		wg.Go(func() { s.attempt(context.WithoutCancel(ctx), d) })
	}
	wg.Wait()
	return len(list), nil
}

// attempt sends delivery d once and records the outcome.
func (s *Service) attempt(ctx context.Context, d due) {
	var url, secret string
	var deleted *int64
	err := s.d.QueryRowContext(ctx, `SELECT url, secret, deleted_at FROM notification_endpoints WHERE id = $1`, d.endpoint).
		Scan(&url, &secret, &deleted)
	if err != nil || deleted != nil {
		s.finish(ctx, d, 0, 0, "endpoint deleted", true)
		return
	}
	start := s.o.Now()
	code, sendErr := s.post(ctx, url, secret, d)
	took := s.o.Now().Sub(start)
	msg := ""
	if sendErr != nil {
		msg = sendErr.Error()
	}
	s.finish(ctx, d, code, took, msg, false)
}

// post sends one attempt and returns the answer's status code; a non-2xx answer is an error.
func (s *Service) post(ctx context.Context, url, secret string, d due) (int, error) {
	ts := s.o.Now().Unix()
	sig, err := Sign(secret, d.id, ts, []byte(d.body))
	if err != nil {
		return 0, fmt.Errorf("endpoint secret: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader([]byte(d.body)))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Pasar-Webhooks/1")
	req.Header.Set("webhook-id", d.id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := s.o.HTTPClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("endpoint answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}

// finish records attempt d.attempts+1 and moves the delivery on: delivered, failed for good
// (giveUp, or out of attempts), or due again after the backoff.
func (s *Service) finish(ctx context.Context, d due, code int, took time.Duration, msg string, giveUp bool) {
	now := s.o.Now()
	n := d.attempts + 1
	status, next := "delivered", ms(now)
	switch {
	case msg == "":
	case giveUp || n >= s.o.MaxAttempts:
		status = "failed"
	default:
		status, next = "pending", ms(now.Add(s.o.Backoff(n)))
	}
	err := s.d.InTx(ctx, func(tx *db.Tx) error {
		if !giveUp {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notification_attempts (delivery_id, n, at, status_code, error, duration_ms)
				VALUES ($1, $2, $3, $4, $5, $6)`, d.id, n, ms(now), code, truncate(msg, 500), took.Milliseconds()); err != nil {
				return err
			}
		} else {
			n = d.attempts
		}
		_, err := tx.ExecContext(ctx, `UPDATE notification_deliveries SET status = $1, attempts = $2, next_at = $3,
			last_error = $4, updated_at = $5 WHERE id = $6`, status, n, next, truncate(msg, 500), ms(now), d.id)
		return err
	})
	if err != nil {
		// The lease runs out and the delivery is tried again: at least once.
		s.o.Logger.Error("record webhook attempt", "delivery", d.id, "error", err)
		return
	}
	if status == "failed" {
		s.o.Logger.Warn("webhook delivery failed for good", "delivery", d.id, "endpoint", d.endpoint, "attempts", n, "error", msg)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
