package pricing

import (
	"errors"
	"math/bits"

	"github.com/pasarhq/pasar/internal/platform/apperr"
)

// ErrOverflow is returned when an amount does not fit in an int64 of minor units. Quantities are
// bounded long before that, so it means an absurd price or weight; it is the client's 422, not a
// 500, because the numbers came from input.
var ErrOverflow = &apperr.Error{Kind: apperr.InvalidInput, Code: "amount_too_large",
	Message: "An amount is too large to compute.", Fields: []apperr.FieldError{{Field: "quantity", Detail: "the amounts overflow"}}}

// BasisPoints is a rate in hundredths of a percent: 1900 is 19%, 725 is 7.25%.
type BasisPoints int64

// mulDivHalfEven returns a*num/den rounded half to even (banker's rounding), for a, num >= 0 and
// den > 0. The product is computed in 128 bits, so no intermediate overflows.
func mulDivHalfEven(a, num, den int64) (int64, error) {
	if a < 0 || num < 0 || den <= 0 {
		return 0, errors.New("pricing: negative amount or rate")
	}
	hi, lo := bits.Mul64(uint64(a), uint64(num))
	if hi >= uint64(den) {
		return 0, ErrOverflow
	}
	q, r := bits.Div64(hi, lo, uint64(den))
	// Compare the remainder with half the divisor without overflowing: r vs den-r.
	switch rest := uint64(den) - r; {
	case r > rest, r == rest && q%2 == 1:
		q++
	}
	if q > 1<<63-1 {
		return 0, ErrOverflow
	}
	return int64(q), nil
}

// addChecked returns a+b, or ErrOverflow.
func addChecked(a, b int64) (int64, error) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, ErrOverflow
	}
	return s, nil
}

// mulChecked returns a*b for non-negative a and b, or ErrOverflow.
func mulChecked(a, b int64) (int64, error) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if a < 0 || b < 0 || hi != 0 || lo > 1<<63-1 {
		return 0, ErrOverflow
	}
	return int64(lo), nil
}
