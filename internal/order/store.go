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
	"strings"
	"time"

	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/events"
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
// idempotency key that made it, all or nothing. It takes the next order number.
func insert(ctx context.Context, d *db.DB, o *Order, key, hash, actor string) error {
	lines, err := lineRows(o.ID, o.Lines)
	if err != nil {
		return err
	}
	first := Change{From: "", To: o.Status, Actor: actor, Note: "checkout", At: o.CreatedAt}
	hist := historyRows(o.ID, 1, first)
	addr, err := json.Marshal(o.ShippingAddress)
	if err != nil {
		return err
	}
	row := []any{o.ID, o.Status, o.CustomerID, o.Email, o.CartID, o.Total.Currency, o.Totals.Subtotal, o.Totals.Discount,
		o.Totals.Shipping, o.Totals.Tax, o.Total.Amount, o.ShippingMethod, o.DiscountCode, string(addr), ms(o.CreatedAt), ms(o.CreatedAt)}
	var keys [][]any // none without a key
	if key != "" {
		keys = [][]any{{key, hash, o.ID, ms(o.CreatedAt)}}
	}
	if d.Engine() == db.Postgres {
		o.Number, err = insertPostgres(ctx, d, row, lines, hist, keys)
	} else {
		err = d.InTx(ctx, func(tx *db.Tx) error {
			var err error
			o.Number, err = insertSQLite(ctx, tx, row, lines, hist, keys)
			return err
		})
	}
	if err != nil {
		return err
	}
	o.History = []Change{first}
	return nil
}

const (
	insertOrder = `INSERT INTO orders (id, status, customer_id, email, cart_id, currency, subtotal, discount, shipping, tax,
		total, shipping_method, discount_code, shipping_address, created_at, updated_at, number)`
	insertKey     = `INSERT INTO order_idempotency (idem_key, request_hash, order_id, created_at)`
	insertLine    = `INSERT INTO order_lines (order_id, n, sku, title, quantity, unit_price, line_total, options)`
	insertHistory = `INSERT INTO order_history (order_id, n, from_status, to_status, actor, note, at)`
	takeNumber    = `UPDATE order_numbers SET next = next + 1 WHERE name = 'order' RETURNING next - 1`
)

// insertPostgres writes the order row, its lines, history, idempotency key and number in one
// statement: one round trip, and no explicit transaction, since the data-modifying parts of a
// statement commit together or not at all. The counter's row stays locked only for that
// statement, and a reused key fails it (unique violation) with nothing written.
func insertPostgres(ctx context.Context, d *db.DB, row []any, lines, hist, keys [][]any) (string, error) {
	var q strings.Builder
	var args []any
	var values string
	q.WriteString(`WITH n AS (` + takeNumber + ` AS v)`)
	if len(keys) > 0 {
		values, args = db.Values(keys, args)
		q.WriteString(`, k AS (` + insertKey + ` ` + values + `)`)
	}
	values, args = db.Values(lines, args)
	q.WriteString(`, l AS (` + insertLine + ` ` + values + `)`)
	values, args = db.Values(hist, args)
	q.WriteString(`, h AS (` + insertHistory + ` ` + values + `)`)
	values, args = db.Values([][]any{row}, args)
	args = append(args, NumberPrefix) // the number closes the row
	q.WriteString(` ` + insertOrder + ` ` + strings.TrimSuffix(values, ")") + `, $` + strconv.Itoa(len(args)) +
		`::text || (SELECT v FROM n)::text) RETURNING number`)
	var number string
	if err := d.WriteRow(ctx, q.String(), args...).Scan(&number); err != nil {
		if db.IsUniqueViolation(err) {
			return "", err
		}
		return "", fmt.Errorf("insert order: %w", err)
	}
	return number, nil
}

// insertSQLite writes the same in tx, a statement each (no round trips to save in process).
// The order number is taken last, so a reused idempotency key fails before it is taken.
func insertSQLite(ctx context.Context, tx *db.Tx, row []any, lines, hist, keys [][]any) (string, error) {
	if err := db.InsertRows(ctx, tx, insertKey, keys); err != nil {
		return "", err
	}
	if err := db.InsertRows(ctx, tx, insertLine, lines); err != nil {
		return "", fmt.Errorf("insert order lines: %w", err)
	}
	if err := db.InsertRows(ctx, tx, insertHistory, hist); err != nil {
		return "", fmt.Errorf("record order change: %w", err)
	}
	var n int64
	if err := tx.QueryRowContext(ctx, takeNumber).Scan(&n); err != nil {
		return "", fmt.Errorf("order number: %w", err)
	}
	number := NumberPrefix + strconv.FormatInt(n, 10)
	if err := db.InsertRows(ctx, tx, insertOrder, [][]any{append(row, number)}); err != nil {
		return "", fmt.Errorf("insert order: %w", err)
	}
	return number, nil
}

const moveOrder = `UPDATE orders SET status = $1, updated_at = $2, payment_intent_id = $3, tracking_number = $4
	WHERE id = $5 AND status = $6`

// move sets order o's status to, from the status o has, writing its payment intent and
// tracking number with it, and adds the history rows hist. The status in the WHERE clause
// makes the caller the only writer of the order, so the entries numbered from the count of
// entries plus one are free (a stale count fails the primary key and rolls back); a change
// that got there first makes it ErrInvalidTransition.
func move(ctx context.Context, tx *db.Tx, o *Order, to Status, now time.Time, hist [][]any) error {
	res, err := tx.ExecContext(ctx, moveOrder, to, ms(now), o.PaymentIntentID, o.TrackingNumber, o.ID, o.Status)
	if err != nil {
		return err
	}
	if err := moved(res, 1); err != nil {
		return err
	}
	if err := db.InsertRows(ctx, tx, insertHistory, hist); err != nil {
		return fmt.Errorf("record order change: %w", err)
	}
	return nil
}

// movePostgres does what move does, and writes the events of drafts, in one statement: one
// round trip and no transaction. The history rows and events are inserted only when the update
// matched, and the history rows' count says whether it did.
func movePostgres(ctx context.Context, d *db.DB, out *events.Outbox, o *Order, to Status, now time.Time, hist [][]any, drafts []events.Draft) error {
	args := []any{to, ms(now), o.PaymentIntentID, o.TrackingNumber, o.ID, o.Status}
	evs, args, _, err := out.Within(ctx, args, `EXISTS (SELECT 1 FROM u)`, drafts...)
	if err != nil {
		return err
	}
	rows := make([][]any, len(hist))
	for i, r := range hist {
		rows[i] = r[1:] // the order id comes from u
	}
	values, args := db.TypedValues(rows, args, "integer", "text", "text", "text", "text", "bigint")
	q := `WITH u AS (` + moveOrder + ` RETURNING id), ` + evs + ` ` + insertHistory +
		` SELECT u.id, v.n, v.f, v.t, v.a, v.note, v.at FROM u, (` + values + `) AS v(n, f, t, a, note, at)`
	res, err := d.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("record order change: %w", err)
	}
	if err := moved(res, len(hist)); err != nil {
		return err
	}
	out.Written()
	return nil
}

// moved checks that a status change touched want rows, or else lost to another change.
func moved(res sql.Result, want int) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != int64(want) {
		return ErrInvalidTransition
	}
	return nil
}

// lineRows returns the order_lines rows of an order's lines.
func lineRows(id string, lines []Line) ([][]any, error) {
	rows := make([][]any, len(lines))
	for i, l := range lines {
		options, err := catalog.OptionsJSON(l.Options)
		if err != nil {
			return nil, fmt.Errorf("insert order lines: %s: %w", l.SKU, err)
		}
		rows[i] = []any{id, i, l.SKU, l.Title, l.Quantity, l.UnitPrice.Amount, l.LineTotal.Amount, options}
	}
	return rows, nil
}

// historyRows returns the order_history rows of status changes numbered n, n+1, ...
func historyRows(id string, n int, changes ...Change) [][]any {
	rows := make([][]any, len(changes))
	for i, c := range changes {
		rows[i] = []any{id, n + i, c.From, c.To, c.Actor, c.Note, ms(c.At)}
	}
	return rows
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
		if l.Options, err = catalog.ParseOptions(options); err != nil {
			return nil, fmt.Errorf("read order lines: %s: %w", l.SKU, err)
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
