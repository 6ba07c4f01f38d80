package payment

import (
	"log/slog"
	"strings"
)

// Card is a card as the shopper typed it. It goes to the provider and nowhere else: its String,
// LogValue and JSON forms show only the brand and last four digits, so a careless log line or
// error cannot leak the number.
type Card struct {
	Number   string // digits, spaces and dashes allowed
	ExpMonth int    // optional: 1-12
	ExpYear  int    // optional: four digits
	CVC      string // optional
}

// Digits returns the card number without spaces and dashes.
func (c Card) Digits() string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, c.Number)
}

// Last4 returns the last four digits of the number ("" when shorter).
func (c Card) Last4() string {
	d := c.Digits()
	if len(d) < 4 {
		return ""
	}
	return d[len(d)-4:]
}

// String shows the brand and last four digits only.
func (c Card) String() string { return Brand(c.Digits()) + " ****" + c.Last4() }

// LogValue keeps the number out of slog output.
func (c Card) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalJSON keeps the number out of JSON output.
func (c Card) MarshalJSON() ([]byte, error) {
	return []byte(`{"brand":"` + Brand(c.Digits()) + `","last4":"` + c.Last4() + `"}`), nil
}

// GoString keeps the number out of %#v.
func (c Card) GoString() string { return "payment.Card{" + c.String() + "}" }

// Brand names the card network a number belongs to, from its leading digits.
func Brand(digits string) string {
	switch {
	case strings.HasPrefix(digits, "4"):
		return "visa"
	case hasPrefixIn(digits, "51", "52", "53", "54", "55", "22", "23", "24", "25", "26", "27"):
		return "mastercard"
	case hasPrefixIn(digits, "34", "37"):
		return "amex"
	case hasPrefixIn(digits, "6011", "65", "644", "645", "646", "647", "648", "649"):
		return "discover"
	default:
		return "card"
	}
}

func hasPrefixIn(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// Luhn reports whether digits is a number of 12 to 19 digits whose Luhn checksum holds.
func Luhn(digits string) bool {
	if len(digits) < 12 || len(digits) > 19 {
		return false
	}
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		c := digits[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}
