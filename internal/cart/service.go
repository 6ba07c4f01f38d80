package cart

import (
	"context"
	"time"

	"github.com/pasarhq/pasar/internal/catalog"
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

// Delete removes the cart, for the order service once the cart became an order. Of concurrent
// deletes (a retried checkout) one succeeds and the others get ErrNotFound.
func (s *Service) Delete(ctx context.Context, id string) error {
	if _, err := s.load(ctx, id); err != nil {
		return err
	}
	_, err := s.st.Take(ctx, id)
	return err
}

// Discounts returns the discount codes the service prices with (nil when codes are off), for
// checkout to redeem the code of the cart it turns into an order.
func (s *Service) Discounts() *Discounts { return s.o.Discounts }
