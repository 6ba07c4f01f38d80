package order

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/pasarhq/pasar/internal/platform/db"
)

// NumberPrefix starts every order number, as in PSR-100042.
const NumberPrefix = "PSR-"

func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// insert stores o (pending) with its lines, its first history entry and, when key is set, the
// idempotency key that made it, all in tx. It takes the next order number.
func insert(ctx context.Context, tx *db.Tx, o *Order, key, hash, actor string) error {
	// The order number is taken last: on PostgreSQL the counter's row stays locked until the
	// commit, so every other checkout waits for it only during the final statement and the
	// commit, not the whole transaction. A reused idempotency key fails before it is taken.
	if key != "" {
		if _, err := tx.ExecContext(ctx, `INSERT INTO order_idempotency (idem_key, request_hash, order_id, created_at)
			VALUES ($1, $2, $3, $4)`, key, hash, o.ID, ms(o.CreatedAt)); err != nil {
			return err
		}
	}
	if err := insertLines(ctx, tx, o.ID, o.Lines); err != nil {
		return err
	}
	first := Change{From: "", To: o.Status, Actor: actor, Note: "checkout", At: o.CreatedAt}
	if err := record(ctx, tx, o.ID, 1, first); err != nil {
		return err
	}
	o.History = []Change{first}
	addr, err := json.Marshal(o.ShippingAddress)
	if err != nil {
		return err
	}
	args := []any{o.ID, o.Status, o.CustomerID, o.Email, o.CartID, o.Total.Currency, o.Totals.Subtotal, o.Totals.Discount,
		o.Totals.Shipping, o.Totals.Tax, o.Total.Amount, o.ShippingMethod, o.DiscountCode, string(addr), ms(o.CreatedAt), NumberPrefix}
	const columns = `INSERT INTO orders (id, status, customer_id, email, cart_id, currency, subtotal, discount, shipping, tax,
		total, shipping_method, discount_code, shipping_address, created_at, updated_at, number)`
	if tx.Engine() == db.Postgres {
		// One round trip for the counter and the row.
		err = tx.QueryRowContext(ctx, `WITH n AS (UPDATE order_numbers SET next = next + 1 WHERE name = 'order' RETURNING next - 1 AS v)
			`+columns+` VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15,
			$16::text || (SELECT v FROM n)::text) RETURNING number`, args...).Scan(&o.Number)
	} else {
		var n int64
		if err = tx.QueryRowContext(ctx, `UPDATE order_numbers SET next = next + 1 WHERE name = 'order' RETURNING next - 1`).Scan(&n); err != nil {
			return fmt.Errorf("order number: %w", err)
		}
		o.Number = NumberPrefix + strconv.FormatInt(n, 10)
		args[len(args)-1] = o.Number
		_, err = tx.ExecContext(ctx, columns+` VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16)`, args...)
	}
	if err != nil {
		return fmt.Errorf("insert order: %w", err)
	}
	return nil
}

// insertLines stores an order's lines in one statement.
func insertLines(ctx context.Context, tx *db.Tx, id string, lines []Line) error {
	rows := make([][]any, len(lines))
	for i, l := range lines {
		options := "{}"
		if len(l.Options) > 0 {
			b, err := json.Marshal(l.Options)
			if err != nil {
				return fmt.Errorf("insert order lines: options: %w", err)
			}
			options = string(b)
		}
		rows[i] = []any{id, i, l.SKU, l.Title, l.Quantity, l.UnitPrice.Amount, l.LineTotal.Amount, options}
	}
	if err := db.InsertRows(ctx, tx, `INSERT INTO order_lines (order_id, n, sku, title, quantity, unit_price, line_total, options)`, rows); err != nil {
		return fmt.Errorf("insert order lines: %w", err)
	}
	return nil
}

// record stores status changes as entries n, n+1, ... of the order's history, in one statement.
// The status UPDATE before it makes the caller the only writer of the order, so the entries
// from n (the count of entries plus one) are free; a stale count fails the primary key and
// rolls back.
func record(ctx context.Context, tx *db.Tx, id string, n int, changes ...Change) error {
	rows := make([][]any, len(changes))
	for i, c := range changes {
		rows[i] = []any{id, n + i, c.From, c.To, c.Actor, c.Note, ms(c.At)}
	}
	if err := db.InsertRows(ctx, tx, `INSERT INTO order_history (order_id, n, from_status, to_status, actor, note, at)`, rows); err != nil {
		return fmt.Errorf("record order change: %w", err)
	}
	return nil
}

// keyed returns the order id and request hash stored for an idempotency key ("" when none).
func keyed(ctx context.Context, q db.Querier, key string) (id, hash string, err error) {
	err = q.QueryRowContext(ctx, `SELECT order_id, request_hash FROM order_idempotency WHERE idem_key = $1`, key).Scan(&id, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	return id, hash, err
}

const orderColumns = `SELECT id, number, status, customer_id, email, cart_id, currency, subtotal, discount, shipping, tax,
	total, shipping_method, discount_code, shipping_address, payment_intent_id, tracking_number, created_at, updated_at FROM orders`

func scanOrder(scan func(...any) error) (Order, error) {
	var (
		o        Order
		addr     string
		cur      string
		cat, uat int64
	)
	err := scan(&o.ID, &o.Number, &o.Status, &o.CustomerID, &o.Email, &o.CartID, &cur, &o.Totals.Subtotal,
		&o.Totals.Discount, &o.Totals.Shipping, &o.Totals.Tax, &o.Total.Amount, &o.ShippingMethod, &o.DiscountCode,
		&addr, &o.PaymentIntentID, &o.TrackingNumber, &cat, &uat)
	if err != nil {
		return o, err
	}
	o.Total.Currency, o.CreatedAt, o.UpdatedAt = cur, fromMS(cat), fromMS(uat)
	return o, json.Unmarshal([]byte(addr), &o.ShippingAddress)
}

// load returns order id with its lines and history.
func load(ctx context.Context, q db.Querier, id string) (Order, error) {
	o, err := scanOrder(q.QueryRowContext(ctx, orderColumns+` WHERE id = $1`, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return o, ErrNotFound
	}
	if err != nil {
		return o, fmt.Errorf("read order: %w", err)
	}
	if o.Lines, err = lines(ctx, q, o.ID, o.Total.Currency); err != nil {
		return o, err
	}
	o.History, err = history(ctx, q, o.ID)
	return o, err
}

func lines(ctx context.Context, q db.Querier, id, cur string) ([]Line, error) {
	rows, err := q.QueryContext(ctx, `SELECT sku, title, quantity, unit_price, line_total, options FROM order_lines WHERE order_id = $1 ORDER BY n`, id)
	if err != nil {
		return nil, fmt.Errorf("read order lines: %w", err)
	}
	defer rows.Close()
	out := []Line{}
	for rows.Next() {
		l := Line{UnitPrice: Money{Currency: cur}, LineTotal: Money{Currency: cur}}
		var options string
		if err := rows.Scan(&l.SKU, &l.Title, &l.Quantity, &l.UnitPrice.Amount, &l.LineTotal.Amount, &options); err != nil {
			return nil, fmt.Errorf("read order lines: %w", err)
		}
		if options != "{}" {
			if err := json.Unmarshal([]byte(options), &l.Options); err != nil {
				return nil, fmt.Errorf("read order lines: options of %s: %w", l.SKU, err)
			}
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

func history(ctx context.Context, q db.Querier, id string) ([]Change, error) {
	rows, err := q.QueryContext(ctx, `SELECT from_status, to_status, actor, note, at FROM order_history WHERE order_id = $1 ORDER BY n`, id)
	if err != nil {
		return nil, fmt.Errorf("read order history: %w", err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		var at int64
		if err := rows.Scan(&c.From, &c.To, &c.Actor, &c.Note, &at); err != nil {
			return nil, fmt.Errorf("read order history: %w", err)
		}
		c.At = fromMS(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// Filter selects orders for a list.
type Filter struct {
	CustomerID string // "" for every customer (staff lists only)
	Status     Status // "" for every status
	Limit      int    // 0: DefaultLimit
}

// Limits on lists.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// list returns orders matching f, newest first, without lines or history.
func list(ctx context.Context, q db.Querier, f Filter) ([]Order, error) {
	if f.Limit <= 0 || f.Limit > MaxLimit {
		f.Limit = DefaultLimit
	}
	query, args := orderColumns+` WHERE 1 = 1`, []any{}
	if f.CustomerID != "" {
		args = append(args, f.CustomerID)
		query += ` AND customer_id = $` + strconv.Itoa(len(args))
	}
	if f.Status != "" {
		args = append(args, f.Status)
		query += ` AND status = $` + strconv.Itoa(len(args))
	}
	args = append(args, f.Limit)
	query += ` ORDER BY created_at DESC, number DESC LIMIT $` + strconv.Itoa(len(args))
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	defer rows.Close()
	out := []Order{}
	for rows.Next() {
		o, err := scanOrder(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("list orders: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}
