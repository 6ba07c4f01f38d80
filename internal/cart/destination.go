package cart

import (
	"context"
	"errors"
	"strings"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/pricing"
)

// SetDestination chooses the cart's shipping method and destination (empty fields unchanged).
func (s *Core) SetDestination(ctx context.Context, id string, d Destination) (View, error) {
	if _, err := s.o.Pricing.Method(d.ShippingMethod); err != nil {
		return View{}, err
	}
	if errs := checkDestination(d); len(errs) > 0 {
		return View{}, apperr.Invalid(errs...)
	}
	return s.update(ctx, id, func(c *Cart) error {
		if d.ShippingMethod != "" {
			c.ShippingMethod = d.ShippingMethod
		}
		if d.Country != "" {
			c.Country, c.Region = strings.ToUpper(d.Country), ""
		}
		if d.Region != "" {
			c.Region = strings.ToUpper(d.Region)
		}
		return nil
	})
}

func checkDestination(d Destination) []apperr.FieldError {
	var errs []apperr.FieldError
	if d.Country != "" && (len(d.Country) != 2 || !alpha(d.Country)) {
		errs = append(errs, apperr.FieldError{Field: "country", Detail: "must be an ISO 3166-1 two-letter code"})
	}
	if d.Region != "" && (len(d.Region) > 3 || !alnum(d.Region)) {
		errs = append(errs, apperr.FieldError{Field: "region", Detail: "must be an ISO 3166-2 subdivision code such as CA"})
	}
	return errs
}

// ApplyDiscount puts a discount code on the cart if it applies to it now.
func (s *Core) ApplyDiscount(ctx context.Context, id, code string) (View, error) {
	if s.o.Discounts == nil {
		return View{}, pricing.ErrDiscountUnknown
	}
	if !pricing.ValidCode(code) {
		return View{}, invalid("code", "must be 1 to 64 letters, digits, '-' or '_'")
	}
	c, err := s.load(ctx, id)
	if err != nil {
		return View{}, err
	}
	c.DiscountCode = code
	v, err := s.view(ctx, c, Destination{})
	if err != nil {
		return View{}, err
	}
	if v.Discount != nil && v.Discount.err != nil {
		return View{}, v.Discount.err
	}
	return s.update(ctx, id, func(c *Cart) error {
		c.DiscountCode = strings.ToUpper(code)
		return nil
	})
}

// RemoveDiscount takes the discount code off the cart.
func (s *Core) RemoveDiscount(ctx context.Context, id string) (View, error) {
	return s.update(ctx, id, func(c *Cart) error {
		c.DiscountCode = ""
		return nil
	})
}

// errAsApp returns err's *apperr.Error, for the cart view's discount reason.
func errAsApp(err error) *apperr.Error {
	var e *apperr.Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

func alpha(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func alnum(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
