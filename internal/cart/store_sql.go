package cart

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pasarhq/pasar/internal/platform/db"
)

// SQLStore keeps carts in the cart service's SQL store (SQLite or PostgreSQL). Each write is a
// conditional update on the version, so concurrent writers never lose each other's changes.
type SQLStore struct {
	d *db.DB
}

var _ Store = (*SQLStore)(nil)

// NewSQLStore returns a store on d, which has Migrations applied.
func NewSQLStore(d *db.DB) *SQLStore { return &SQLStore{d: d} }

// Create implements Store.
func (s *SQLStore) Create(ctx context.Context, c Cart) error {
	c.Version = 1
	doc, err := json.Marshal(c)
	if err != nil {
		return err
	}
	_, err = s.d.ExecContext(ctx, `INSERT INTO carts (id, customer_id, currency, version, updated_at, doc)
		VALUES ($1, $2, $3, $4, $5, $6)`, c.ID, c.CustomerID, c.Currency, c.Version, c.UpdatedAt.UnixMilli(), string(doc))
	if err != nil {
		return fmt.Errorf("create cart: %w", err)
	}
	return nil
}

// Get implements Store.
func (s *SQLStore) Get(ctx context.Context, id string) (Cart, error) {
	return s.scan(s.d.QueryRowContext(ctx, `SELECT doc FROM carts WHERE id = $1`, id))
}

func (s *SQLStore) scan(row *sql.Row) (Cart, error) {
	var doc string
	if err := row.Scan(&doc); errors.Is(err, sql.ErrNoRows) {
		return Cart{}, ErrNotFound
	} else if err != nil {
		return Cart{}, fmt.Errorf("read cart: %w", err)
	}
	var c Cart
	if err := json.Unmarshal([]byte(doc), &c); err != nil {
		return Cart{}, fmt.Errorf("decode cart: %w", err)
	}
	return c, nil
}

// Update implements Store.
func (s *SQLStore) Update(ctx context.Context, id string, fn func(*Cart) error) (Cart, error) {
	for attempt := 1; attempt <= maxUpdateAttempts; attempt++ {
		c, err := s.Get(ctx, id)
		if err != nil {
			return Cart{}, err
		}
		old := c.Version
		if err := fn(&c); err != nil {
			return Cart{}, err
		}
		c.Version = old + 1
		doc, err := json.Marshal(c)
		if err != nil {
			return Cart{}, err
		}
		res, err := s.d.ExecContext(ctx, `UPDATE carts SET customer_id = $1, currency = $2, version = $3,
			updated_at = $4, doc = $5 WHERE id = $6 AND version = $7`,
			c.CustomerID, c.Currency, c.Version, c.UpdatedAt.UnixMilli(), string(doc), id, old)
		if err != nil {
			return Cart{}, fmt.Errorf("update cart: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return Cart{}, fmt.Errorf("update cart: %w", err)
		} else if n == 1 {
			return c, nil
		}
		if err := backoff(ctx, attempt); err != nil {
			return Cart{}, err
		}
	}
	return Cart{}, ErrContention
}

// Take implements Store.
func (s *SQLStore) Take(ctx context.Context, id string) (Cart, error) {
	var doc string
	// DELETE ... RETURNING writes, so it runs on the writer, in a transaction.
	err := s.d.InTx(ctx, func(tx *db.Tx) error {
		return tx.QueryRowContext(ctx, `DELETE FROM carts WHERE id = $1 RETURNING doc`, id).Scan(&doc)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Cart{}, ErrNotFound
	}
	if err != nil {
		return Cart{}, fmt.Errorf("take cart: %w", err)
	}
	var c Cart
	return c, json.Unmarshal([]byte(doc), &c)
}

// Remove implements Store.
func (s *SQLStore) Remove(ctx context.Context, id, customerID string, anyOwner bool) error {
	q, args := `DELETE FROM carts WHERE id = $1 AND customer_id IN ('', $2)`, []any{id, customerID}
	if anyOwner {
		q, args = `DELETE FROM carts WHERE id = $1`, []any{id}
	}
	res, err := s.d.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("remove cart: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("remove cart: %w", err)
	} else if n == 0 {
		return ErrNotFound
	}
	return nil
}

// CustomerCart implements Store.
func (s *SQLStore) CustomerCart(ctx context.Context, customerID, currency string) (Cart, error) {
	if customerID == "" {
		return Cart{}, ErrNotFound
	}
	return s.scan(s.d.QueryRowContext(ctx, `SELECT doc FROM carts WHERE customer_id = $1 AND currency = $2
		ORDER BY updated_at DESC, id LIMIT 1`, customerID, currency))
}

// DeleteIdle removes carts nobody changed since before, at most limit of them, and returns how
// many it removed. SQL carts do not expire by themselves as Redis ones do; the wiring calls this
// periodically with the same TTL.
func (s *SQLStore) DeleteIdle(ctx context.Context, before time.Time, limit int) (int64, error) {
	res, err := s.d.ExecContext(ctx, `DELETE FROM carts WHERE id IN
		(SELECT id FROM carts WHERE updated_at < $1 LIMIT $2)`, before.UnixMilli(), limit)
	if err != nil {
		return 0, fmt.Errorf("delete idle carts: %w", err)
	}
	return res.RowsAffected()
}
