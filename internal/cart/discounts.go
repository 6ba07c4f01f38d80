package cart

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/pricing"
)

// Discounts keeps discount codes and counts their use, in the cart service's SQL store. Codes
// are case-insensitive (kept in upper case).
type Discounts struct {
	d   *db.DB
	now func() time.Time
}

// NewDiscounts returns the discount codes in d (with Migrations applied).
func NewDiscounts(d *db.DB) *Discounts { return &Discounts{d: d, now: time.Now} }

// DiscountRecord is a discount code with how often it was used.
type DiscountRecord struct {
	pricing.Discount
	Used      int64     `json:"used"`
	CreatedAt time.Time `json:"created_at"`
}

// Create adds a discount code; ErrDiscountExists if the code is taken.
func (s *Discounts) Create(ctx context.Context, d pricing.Discount) (DiscountRecord, error) {
	d.Code = strings.ToUpper(d.Code)
	if errs := d.Validate(); len(errs) > 0 {
		return DiscountRecord{}, invalidFields(errs)
	}
	doc, err := json.Marshal(d)
	if err != nil {
		return DiscountRecord{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	_, err = s.d.ExecContext(ctx, `INSERT INTO discount_codes (code, doc, usage_limit, per_customer_limit, used, created_at)
		VALUES ($1, $2, $3, $4, 0, $5)`, d.Code, string(doc), d.UsageLimit, d.PerCustomerLimit, now.UnixMilli())
	if db.IsUniqueViolation(err) {
		return DiscountRecord{}, ErrDiscountExists
	}
	if err != nil {
		return DiscountRecord{}, fmt.Errorf("create discount: %w", err)
	}
	return DiscountRecord{Discount: d, CreatedAt: now}, nil
}

const discountColumns = `SELECT doc, used, created_at FROM discount_codes`

func scanDiscount(scan func(...any) error) (DiscountRecord, error) {
	var (
		doc string
		r   DiscountRecord
		at  int64
	)
	if err := scan(&doc, &r.Used, &at); err != nil {
		return r, err
	}
	r.CreatedAt = time.UnixMilli(at).UTC()
	return r, json.Unmarshal([]byte(doc), &r.Discount)
}

// Get returns a discount code, or pricing.ErrDiscountUnknown.
func (s *Discounts) Get(ctx context.Context, code string) (DiscountRecord, error) {
	if !pricing.ValidCode(code) {
		return DiscountRecord{}, pricing.ErrDiscountUnknown // no stored code has another shape
	}
	r, err := scanDiscount(s.d.QueryRowContext(ctx, discountColumns+` WHERE code = $1`, strings.ToUpper(code)).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return r, pricing.ErrDiscountUnknown
	}
	if err != nil {
		return r, fmt.Errorf("read discount: %w", err)
	}
	return r, nil
}

// List returns every discount code, by code.
func (s *Discounts) List(ctx context.Context) ([]DiscountRecord, error) {
	rows, err := s.d.QueryContext(ctx, discountColumns+` ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("list discounts: %w", err)
	}
	defer rows.Close()
	out := []DiscountRecord{}
	for rows.Next() {
		r, err := scanDiscount(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("list discounts: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Delete removes a discount code and its counts.
func (s *Discounts) Delete(ctx context.Context, code string) error {
	if !pricing.ValidCode(code) {
		return pricing.ErrDiscountUnknown
	}
	code = strings.ToUpper(code)
	return s.d.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM discount_codes WHERE code = $1`, code)
		if err != nil {
			return fmt.Errorf("delete discount: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return pricing.ErrDiscountUnknown
		}
		for _, q := range []string{`DELETE FROM discount_uses WHERE code = $1`, `DELETE FROM discount_redemptions WHERE code = $1`} {
			if _, err := tx.ExecContext(ctx, q, code); err != nil {
				return fmt.Errorf("delete discount: %w", err)
			}
		}
		return nil
	})
}

// Usable returns the discount code if it has uses left overall and for customer (empty: a guest
// not yet known by email, checked overall only). Dates and minimums are pricing's to check.
func (s *Discounts) Usable(ctx context.Context, code, customer string) (pricing.Discount, error) {
	r, err := s.Get(ctx, code)
	if err != nil {
		return pricing.Discount{}, err
	}
	if r.UsageLimit > 0 && r.Used >= r.UsageLimit {
		return pricing.Discount{}, pricing.ErrDiscountUsedUp
	}
	if r.PerCustomerLimit > 0 && customer != "" {
		var used int64
		err := s.d.QueryRowContext(ctx, `SELECT used FROM discount_uses WHERE code = $1 AND customer = $2`,
			r.Code, customer).Scan(&used)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return pricing.Discount{}, fmt.Errorf("discount uses: %w", err)
		}
		if used >= r.PerCustomerLimit {
			return pricing.Discount{}, pricing.ErrDiscountCustomerMax
		}
	}
	return r.Discount, nil
}

// Redeem counts one use of code by customer (a customer id, or a guest's email) for orderRef,
// atomically against both limits: of concurrent redemptions of the last use exactly one
// succeeds, the others get pricing.ErrDiscountUsedUp or ErrDiscountCustomerMax. Redeeming
// again for the same orderRef is a no-op, so a retried checkout counts once.
func (s *Discounts) Redeem(ctx context.Context, code, customer, orderRef string) error {
	if !pricing.ValidCode(code) {
		return pricing.ErrDiscountUnknown
	}
	if !cleanText(customer) || !cleanText(orderRef) || orderRef == "" {
		return apperr.Invalid(apperr.FieldError{Field: "customer", Detail: "customer and order must be valid UTF-8 text without NUL"})
	}
	code = strings.ToUpper(code)
	return s.d.InTx(ctx, func(tx *db.Tx) error {
		var perCustomer int64
		err := tx.QueryRowContext(ctx, `SELECT per_customer_limit FROM discount_codes WHERE code = $1`, code).Scan(&perCustomer)
		if errors.Is(err, sql.ErrNoRows) {
			return pricing.ErrDiscountUnknown
		}
		if err != nil {
			return fmt.Errorf("redeem discount: %w", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO discount_redemptions (code, order_ref, customer, at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (code, order_ref) DO NOTHING`, code, orderRef, customer, s.now().UnixMilli())
		if err != nil {
			return fmt.Errorf("redeem discount: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // this order already counted
		}
		res, err = tx.ExecContext(ctx, `UPDATE discount_codes SET used = used + 1
			WHERE code = $1 AND (usage_limit = 0 OR used < usage_limit)`, code)
		if err != nil {
			return fmt.Errorf("redeem discount: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return pricing.ErrDiscountUsedUp
		}
		res, err = tx.ExecContext(ctx, `INSERT INTO discount_uses (code, customer, used) VALUES ($1, $2, 1)
			ON CONFLICT (code, customer) DO UPDATE SET used = discount_uses.used + 1
			WHERE $3 = 0 OR discount_uses.used < $3`, code, customer, perCustomer)
		if err != nil {
			return fmt.Errorf("redeem discount: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return pricing.ErrDiscountCustomerMax
		}
		return nil
	})
}

// cleanText reports whether s can be stored as text on both engines (PostgreSQL rejects NUL and
// invalid UTF-8), so such input is a 4xx, not a database error.
func cleanText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0) && len(s) <= 320
}
