package cart

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/pricing"
)

// Options configure a Service.
type Options struct {
	Catalog         Catalog            // required
	Stock           Stock              // nil: quantities are not checked against stock
	Discounts       *Discounts         // nil: discount codes are refused
	Pricing         pricing.Calculator // shipping, taxes, tax-inclusive prices
	DefaultCurrency string             // for carts created without one; default "USD"
	MaxQuantity     int64              // units per line; default DefaultMaxQuantity
	Now             func() time.Time   // default time.Now
}

// Service is the cart service's core. A cart with a customer is visible to that customer only
// (to others it does not exist); a guest cart to whoever holds its id.
type Service struct {
	st Store
	o  Options
}

// New returns a Service on st.
func New(st Store, o Options) *Service {
	if o.DefaultCurrency == "" {
		o.DefaultCurrency = "USD"
	}
	if o.MaxQuantity <= 0 {
		o.MaxQuantity = DefaultMaxQuantity
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{st: st, o: o}
}

var skuPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// customer returns the subject a cart of the caller belongs to: a signed-in user's id, or "" for
// a guest (services act on carts as guests do).
func customer(ctx context.Context) string {
	p := auth.FromContext(ctx)
	if p.IsAnonymous() || p.Service {
		return ""
	}
	return p.Subject
}

// Create starts an empty cart in currency (the default when empty), owned by the caller when
// signed in.
func (s *Service) Create(ctx context.Context, currency string) (View, error) {
	if currency == "" {
		currency = s.o.DefaultCurrency
	}
	if !catalog.ValidCurrency(currency) {
		return View{}, invalid("currency", "must be an ISO 4217 code such as USD")
	}
	now := s.o.Now().UTC()
	c := Cart{ID: NewID(), Currency: currency, CustomerID: customer(ctx), Items: []Item{}, CreatedAt: now, UpdatedAt: now}
	if err := s.st.Create(ctx, c); err != nil {
		return View{}, err
	}
	c.Version = 1
	return s.view(ctx, c, Destination{})
}

// Get returns the cart priced now.
func (s *Service) Get(ctx context.Context, id string) (View, error) {
	c, err := s.load(ctx, id)
	if err != nil {
		return View{}, err
	}
	return s.view(ctx, c, Destination{})
}

// Destination is where a cart ships; empty fields keep the cart's own.
type Destination struct {
	ShippingMethod string
	Country        string
	Region         string
}

// Quote prices cart id as if it shipped to d, without changing it. Checkout calls it with the
// address and method the shopper gave, to charge exactly what it shows.
func (s *Service) Quote(ctx context.Context, id string, d Destination) (View, error) {
	c, err := s.load(ctx, id)
	if err != nil {
		return View{}, err
	}
	return s.view(ctx, c, d)
}

func (s *Service) load(ctx context.Context, id string) (Cart, error) {
	if !ValidID(id) {
		return Cart{}, ErrBadID
	}
	c, err := s.st.Get(ctx, id)
	if err != nil {
		return Cart{}, err
	}
	return c, visible(ctx, &c)
}

// visible returns ErrNotFound when c belongs to a customer other than the caller: to them it
// does not exist. Services see every cart.
func visible(ctx context.Context, c *Cart) error {
	if c.CustomerID != "" && c.CustomerID != customer(ctx) && !auth.FromContext(ctx).Service {
		return ErrNotFound
	}
	return nil
}

// update changes cart id with fn if the caller may see it, and returns it priced.
func (s *Service) update(ctx context.Context, id string, fn func(*Cart) error) (View, error) {
	if !ValidID(id) {
		return View{}, ErrBadID
	}
	c, err := s.st.Update(ctx, id, func(c *Cart) error {
		if err := visible(ctx, c); err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
		c.UpdatedAt = s.o.Now().UTC()
		return nil
	})
	if err != nil {
		return View{}, err
	}
	return s.view(ctx, c, Destination{})
}

// AddItem adds quantity units of sku to the cart, on top of any already there.
func (s *Service) AddItem(ctx context.Context, id, sku string, quantity int64) (View, error) {
	v, err := s.checkItem(ctx, id, sku, quantity)
	if err != nil {
		return View{}, err
	}
	return s.update(ctx, id, func(c *Cart) error {
		if err := sameCurrency(c, v); err != nil {
			return err
		}
		i := c.item(sku)
		if i < 0 {
			if len(c.Items) >= MaxLines {
				return ErrTooManyLines
			}
			c.Items = append(c.Items, Item{SKU: sku, AddedAt: s.o.Now().UTC()})
			i = len(c.Items) - 1
		}
		total := c.Items[i].Quantity + quantity
		if total > s.o.MaxQuantity {
			return invalid("quantity", fmt.Sprintf("the cart would hold %d; at most %d per item", total, s.o.MaxQuantity))
		}
		if err := s.checkStock(ctx, sku, total); err != nil {
			return err
		}
		c.Items[i].Quantity, c.Items[i].AddedPrice = total, v.Price.Amount
		return nil
	})
}

// SetQuantity sets the units of sku in the cart; the price it shows as added becomes today's.
func (s *Service) SetQuantity(ctx context.Context, id, sku string, quantity int64) (View, error) {
	v, err := s.checkItem(ctx, id, sku, quantity)
	if err != nil {
		return View{}, err
	}
	if err := s.checkStock(ctx, sku, quantity); err != nil {
		return View{}, err
	}
	return s.update(ctx, id, func(c *Cart) error {
		i := c.item(sku)
		if i < 0 {
			return ErrNoItem
		}
		if err := sameCurrency(c, v); err != nil {
			return err
		}
		c.Items[i].Quantity, c.Items[i].AddedPrice = quantity, v.Price.Amount
		return nil
	})
}

// RemoveItem takes sku out of the cart.
func (s *Service) RemoveItem(ctx context.Context, id, sku string) (View, error) {
	if !skuPattern.MatchString(sku) {
		return View{}, invalid("sku", "is not a SKU")
	}
	return s.update(ctx, id, func(c *Cart) error {
		i := c.item(sku)
		if i < 0 {
			return ErrNoItem
		}
		c.Items = append(c.Items[:i], c.Items[i+1:]...)
		return nil
	})
}

// checkItem validates an item change before the cart is touched and returns the variant.
func (s *Service) checkItem(ctx context.Context, id, sku string, quantity int64) (Variant, error) {
	if !ValidID(id) {
		return Variant{}, ErrBadID
	}
	var errs []apperr.FieldError
	if !skuPattern.MatchString(sku) {
		errs = append(errs, apperr.FieldError{Field: "sku", Detail: "is not a SKU"})
	}
	if quantity < 1 || quantity > s.o.MaxQuantity {
		errs = append(errs, apperr.FieldError{Field: "quantity", Detail: fmt.Sprintf("must be from 1 to %d", s.o.MaxQuantity)})
	}
	if len(errs) > 0 {
		return Variant{}, apperr.Invalid(errs...)
	}
	vs, err := s.o.Catalog.Variants(ctx, []string{sku})
	if err != nil {
		return Variant{}, err
	}
	v, ok := vs[sku]
	if !ok {
		return Variant{}, invalid("sku", "no product has this SKU")
	}
	if !v.Active {
		return Variant{}, invalid("sku", "this product is not for sale")
	}
	return v, nil
}

func sameCurrency(c *Cart, v Variant) error {
	if v.Price.Currency != c.Currency {
		return &apperr.Error{Kind: apperr.InvalidInput, Code: "currency_mismatch",
			Message: fmt.Sprintf("SKU %s is priced in %s; the cart is in %s.", v.SKU, v.Price.Currency, c.Currency),
			Fields:  []apperr.FieldError{{Field: "sku", Detail: "priced in " + v.Price.Currency + ", cart in " + c.Currency}}}
	}
	return nil
}

func (s *Service) checkStock(ctx context.Context, sku string, quantity int64) error {
	if s.o.Stock == nil {
		return nil
	}
	avail, err := s.o.Stock.Available(ctx, []string{sku})
	if err != nil {
		return fmt.Errorf("stock of %s: %w", sku, err)
	}
	if n, tracked := avail[sku]; tracked && quantity > n {
		e := ErrOutOfStock.WithMessage(fmt.Sprintf("Only %d of %s available.", max(n, 0), sku))
		e.Fields = []apperr.FieldError{{Field: "quantity", Detail: fmt.Sprintf("only %d available", max(n, 0))}}
		return e
	}
	return nil
}

// SetDestination chooses the cart's shipping method and destination (empty fields unchanged).
func (s *Service) SetDestination(ctx context.Context, id string, d Destination) (View, error) {
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
func (s *Service) ApplyDiscount(ctx context.Context, id, code string) (View, error) {
	if s.o.Discounts == nil {
		return View{}, pricing.ErrDiscountUnknown
	}
	if code == "" || len(code) > 64 {
		return View{}, invalid("code", "must be a discount code")
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
func (s *Service) RemoveDiscount(ctx context.Context, id string) (View, error) {
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
