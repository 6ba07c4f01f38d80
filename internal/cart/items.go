package cart

import (
	"context"
	"fmt"
	"regexp"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/pricing"
)

var skuPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// AddItem adds quantity units of sku to the cart, on top of any already there.
func (s *Core) AddItem(ctx context.Context, id, sku string, quantity int64) (View, error) {
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
func (s *Core) SetQuantity(ctx context.Context, id, sku string, quantity int64) (View, error) {
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
func (s *Core) RemoveItem(ctx context.Context, id, sku string) (View, error) {
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
func (s *Core) checkItem(ctx context.Context, id, sku string, quantity int64) (Variant, error) {
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
	if v.Price.Amount > pricing.MaxAmount/quantity {
		return Variant{}, invalid("quantity", "the line total would be too large")
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

func (s *Core) checkStock(ctx context.Context, sku string, quantity int64) error {
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
