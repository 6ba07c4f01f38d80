package pricing

import (
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
)

// DiscountKind says how a discount's value is read.
type DiscountKind string

// Discount kinds: Percent takes Percent% off the subtotal; Fixed takes AmountOff (in Currency)
// off it, never more than the subtotal.
const (
	Percent DiscountKind = "percent"
	Fixed   DiscountKind = "fixed"
)

// Discount is a discount code's rule. Usage limits are counted by the store that keeps the
// codes; Applies checks everything else.
type Discount struct {
	Code             string       `json:"code"`
	Kind             DiscountKind `json:"kind"`
	Percent          int64        `json:"percent,omitempty"`    // 1..100, for Percent
	AmountOff        int64        `json:"amount_off,omitempty"` // minor units, for Fixed
	Currency         string       `json:"currency,omitempty"`   // Fixed only: the currency of AmountOff and MinSubtotal
	MinSubtotal      int64        `json:"min_subtotal,omitempty"`
	StartsAt         *time.Time   `json:"starts_at,omitempty"`
	EndsAt           *time.Time   `json:"ends_at,omitempty"`
	UsageLimit       int64        `json:"usage_limit,omitempty"`        // 0: unlimited
	PerCustomerLimit int64        `json:"per_customer_limit,omitempty"` // 0: unlimited
}

// Reasons a discount does not apply; each names the "code" field.
var (
	ErrDiscountNotStarted  = discountErr("discount_not_started", "The discount code is not valid yet.")
	ErrDiscountExpired     = discountErr("discount_expired", "The discount code has expired.")
	ErrDiscountMinSubtotal = discountErr("discount_min_subtotal", "The subtotal is below the discount code's minimum.")
	ErrDiscountCurrency    = discountErr("discount_currency", "The discount code is for another currency.")
	ErrDiscountUsedUp      = discountErr("discount_used_up", "The discount code has been used up.")
	ErrDiscountCustomerMax = discountErr("discount_customer_limit", "You have used this discount code as often as it allows.")
	ErrDiscountUnknown     = discountErr("discount_not_found", "No such discount code.")
)

func discountErr(code, msg string) *apperr.Error {
	return &apperr.Error{Kind: apperr.InvalidInput, Code: code, Message: msg,
		Fields: []apperr.FieldError{{Field: "code", Detail: msg}}}
}

// Applies returns nil when d can be used on a subtotal in currency at now, and the reason
// otherwise. A percent discount with no Currency applies to every currency; its MinSubtotal is
// then in the basket's currency.
func (d Discount) Applies(currency string, subtotal int64, now time.Time) error {
	switch {
	case d.StartsAt != nil && now.Before(*d.StartsAt):
		return ErrDiscountNotStarted
	case d.EndsAt != nil && !now.Before(*d.EndsAt):
		return ErrDiscountExpired
	case d.Currency != "" && d.Currency != currency:
		return ErrDiscountCurrency
	case subtotal < d.MinSubtotal:
		return ErrDiscountMinSubtotal
	}
	return nil
}

// Amount is what d takes off subtotal: a percent rounded half to even once on the subtotal, or
// the fixed amount capped at the subtotal, so a total never goes below zero.
func (d Discount) Amount(subtotal int64) (int64, error) {
	if d.Kind == Percent {
		return mulDivHalfEven(subtotal, min(max(d.Percent, 0), 100), 100)
	}
	return min(max(d.AmountOff, 0), subtotal), nil
}

// Validate names every field of d that breaks a rule, for the admin API.
func (d Discount) Validate() []apperr.FieldError {
	var errs []apperr.FieldError
	bad := func(f, detail string) { errs = append(errs, apperr.FieldError{Field: f, Detail: detail}) }
	if !ValidCode(d.Code) {
		bad("code", "must be 1 to 64 letters, digits, '-' or '_'")
	}
	switch d.Kind {
	case Percent:
		if d.Percent < 1 || d.Percent > 100 {
			bad("percent", "must be from 1 to 100")
		}
		if d.AmountOff != 0 {
			bad("amount_off", "is for fixed discounts only")
		}
	case Fixed:
		if d.AmountOff < 1 || d.AmountOff > MaxAmount {
			bad("amount_off", "must be from 1 to 10^15 minor units")
		}
		if d.Currency == "" {
			bad("currency", "is required for a fixed discount")
		}
		if d.Percent != 0 {
			bad("percent", "is for percent discounts only")
		}
	default:
		bad("kind", `must be "percent" or "fixed"`)
	}
	if d.Currency != "" && !currencyShape(d.Currency) {
		bad("currency", "must be an ISO 4217 code such as USD")
	}
	if d.MinSubtotal < 0 || d.MinSubtotal > MaxAmount {
		bad("min_subtotal", "must be from 0 to 10^15 minor units")
	}
	if d.StartsAt != nil && d.EndsAt != nil && !d.EndsAt.After(*d.StartsAt) {
		bad("ends_at", "must be after starts_at")
	}
	if d.UsageLimit < 0 {
		bad("usage_limit", "must be 0 (unlimited) or more")
	}
	if d.PerCustomerLimit < 0 {
		bad("per_customer_limit", "must be 0 (unlimited) or more")
	}
	return errs
}

// MaxAmount bounds every configured amount (10^15 minor units), far below int64 overflow even
// when summed over a basket.
const MaxAmount = 1_000_000_000_000_000

// ValidCode reports whether s has the shape of a discount code or shipping method id: 1 to 64
// ASCII letters, digits, '-' or '_'. Callers check it before a code reaches a store.
func ValidCode(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// currencyShape reports whether s looks like an ISO 4217 code; the cart checks it against the
// catalog's list of active codes.
func currencyShape(s string) bool {
	return len(s) == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s[2] >= 'A' && s[2] <= 'Z'
}
