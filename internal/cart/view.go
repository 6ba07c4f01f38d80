package cart

import (
	"context"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/pricing"
)

// View is a cart as the API shows it: every line at the catalog's current price, and the totals
// computed by the pricing package.
type View struct {
	ID             string         `json:"id"`
	Currency       string         `json:"currency"`
	CustomerID     string         `json:"customer_id,omitempty"`
	Items          []ItemView     `json:"items"`
	Discount       *DiscountView  `json:"discount,omitempty"`
	ShippingMethod string         `json:"shipping_method"`
	Country        string         `json:"country,omitempty"`
	Region         string         `json:"region,omitempty"`
	Totals         pricing.Totals `json:"totals"`
	Version        int64          `json:"version"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
}

// ItemView is one cart line. An item whose product is gone or no longer for sale, or now priced
// in another currency, stays in the cart with Available false and a Problem, and counts in no
// total. PriceChanged says the price differs from the one shown when it was added; the
// quantity's next change takes the new price as seen.
type ItemView struct {
	SKU           string            `json:"sku"`
	ProductID     string            `json:"product_id,omitempty"`
	Title         string            `json:"title,omitempty"`
	Options       map[string]string `json:"options,omitempty"` // the variant's, e.g. {"size": "M"}
	Quantity      int64             `json:"quantity"`
	UnitPrice     pricing.Money     `json:"unit_price"`
	LineTotal     pricing.Money     `json:"line_total"`
	WeightGrams   int64             `json:"weight_grams,omitempty"`
	PriceChanged  bool              `json:"price_changed"`
	PreviousPrice *pricing.Money    `json:"previous_price,omitempty"`
	Available     bool              `json:"available"`
	Problem       string            `json:"problem,omitempty"`
}

// DiscountView is the cart's discount code and whether it applies now; Reason says why not.
type DiscountView struct {
	Code    string `json:"code"`
	Applied bool   `json:"applied"`
	Reason  string `json:"reason,omitempty"`
	err     error
}

// Lines returns the lines that count in the totals, for the order service.
func (v View) Lines() []pricing.Line {
	var ls []pricing.Line
	for _, it := range v.Items {
		if it.Available {
			ls = append(ls, pricing.Line{SKU: it.SKU, UnitPrice: it.UnitPrice.Amount, Quantity: it.Quantity, WeightGrams: it.WeightGrams})
		}
	}
	return ls
}

// view prices c now, shipping as d overrides.
func (s *Core) view(ctx context.Context, c Cart, d Destination) (View, error) {
	v := View{ID: c.ID, Currency: c.Currency, CustomerID: c.CustomerID, Items: make([]ItemView, 0, len(c.Items)),
		ShippingMethod: c.ShippingMethod, Country: c.Country, Region: c.Region,
		Version: c.Version, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if d.ShippingMethod != "" {
		v.ShippingMethod = d.ShippingMethod
	}
	if d.Country != "" {
		v.Country, v.Region = d.Country, d.Region
	}
	skus := make([]string, len(c.Items))
	for i, it := range c.Items {
		skus[i] = it.SKU
	}
	variants, err := s.o.Catalog.Variants(ctx, skus)
	if err != nil {
		return View{}, err
	}
	for _, it := range c.Items {
		iv := ItemView{SKU: it.SKU, Quantity: it.Quantity}
		vr, ok := variants[it.SKU]
		switch {
		case !ok:
			iv.Problem = "no longer sold"
		case !vr.Active:
			iv.Problem = "not for sale"
		case vr.Price.Currency != c.Currency:
			iv.Problem = "now priced in " + vr.Price.Currency
		case vr.Price.Amount < 0 || vr.Price.Amount > pricing.MaxAmount/max(it.Quantity, 1):
			iv.Problem = "price out of range"
		default:
			iv.Available = true
		}
		if ok {
			iv.ProductID, iv.Title, iv.Options, iv.WeightGrams = vr.ProductID, vr.Title, vr.Options, vr.WeightGrams
			iv.UnitPrice = vr.Price
			if iv.Available {
				iv.LineTotal = pricing.Money{Amount: vr.Price.Amount * it.Quantity, Currency: c.Currency}
			}
		}
		if iv.Available && vr.Price.Amount != it.AddedPrice {
			iv.PriceChanged = true
			iv.PreviousPrice = &pricing.Money{Amount: it.AddedPrice, Currency: c.Currency}
		}
		v.Items = append(v.Items, iv)
	}
	in := pricing.Input{Currency: c.Currency, Lines: v.Lines(), ShippingMethod: v.ShippingMethod,
		Country: v.Country, Region: v.Region, Customer: c.CustomerID, Now: s.o.Now()}
	if c.DiscountCode != "" {
		v.Discount = &DiscountView{Code: c.DiscountCode}
		in.Discount, v.Discount.err = s.usableDiscount(ctx, c.DiscountCode, c.CustomerID)
		if v.Discount.err == nil {
			var subtotal int64
			for _, l := range in.Lines {
				subtotal += l.UnitPrice * l.Quantity // bounded by MaxLines, MaxQuantity and catalog prices
			}
			v.Discount.err = in.Discount.Applies(c.Currency, subtotal, in.Now)
		}
		if v.Discount.err != nil {
			if e := errAsApp(v.Discount.err); e != nil && e.Kind != apperr.Internal && e.Kind != apperr.Unavailable {
				v.Discount.Reason, in.Discount = e.Message, nil
			} else {
				return View{}, v.Discount.err
			}
		} else {
			v.Discount.Applied = true
		}
	}
	t, err := s.o.Pricing.Compute(in)
	if err != nil {
		return View{}, err
	}
	v.Totals, v.ShippingMethod = t, t.ShippingMethod
	return v, nil
}

func (s *Core) usableDiscount(ctx context.Context, code, customer string) (*pricing.Discount, error) {
	if s.o.Discounts == nil {
		return nil, pricing.ErrDiscountUnknown
	}
	d, err := s.o.Discounts.Usable(ctx, code, customer)
	if err != nil {
		return nil, err
	}
	return &d, nil
}
