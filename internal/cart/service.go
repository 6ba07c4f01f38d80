package cart

import (
	"context"
	"time"

	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/pricing"
)

// Service is the cart service's contract: Core implements it on a store, Client over the cart's
// REST API for a process that does not run the cart. A cart with a customer is visible to that
// customer only (to others it does not exist); a guest cart to whoever holds its id; services
// see every cart.
type Service interface {
	// Create starts an empty cart in currency (the default when empty), owned by the caller when signed in.
	Create(ctx context.Context, currency string) (View, error)
	// Get returns the cart priced now.
	Get(ctx context.Context, id string) (View, error)
	// Quote prices cart id as if it shipped to d, without changing it.
	Quote(ctx context.Context, id string, d Destination) (View, error)
	// SetDestination stores where the cart ships and how.
	SetDestination(ctx context.Context, id string, d Destination) (View, error)
	// AddItem adds quantity units of sku to the cart.
	AddItem(ctx context.Context, id, sku string, quantity int64) (View, error)
	// SetQuantity sets the quantity of sku in the cart (0 removes it).
	SetQuantity(ctx context.Context, id, sku string, quantity int64) (View, error)
	// RemoveItem removes sku from the cart.
	RemoveItem(ctx context.Context, id, sku string) (View, error)
	// ApplyDiscount puts discount code on the cart.
	ApplyDiscount(ctx context.Context, id, code string) (View, error)
	// RemoveDiscount takes the cart's discount code off.
	RemoveDiscount(ctx context.Context, id string) (View, error)
	// Merge moves guest cart guestID into customerID's (who must be the caller).
	Merge(ctx context.Context, guestID, customerID string) (View, error)
	// Delete removes cart id; checkout calls it once the order is paid.
	Delete(ctx context.Context, id string) error
	// Redeem counts one use of discount code by who (a customer id or an email) for a paid
	// order; the same order counts once.
	Redeem(ctx context.Context, code, who, orderID string) error
}

var _ Service = (*Core)(nil)

// Options configure a Core.
type Options struct {
	Catalog         Catalog            // required
	Stock           Stock              // nil: quantities are not checked against stock
	Discounts       *Discounts         // nil: discount codes are refused
	Pricing         pricing.Calculator // shipping, taxes, tax-inclusive prices
	DefaultCurrency string             // for carts created without one; default "USD"
	MaxQuantity     int64              // units per line; default DefaultMaxQuantity
	Now             func() time.Time   // default time.Now
}

// Core is the cart service on a Store.
type Core struct {
	st Store
	o  Options
}

// New returns a Core on st.
func New(st Store, o Options) *Core {
	if o.DefaultCurrency == "" {
		o.DefaultCurrency = "USD"
	}
	if o.MaxQuantity <= 0 {
		o.MaxQuantity = DefaultMaxQuantity
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Core{st: st, o: o}
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
func (s *Core) Create(ctx context.Context, currency string) (View, error) {
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
func (s *Core) Get(ctx context.Context, id string) (View, error) {
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
func (s *Core) Quote(ctx context.Context, id string, d Destination) (View, error) {
	c, err := s.load(ctx, id)
	if err != nil {
		return View{}, err
	}
	return s.view(ctx, c, d)
}

func (s *Core) load(ctx context.Context, id string) (Cart, error) {
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
func (s *Core) update(ctx context.Context, id string, fn func(*Cart) error) (View, error) {
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
func (s *Core) Delete(ctx context.Context, id string) error {
	if !ValidID(id) {
		return ErrBadID
	}
	// One delete, no read: the owner check is part of it (see visible).
	return s.st.Remove(ctx, id, customer(ctx), auth.FromContext(ctx).Service)
}

// Discounts returns the discount codes the service prices with (nil when codes are off), for
// checkout to redeem the code of the cart it turns into an order.
func (s *Core) Discounts() *Discounts { return s.o.Discounts }

// Redeem counts one use of discount code by who for paid order orderID (see Discounts.Redeem);
// with discount codes off there is nothing to count.
func (s *Core) Redeem(ctx context.Context, code, who, orderID string) error {
	if s.o.Discounts == nil {
		return nil
	}
	return s.o.Discounts.Redeem(ctx, code, who, orderID)
}
