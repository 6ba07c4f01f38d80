package payment

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/db"
)

// MaxAmount bounds an intent (minor units): far above any basket, far below overflow.
const MaxAmount = 1_000_000_000_000

// CreateIntent records an intent to take r.Amount for r.OrderID.
func (c *Core) CreateIntent(ctx context.Context, r IntentRequest) (Intent, error) {
	if r.Provider == "" {
		r.Provider = c.fallback
	}
	if err := c.checkIntent(r); err != nil {
		return Intent{}, err
	}
	in, err := c.newIntent(r)
	if err != nil {
		return Intent{}, err
	}
	now := in.CreatedAt
	key := keyArg(r.IdempotencyKey)
	_, err = c.d.ExecContext(ctx, `INSERT INTO payment_intents
		(id, order_id, provider, amount, currency, status, idempotency_key, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
		in.ID, in.OrderID, in.Provider, in.Amount, in.Currency, in.Status, key, now.UnixMilli())
	if err == nil {
		return in.trunc(), nil
	}
	if !db.IsUniqueViolation(err) {
		return Intent{}, fmt.Errorf("create intent for %s: %w", r.OrderID, err)
	}
	prev, err := c.byKey(ctx, r.IdempotencyKey)
	if err != nil {
		return Intent{}, err
	}
	if !prev.answers(r) {
		return Intent{}, ErrIdempotencyMismatch
	}
	return prev, nil
}

// newIntent returns a new intent for r (its provider filled in), not yet stored.
func (c *Core) newIntent(r IntentRequest) (Intent, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return Intent{}, fmt.Errorf("intent id: %w", err)
	}
	now := c.now().UTC()
	return Intent{ID: "pi_" + strings.ReplaceAll(id.String(), "-", ""), OrderID: r.OrderID, Provider: r.Provider,
		Amount: r.Amount, Currency: r.Currency, Status: RequiresPayment, CreatedAt: now, UpdatedAt: now}, nil
}

// keyArg is an idempotency key as stored: NULL when the caller sent none, so keyless intents
// never collide on the unique index.
func keyArg(key string) any {
	if key == "" {
		return nil
	}
	return key
}

// answers reports whether in is what request r, replayed with in's idempotency key, asks for.
func (in Intent) answers(r IntentRequest) bool {
	return in.OrderID == r.OrderID && in.Amount == r.Amount && in.Currency == r.Currency && in.Provider == r.Provider
}

// trunc rounds the times to what the store keeps, so a returned intent equals a read one.
func (in Intent) trunc() Intent {
	in.CreatedAt = in.CreatedAt.Truncate(1e6)
	in.UpdatedAt = in.UpdatedAt.Truncate(1e6)
	return in
}

func (c *Core) checkIntent(r IntentRequest) error {
	var fs []apperr.FieldError
	switch {
	case r.OrderID == "":
		fs = append(fs, apperr.FieldError{Field: "order_id", Detail: "is required"})
	case len(r.OrderID) > 100:
		fs = append(fs, apperr.FieldError{Field: "order_id", Detail: "is longer than 100 bytes"})
	}
	if r.Amount <= 0 || r.Amount > MaxAmount {
		fs = append(fs, apperr.FieldError{Field: "amount", Detail: fmt.Sprintf("must be between 1 and %d minor units", int64(MaxAmount))})
	}
	if !catalog.ValidCurrency(r.Currency) {
		fs = append(fs, apperr.FieldError{Field: "currency", Detail: "must be an ISO 4217 code such as USD"})
	}
	if _, ok := c.providers[r.Provider]; !ok {
		fs = append(fs, apperr.FieldError{Field: "provider", Detail: fmt.Sprintf("no payment provider %q", r.Provider)})
	}
	if len(r.IdempotencyKey) > 200 {
		fs = append(fs, apperr.FieldError{Field: "idempotency_key", Detail: "is longer than 200 bytes"})
	}
	if len(fs) > 0 {
		return apperr.Invalid(fs...)
	}
	return nil
}

const intentColumns = `id, order_id, provider, amount, currency, status, captured, refunded,
	provider_ref, card_brand, card_last4, last_error, created_at, updated_at`

func scanIntent(row interface{ Scan(...any) error }) (Intent, error) {
	var in Intent
	var created, updated int64
	err := row.Scan(&in.ID, &in.OrderID, &in.Provider, &in.Amount, &in.Currency, &in.Status, &in.Captured,
		&in.Refunded, &in.ProviderRef, &in.CardBrand, &in.CardLast4, &in.LastError, &created, &updated)
	in.CreatedAt, in.UpdatedAt = fromMS(created), fromMS(updated)
	return in, err
}

func getIntent(ctx context.Context, q db.Querier, id string) (Intent, error) {
	in, err := scanIntent(q.QueryRowContext(ctx, `SELECT `+intentColumns+` FROM payment_intents WHERE id = $1`, id))
	if isNoRows(err) {
		return Intent{}, ErrIntentNotFound
	}
	if err != nil {
		return Intent{}, fmt.Errorf("intent %s: %w", id, err)
	}
	return in, nil
}

// intentByKey returns the intent recorded with idempotency key, and whether there is one.
func (c *Core) intentByKey(ctx context.Context, key string) (Intent, bool, error) {
	in, err := c.byKey(ctx, key)
	if isNoRows(err) {
		return Intent{}, false, nil
	}
	return in, err == nil, err
}

func (c *Core) byKey(ctx context.Context, key string) (Intent, error) {
	in, err := scanIntent(c.d.QueryRowContext(ctx, `SELECT `+intentColumns+` FROM payment_intents
		WHERE idempotency_key = $1`, key))
	if err != nil {
		return Intent{}, fmt.Errorf("intent by key: %w", err)
	}
	return in, nil
}

func getSteps(ctx context.Context, q db.Querier, id string) ([]Step, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, kind, amount, succeeded, code, reason, actor, at
		FROM payment_steps WHERE intent_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("steps of %s: %w", id, err)
	}
	defer rows.Close()
	var out []Step
	for rows.Next() {
		var s Step
		var ok, at int64
		if err := rows.Scan(&s.ID, &s.Kind, &s.Amount, &ok, &s.Code, &s.Reason, &s.Actor, &at); err != nil {
			return nil, fmt.Errorf("steps of %s: %w", id, err)
		}
		s.Succeeded, s.At = ok == 1, fromMS(at)
		out = append(out, s)
	}
	return out, rows.Err()
}
