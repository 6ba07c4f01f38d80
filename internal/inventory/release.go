package inventory

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/pasarhq/pasar/internal/platform/db"
)

// Release returns a held reservation's units to available.
func (c *Core) Release(ctx context.Context, orderID string) error {
	if err := checkSKU("order_id", orderID); err != nil {
		return err
	}
	return c.d.InTx(ctx, func(tx *db.Tx) error {
		ok, err := c.unhold(ctx, tx, orderID, Released)
		if err != nil || ok {
			return err
		}
		r, found, err := getReservation(ctx, tx, orderID)
		switch {
		case err != nil:
			return err
		case !found:
			return ErrReservationNotFound
		case r.Status == Committed:
			return ErrReservationCommitted
		}
		return nil // already released or expired
	})
}

// Commit turns a held, unexpired reservation into a sale.
func (c *Core) Commit(ctx context.Context, orderID string) error {
	if err := checkSKU("order_id", orderID); err != nil {
		return err
	}
	if c.d.Engine() == db.Postgres {
		done, err := commitAll(ctx, c.d, orderID, ms(c.now()))
		if err != nil {
			return fmt.Errorf("commit %s: %w", orderID, err)
		}
		if done {
			return nil
		}
	}
	expired := false
	err := c.d.InTx(ctx, func(tx *db.Tx) error {
		expired = false
		now := ms(c.now())
		var raw string
		err := tx.QueryRowContext(ctx, `UPDATE inventory_reservations SET status = $1, updated_at = $2
			WHERE order_id = $3 AND status = $4 AND expires_at > $2 RETURNING lines`,
			Committed, now, orderID, Held).Scan(&raw)
		if err == nil {
			return sell(ctx, tx, raw, now)
		}
		if !isNoRows(err) {
			return fmt.Errorf("commit %s: %w", orderID, err)
		}
		r, found, err := getReservation(ctx, tx, orderID)
		switch {
		case err != nil:
			return err
		case !found:
			return ErrReservationNotFound
		case r.Status == Committed:
			return nil
		case r.Status == Released:
			return ErrReservationReleased
		case r.Status == Held: // past its expiry, not yet swept: release it now
			if _, err := c.unhold(ctx, tx, orderID, Expired); err != nil {
				return err
			}
		}
		expired = true
		return nil
	})
	if err == nil && expired {
		return ErrReservationExpired
	}
	return err
}

// sell takes the reserved lines out of on hand and reserved alike, so available is unchanged.
func sell(ctx context.Context, tx *db.Tx, raw string, now int64) error {
	lines, err := lockOrder(raw)
	if err != nil {
		return fmt.Errorf("commit: reservation lines: %w", err)
	}
	if err := writeRows(ctx, tx, lines, "on_hand = s.on_hand - %[1]s, reserved = s.reserved - %[1]s", now); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// unhold moves orderID's reservation from held to status and returns its units. It reports
// false, changing nothing, when the reservation is not held: the conditional UPDATE lets exactly
// one of a racing Release, Commit and sweeper act on it.
func (c *Core) unhold(ctx context.Context, tx *db.Tx, orderID string, status ReservationStatus) (bool, error) {
	now := ms(c.now())
	var raw string
	err := tx.QueryRowContext(ctx, `UPDATE inventory_reservations SET status = $1, updated_at = $2
		WHERE order_id = $3 AND status = $4 RETURNING lines`, status, now, orderID, Held).Scan(&raw)
	if isNoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("release %s: %w", orderID, err)
	}
	lines, err := lockOrder(raw)
	if err != nil {
		return false, fmt.Errorf("release %s: lines: %w", orderID, err)
	}
	if err := writeRows(ctx, tx, lines, "reserved = s.reserved - %[1]s", now); err != nil {
		return false, fmt.Errorf("release %s: %w", orderID, err)
	}
	delta := make(map[string]int64, len(lines))
	for _, l := range lines {
		delta[l.SKU] += l.Quantity
	}
	return true, c.publishFlips(ctx, tx, delta, string(status))
}

// Reservation returns the reservation of orderID.
func (c *Core) Reservation(ctx context.Context, orderID string) (Reservation, error) {
	if err := checkSKU("order_id", orderID); err != nil {
		return Reservation{}, err
	}
	r, found, err := getReservation(ctx, c.d, orderID)
	if err == nil && !found {
		err = ErrReservationNotFound
	}
	return r, err
}

func getReservation(ctx context.Context, q db.Querier, orderID string) (Reservation, bool, error) {
	r := Reservation{OrderID: orderID}
	var raw string
	var exp, created, updated int64
	err := q.QueryRowContext(ctx, `SELECT status, lines, expires_at, created_at, updated_at
		FROM inventory_reservations WHERE order_id = $1`, orderID).Scan(&r.Status, &raw, &exp, &created, &updated)
	if isNoRows(err) {
		return Reservation{}, false, nil
	}
	if err != nil {
		return Reservation{}, false, fmt.Errorf("reservation %s: %w", orderID, err)
	}
	if err := json.Unmarshal([]byte(raw), &r.Lines); err != nil {
		return Reservation{}, false, fmt.Errorf("reservation %s: lines: %w", orderID, err)
	}
	r.ExpiresAt, r.CreatedAt, r.UpdatedAt = fromMS(exp), fromMS(created), fromMS(updated)
	return r, true, nil
}

// lockOrder decodes a reservation's lines merged per stock row, sorted by SKU and warehouse: the
// order Reserve locks stock rows in, so a commit or release never waits on a reservation that
// waits on it (PostgreSQL reported deadlocks between checkouts when commits went in basket order).
func lockOrder(raw string) ([]Line, error) {
	var lines []Line
	if err := json.Unmarshal([]byte(raw), &lines); err != nil {
		return nil, err
	}
	return merged(lines), nil
}
