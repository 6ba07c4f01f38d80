package cart

import (
	"context"
	"errors"

	"github.com/pasarhq/pasar/internal/platform/auth"
)

// ErrMergeNeedsCustomer answers a merge by a caller who is not a signed-in customer.
var ErrMergeNeedsCustomer = auth.ErrUnauthenticated

// Merge moves guest cart guestID into customerID's cart in the same currency and returns the
// customer's cart. Without such a cart the guest cart simply becomes the customer's. Quantities
// of a SKU in both add up, capped at the line maximum; the guest's discount code is kept when
// the customer's cart has none. The guest cart is taken atomically, so two merges of it (a
// double-clicked sign-in) move its items once. Merging a cart that is already the customer's
// returns it unchanged; one owned by another customer does not exist for the caller.
func (s *Core) Merge(ctx context.Context, guestID, customerID string) (View, error) {
	if customerID == "" {
		return View{}, ErrMergeNeedsCustomer
	}
	if !ValidID(guestID) {
		return View{}, ErrBadID
	}
	ctx = auth.WithPrincipal(ctx, auth.Principal{Subject: customerID, Role: auth.Customer})
	guest, err := s.st.Get(ctx, guestID)
	if err != nil {
		return View{}, err
	}
	switch guest.CustomerID {
	case customerID:
		return s.view(ctx, guest, Destination{})
	case "":
	default:
		return View{}, ErrNotFound
	}
	target, err := s.st.CustomerCart(ctx, customerID, guest.Currency)
	if errors.Is(err, ErrNotFound) {
		return s.update(ctx, guestID, func(c *Cart) error {
			if c.CustomerID != "" && c.CustomerID != customerID {
				return ErrNotFound
			}
			c.CustomerID = customerID
			return nil
		})
	}
	if err != nil {
		return View{}, err
	}
	guest, err = s.st.Take(ctx, guestID)
	if err != nil {
		return View{}, err // a concurrent merge took it first: ErrNotFound
	}
	v, err := s.update(ctx, target.ID, func(c *Cart) error {
		for _, it := range guest.Items {
			i := c.item(it.SKU)
			switch {
			case i >= 0:
				c.Items[i].Quantity = min(c.Items[i].Quantity+it.Quantity, s.o.MaxQuantity)
			case len(c.Items) < MaxLines:
				c.Items = append(c.Items, it)
			}
		}
		if c.DiscountCode == "" {
			c.DiscountCode = guest.DiscountCode
		}
		return nil
	})
	if err != nil {
		// Put the guest cart back so its items are not lost; the shopper can merge again.
		if rerr := s.st.Create(ctx, guest); rerr != nil {
			return View{}, errors.Join(err, rerr)
		}
		return View{}, err
	}
	return v, nil
}
