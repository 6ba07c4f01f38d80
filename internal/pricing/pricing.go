package pricing

import (
	"fmt"
	"time"
)

// Money is an amount in a currency's minor units (cents for USD), never a float.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"` // ISO 4217, e.g. "USD"
}

// Line is one basket line: Quantity units of SKU at UnitPrice (minor units of the basket's
// currency), each weighing WeightGrams.
type Line struct {
	SKU         string
	UnitPrice   int64
	Quantity    int64
	WeightGrams int64
}

// Input is everything a total depends on. Discount is nil when no code applies; Now decides
// whether it is in its dates.
type Input struct {
	Currency       string
	Lines          []Line
	Discount       *Discount
	ShippingMethod string // empty: the default method
	Country        string // ISO 3166-1 alpha-2 of the destination; empty: the store's country
	Region         string // e.g. "CA" for California; optional
	Customer       string // who buys, for per-customer discount limits (not checked here)
	Now            time.Time
}

// Totals is the outcome of Compute. Total = Subtotal - Discount + Shipping + Tax when prices
// exclude tax, and Subtotal - Discount + Shipping when they include it (Tax is then the part of
// that amount that is tax).
type Totals struct {
	Currency         string      `json:"currency"`
	Subtotal         int64       `json:"subtotal"`
	Discount         int64       `json:"discount"`
	Shipping         int64       `json:"shipping"`
	Tax              int64       `json:"tax"`
	Total            int64       `json:"total"`
	TaxRate          BasisPoints `json:"tax_rate_bp"`
	PricesIncludeTax bool        `json:"prices_include_tax"`
	ShippingMethod   string      `json:"shipping_method"`
	WeightGrams      int64       `json:"weight_grams"`
}

// Calculator holds a store's pricing settings: its shipping methods (the first is the default),
// its tax rates and whether catalog prices include tax.
type Calculator struct {
	Shipping         []ShippingMethod
	Taxes            TaxTable
	PricesIncludeTax bool
	StoreCountry     string // the destination assumed until a shopper gives one
}

// Compute returns the totals of in. It fails on a discount that does not apply (an *apperr.Error
// naming why), an unknown shipping method, or amounts that overflow.
func (c Calculator) Compute(in Input) (Totals, error) {
	t := Totals{Currency: in.Currency, PricesIncludeTax: c.PricesIncludeTax}
	for _, l := range in.Lines {
		if l.Quantity <= 0 || l.UnitPrice < 0 || l.WeightGrams < 0 {
			return Totals{}, fmt.Errorf("pricing: line %s: bad quantity, price or weight", l.SKU)
		}
		amount, err := mulChecked(l.UnitPrice, l.Quantity)
		if err != nil {
			return Totals{}, err
		}
		if t.Subtotal, err = addChecked(t.Subtotal, amount); err != nil {
			return Totals{}, err
		}
		w, err := mulChecked(l.WeightGrams, l.Quantity)
		if err != nil {
			return Totals{}, err
		}
		if t.WeightGrams, err = addChecked(t.WeightGrams, w); err != nil {
			return Totals{}, err
		}
	}
	if in.Discount != nil {
		if err := in.Discount.Applies(in.Currency, t.Subtotal, in.Now); err != nil {
			return Totals{}, err
		}
		d, err := in.Discount.Amount(t.Subtotal)
		if err != nil {
			return Totals{}, err
		}
		t.Discount = d
	}
	goods := t.Subtotal - t.Discount
	m, err := c.Method(in.ShippingMethod)
	if err != nil {
		return Totals{}, err
	}
	t.ShippingMethod = m.ID
	if len(in.Lines) > 0 {
		if t.Shipping, err = m.Fee(in.Currency, goods, t.WeightGrams); err != nil {
			return Totals{}, err
		}
	}
	taxable, err := addChecked(goods, t.Shipping)
	if err != nil {
		return Totals{}, err
	}
	country := in.Country
	if country == "" {
		country = c.StoreCountry
	}
	t.TaxRate = c.Taxes.Rate(country, in.Region)
	if c.PricesIncludeTax {
		// The amount already holds the tax: tax = taxable * r / (1 + r), rounded once.
		if t.Tax, err = mulDivHalfEven(taxable, int64(t.TaxRate), 10000+int64(t.TaxRate)); err != nil {
			return Totals{}, err
		}
		t.Total = taxable
		return t, nil
	}
	if t.Tax, err = mulDivHalfEven(taxable, int64(t.TaxRate), 10000); err != nil {
		return Totals{}, err
	}
	if t.Total, err = addChecked(taxable, t.Tax); err != nil {
		return Totals{}, err
	}
	return t, nil
}
