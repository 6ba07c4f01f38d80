package order

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/pasarhq/pasar/internal/cart"
	"github.com/pasarhq/pasar/internal/platform/apperr"
)

// CheckoutRequest is the body of POST /api/v1/checkout.
type CheckoutRequest struct {
	CartID          string  `json:"cart_id"`
	Email           string  `json:"email"`
	ShippingAddress Address `json:"shipping_address"`
	ShippingMethod  string  `json:"shipping_method,omitempty"` // empty: the store's default
	Payment         Payment `json:"payment"`
}

// Payment is how the shopper pays. The card number goes to the payment provider and is never
// stored by the order service.
type Payment struct {
	Provider   string `json:"provider,omitempty"` // empty: the default provider
	CardNumber string `json:"card_number"`
	ExpMonth   int    `json:"exp_month,omitempty"`
	ExpYear    int    `json:"exp_year,omitempty"`
	CVC        string `json:"cvc,omitempty"`
}

// Limits on checkout input.
const (
	MaxKeyLength  = 200
	maxTextLength = 200
)

// validate returns a 422 naming every bad field, or nil.
func (r CheckoutRequest) validate() error {
	var errs []apperr.FieldError
	bad := func(field, detail string) { errs = append(errs, apperr.FieldError{Field: field, Detail: detail}) }
	if r.CartID == "" {
		bad("cart_id", "is required")
	} else if !cart.ValidID(r.CartID) {
		bad("cart_id", "is not a cart id")
	}
	if a, err := mail.ParseAddress(r.Email); r.Email == "" {
		bad("email", "is required")
	} else if err != nil || a.Address != r.Email || len(r.Email) > 254 {
		bad("email", "is not an email address")
	}
	a := r.ShippingAddress
	for _, f := range []struct {
		name, v  string
		required bool
	}{{"name", a.Name, true}, {"line1", a.Line1, true}, {"line2", a.Line2, false}, {"city", a.City, true},
		{"region", a.Region, false}, {"postal_code", a.PostalCode, true}} {
		switch {
		case f.required && strings.TrimSpace(f.v) == "":
			bad("shipping_address."+f.name, "is required")
		case len(f.v) > maxTextLength || !utf8.ValidString(f.v) || strings.ContainsRune(f.v, 0):
			bad("shipping_address."+f.name, "must be text of at most 200 bytes")
		}
	}
	if a.Country == "" {
		bad("shipping_address.country", "is required")
	} else if len(a.Country) != 2 || strings.ToUpper(a.Country) != a.Country || strings.IndexFunc(a.Country, func(c rune) bool { return c < 'A' || c > 'Z' }) >= 0 {
		bad("shipping_address.country", "must be an ISO 3166-1 alpha-2 code such as US")
	}
	if len(r.ShippingMethod) > 64 {
		bad("shipping_method", "is too long")
	}
	if len(r.Payment.Provider) > 64 {
		bad("payment.provider", "is too long")
	}
	if digits := cardDigits(r.Payment.CardNumber); r.Payment.CardNumber == "" {
		bad("payment.card_number", "is required")
	} else if len(digits) < 12 || len(digits) > 19 {
		bad("payment.card_number", "must be 12 to 19 digits")
	}
	if len(errs) > 0 {
		return apperr.Invalid(errs...)
	}
	return nil
}

// cardDigits returns the digits of a card number written with spaces or dashes, or "" when it
// has anything else.
func cardDigits(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case c == ' ' || c == '-':
		default:
			return ""
		}
	}
	return b.String()
}

// hash identifies the request for its idempotency key: the same body from the same customer
// hashes the same. Of the card it keeps the last four digits only, so no card number is
// derivable from what is stored.
func (r CheckoutRequest) hash(customer string) string {
	digits := cardDigits(r.Payment.CardNumber)
	r.Payment.CardNumber = ""
	if len(digits) >= 4 {
		r.Payment.CardNumber = digits[len(digits)-4:]
	}
	r.Payment.CVC = ""
	b, _ := json.Marshal(struct {
		R        CheckoutRequest
		Customer string
	}{r, customer})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// printableText reports whether s is valid UTF-8 without control characters other than newlines.
func printableText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if c < 0x20 && c != '\n' {
			return false
		}
	}
	return true
}
