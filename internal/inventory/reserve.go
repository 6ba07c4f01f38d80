package inventory

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/db"
)

// Reserve holds every line for orderID until ttl has passed, or none.
//
// Stock is taken by conditional UPDATEs (reserved grows only WHERE on_hand - reserved >= quantity),
// so whatever the concurrency, a unit is held at most once: on PostgreSQL the row lock makes a
// second writer re-check the condition against the first one's result, and SQLite has a single
// writer. On PostgreSQL the usual basket, plenty left of every line where it asks for it, is
// taken in one statement (takeAll); any other goes line by line. Either way rows are locked in
// SKU order, so two orders sharing SKUs lock them in the same order and cannot deadlock. Any
// short line rolls the whole transaction back.
func (c *Core) Reserve(ctx context.Context, orderID string, lines []Line, ttl time.Duration) (Reservation, error) {
	if err := checkReservation(orderID, lines, ttl); err != nil {
		return Reservation{}, err
	}
	var out Reservation
	var err error
	held := false
	if c.d.Engine() == db.Postgres {
		out, held, err = c.holdAll(ctx, orderID, lines, ttl)
	}
	if err == nil && !held {
		err = c.d.InTx(ctx, func(tx *db.Tx) (err error) {
			out, err = c.hold(ctx, tx, orderID, lines, ttl)
			return err
		})
	}
	if err == nil {
		return out, nil
	}
	// The order may hold a reservation already (a retried saga step): then the insert collided,
	// or its own held units made the stock look short. Looking only after a failure keeps the
	// common path to the writes alone.
	prev, found, rerr := getReservation(ctx, c.d, orderID)
	switch {
	case rerr != nil || !found:
		return Reservation{}, err
	case prev.Status == Held && sameLines(prev.Lines, lines):
		return prev, nil
	default:
		return Reservation{}, ErrReservationExists
	}
}

// holdAll holds the usual basket, plenty left of every line where it asks for it, and records
// its reservation in one statement on PostgreSQL: one round trip and no transaction. It reports
// false, having changed nothing, for any other basket, which hold then takes line by line.
func (c *Core) holdAll(ctx context.Context, orderID string, lines []Line, ttl time.Duration) (Reservation, bool, error) {
	held := slices.Clone(lines)
	for i := range held {
		if held[i].Warehouse == "" {
			held[i].Warehouse = DefaultWarehouse
		}
	}
	r, raw, err := newReservation(orderID, held, c.now().UTC().Truncate(time.Millisecond), ttl)
	if err != nil {
		return Reservation{}, false, err
	}
	// Nothing was near its threshold when it is taken, so no SKU's in_stock or low_stock flips.
	ok, err := takeAll(ctx, c.d, merged(held), ms(r.CreatedAt), r, raw)
	if err != nil {
		return Reservation{}, false, fmt.Errorf("reserve %s: %w", orderID, err)
	}
	return r, ok, nil
}

// hold takes the stock for every line in tx, line by line, and records the reservation.
func (c *Core) hold(ctx context.Context, tx *db.Tx, orderID string, lines []Line, ttl time.Duration) (Reservation, error) {
	now := c.now().UTC().Truncate(time.Millisecond)
	held := slices.Clone(lines)
	order := make([]int, len(lines))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := strings.Compare(lines[a].SKU, lines[b].SKU); c != 0 {
			return c
		}
		return strings.Compare(lines[a].Warehouse, lines[b].Warehouse) // the order lockOrder uses
	})
	var short, unknownFields []apperr.FieldError
	var unknown, shortSKUs []string
	delta := make(map[string]int64, len(lines))
	for _, i := range order {
		l := lines[i]
		w, near, err := reserveLine(ctx, tx, l, ms(now))
		if err != nil {
			return Reservation{}, err
		}
		if w != "" {
			held[i].Warehouse = w
			if near { // only then can the SKU's in_stock or low_stock have flipped
				delta[l.SKU] -= l.Quantity
			}
			continue
		}
		avail, known, err := availableIn(ctx, tx, l)
		if err != nil {
			return Reservation{}, err
		}
		if !known {
			unknown = append(unknown, l.SKU)
			unknownFields = append(unknownFields, apperr.FieldError{Field: fmt.Sprintf("lines[%d].sku", i),
				Detail: "the inventory has no SKU " + l.SKU})
			continue
		}
		shortSKUs = append(shortSKUs, l.SKU)
		short = append(short, apperr.FieldError{Field: fmt.Sprintf("lines[%d].quantity", i),
			Detail: fmt.Sprintf("only %d of %s available", max(avail, 0), l.SKU)})
	}
	switch {
	case len(unknown) > 0:
		e := ErrUnknownSKU.WithMessage("The inventory has no SKU " + strings.Join(unknown, ", ") + ".")
		e.Fields = unknownFields
		return Reservation{}, e
	case len(short) > 0:
		e := ErrOutOfStock.WithMessage("Not enough stock for " + strings.Join(shortSKUs, ", ") + ".")
		e.Fields = short
		return Reservation{}, e
	}
	r, raw, err := newReservation(orderID, held, now, ttl)
	if err != nil {
		return Reservation{}, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO inventory_reservations
		(order_id, status, lines, expires_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`,
		orderID, Held, raw, ms(r.ExpiresAt), ms(r.CreatedAt)); err != nil {
		return Reservation{}, fmt.Errorf("reserve %s: %w", orderID, err)
	}
	return r, c.publishFlips(ctx, tx, delta, "reserved")
}

// newReservation returns the reservation of orderID holding held (each line with its warehouse)
// from now for ttl, and its lines as stored (JSON).
func newReservation(orderID string, held []Line, now time.Time, ttl time.Duration) (Reservation, string, error) {
	raw, err := json.Marshal(held)
	if err != nil {
		return Reservation{}, "", fmt.Errorf("reserve %s: %w", orderID, err)
	}
	return Reservation{OrderID: orderID, Status: Held, Lines: held, ExpiresAt: now.Add(ttl),
		CreatedAt: now, UpdatedAt: now}, string(raw), nil
}

// reserveLine holds l in its warehouse, or with none named in DefaultWarehouse or else the first
// other warehouse that has it all. It returns the warehouse, or "" when none could, and whether
// what is left there is at or below the SKU's low-stock threshold.
func reserveLine(ctx context.Context, tx *db.Tx, l Line, now int64) (string, bool, error) {
	first := l.Warehouse
	if first == "" {
		first = DefaultWarehouse
	}
	ok, near, err := take(ctx, tx, l.SKU, first, l.Quantity, now)
	if ok || err != nil || l.Warehouse != "" {
		return cond(ok, first), near, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT warehouse FROM inventory_stock
		WHERE sku = $1 AND warehouse <> $2 AND on_hand - reserved >= $3 ORDER BY warehouse`,
		l.SKU, DefaultWarehouse, l.Quantity)
	if err != nil {
		return "", false, fmt.Errorf("reserve %s: %w", l.SKU, err)
	}
	var candidates []string
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			rows.Close()
			return "", false, fmt.Errorf("reserve %s: %w", l.SKU, err)
		}
		candidates = append(candidates, w)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", false, fmt.Errorf("reserve %s: %w", l.SKU, err)
	}
	for _, w := range candidates {
		// The candidate was read without a lock; take re-checks under one.
		if ok, near, err := take(ctx, tx, l.SKU, w, l.Quantity, now); ok || err != nil {
			return cond(ok, w), near, err
		}
	}
	return "", false, nil
}

// take reserves q units of sku in warehouse w if that many are available there. near reports
// whether the warehouse is left at or below the SKU's low-stock threshold (a copy of which each
// stock row carries): only then can the SKU's in_stock or low_stock have flipped, since its total
// is at least the warehouse's. The first statement serves the usual case, plenty left, in one
// plain UPDATE; RETURNING would tell the same but costs SQLite about twice as much to prepare.
func take(ctx context.Context, tx *db.Tx, sku, w string, q, now int64) (ok, near bool, err error) {
	for i, guard := range []string{"on_hand - reserved - $1 > low_stock_threshold", "on_hand - reserved >= $1"} {
		res, err := tx.ExecContext(ctx, `UPDATE inventory_stock SET reserved = reserved + $1, updated_at = $2
			WHERE sku = $3 AND warehouse = $4 AND `+guard, q, now, sku, w)
		if err != nil {
			return false, false, fmt.Errorf("reserve %s: %w", sku, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return false, false, fmt.Errorf("reserve %s: %w", sku, err)
		}
		if n == 1 {
			return true, i == 1, nil
		}
	}
	return false, false, nil
}

// availableIn reports what is available for l (in its warehouse, or the best single warehouse)
// and whether the SKU is known at all, to say why a line could not be held.
func availableIn(ctx context.Context, tx *db.Tx, l Line) (int64, bool, error) {
	q := `SELECT MAX(on_hand - reserved), COUNT(*) FROM inventory_stock WHERE sku = $1`
	args := []any{l.SKU}
	if l.Warehouse != "" {
		q += ` AND warehouse = $2`
		args = append(args, l.Warehouse)
	}
	var avail *int64
	var n int64
	if err := tx.QueryRowContext(ctx, q, args...).Scan(&avail, &n); err != nil {
		return 0, false, fmt.Errorf("reserve %s: %w", l.SKU, err)
	}
	if n == 0 {
		if l.Warehouse == "" {
			return 0, false, nil
		}
		// Known SKU, but not stocked in that warehouse: nothing available there.
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM inventory_skus WHERE sku = $1`, l.SKU).Scan(&one)
		if isNoRows(err) {
			return 0, false, nil
		}
		return 0, err == nil, err
	}
	return *avail, true, nil
}

func cond(ok bool, w string) string {
	if ok {
		return w
	}
	return ""
}

// sameLines reports whether a held reservation answers a request for want: the same SKUs and
// quantities, in the warehouses asked for (any, when the request named none).
func sameLines(held, want []Line) bool {
	if len(held) != len(want) {
		return false
	}
	for i := range held {
		h, w := held[i], want[i]
		if h.SKU != w.SKU || h.Quantity != w.Quantity || (w.Warehouse != "" && w.Warehouse != h.Warehouse) {
			return false
		}
	}
	return true
}
