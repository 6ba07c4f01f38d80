package pricing

import (
	"errors"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func at(d time.Duration) *time.Time { t := now.Add(d); return &t }

func TestCompute(t *testing.T) {
	t.Parallel()
	taxes := TaxTable{"DE": 1900, "US-CA": 725, "US": 0, "JP": 1000}
	ship := []ShippingMethod{
		{ID: "standard", Rates: map[string]ShippingRate{"*": {Flat: 500, FreeAbove: 5000}, "JPY": {Flat: 800}}},
		{ID: "freight", Rates: map[string]ShippingRate{"EUR": {Flat: 1000, PerKg: 250}}},
	}
	excl := Calculator{Shipping: ship, Taxes: taxes, StoreCountry: "DE"}
	incl := Calculator{Shipping: ship, Taxes: taxes, StoreCountry: "DE", PricesIncludeTax: true}
	pct := &Discount{Code: "TEN", Kind: Percent, Percent: 10}
	cases := []struct {
		name string
		calc Calculator
		in   Input
		want Totals
	}{
		{"empty basket ships nothing", excl, Input{Currency: "EUR"},
			Totals{Subtotal: 0, Shipping: 0, Tax: 0, Total: 0, TaxRate: 1900}},
		{"exclusive: tax on goods and shipping", excl,
			Input{Currency: "EUR", Lines: []Line{{SKU: "A", UnitPrice: 1999, Quantity: 2}}},
			// 3998 + 500 = 4498; 19% = 854.62 -> 855
			Totals{Subtotal: 3998, Shipping: 500, Tax: 855, Total: 5353, TaxRate: 1900}},
		{"free shipping at the threshold", excl,
			Input{Currency: "EUR", Lines: []Line{{SKU: "A", UnitPrice: 2500, Quantity: 2}}},
			Totals{Subtotal: 5000, Shipping: 0, Tax: 950, Total: 5950, TaxRate: 1900}},
		{"threshold checks the discounted subtotal", excl,
			Input{Currency: "EUR", Lines: []Line{{SKU: "A", UnitPrice: 2500, Quantity: 2}}, Discount: pct, Now: now},
			// 5000 - 500 = 4500 < 5000: ships at 500; (4500+500)*19% = 950
			Totals{Subtotal: 5000, Discount: 500, Shipping: 500, Tax: 950, Total: 5950, TaxRate: 1900}},
		{"inclusive: tax is the part of the total", incl,
			Input{Currency: "EUR", Lines: []Line{{SKU: "A", UnitPrice: 1190, Quantity: 1}}},
			// 1190 + 500 = 1690; 1690*19/119 = 269.83 -> 270
			Totals{Subtotal: 1190, Shipping: 500, Tax: 270, Total: 1690, TaxRate: 1900, PricesIncludeTax: true}},
		{"region rate", excl,
			Input{Currency: "USD", Country: "us", Region: "ca", Lines: []Line{{SKU: "A", UnitPrice: 1000, Quantity: 1}}},
			// 1500 * 7.25% = 108.75 -> 109
			Totals{Subtotal: 1000, Shipping: 500, Tax: 109, Total: 1609, TaxRate: 725}},
		{"region without own rate takes the country's", excl,
			Input{Currency: "USD", Country: "US", Region: "OR", Lines: []Line{{SKU: "A", UnitPrice: 1000, Quantity: 1}}},
			Totals{Subtotal: 1000, Shipping: 500, Tax: 0, Total: 1500}},
		{"unknown country is untaxed", excl,
			Input{Currency: "USD", Country: "ZZ", Lines: []Line{{SKU: "A", UnitPrice: 1000, Quantity: 1}}},
			Totals{Subtotal: 1000, Shipping: 500, Total: 1500}},
		{"per-currency rate beats the wildcard", excl,
			Input{Currency: "JPY", Country: "JP", Lines: []Line{{SKU: "A", UnitPrice: 9000, Quantity: 1}}},
			Totals{Subtotal: 9000, Shipping: 800, Tax: 980, Total: 10780, TaxRate: 1000}},
		{"by weight counts started kilograms", excl,
			Input{Currency: "EUR", ShippingMethod: "freight", Lines: []Line{{SKU: "A", UnitPrice: 100, Quantity: 3, WeightGrams: 700}}},
			// 2100 g -> 3 kg: 1000 + 750 = 1750; (300+1750)*19% = 389.5 -> 390 (half to even)
			Totals{Subtotal: 300, Shipping: 1750, Tax: 390, Total: 2440, TaxRate: 1900, WeightGrams: 2100}},
		{"fixed discount capped at the subtotal", excl,
			Input{Currency: "EUR", Now: now, Lines: []Line{{SKU: "A", UnitPrice: 300, Quantity: 1}},
				Discount: &Discount{Code: "BIG", Kind: Fixed, AmountOff: 1000, Currency: "EUR"}},
			Totals{Subtotal: 300, Discount: 300, Shipping: 500, Tax: 95, Total: 595, TaxRate: 1900}},
		{"percent discount rounds half to even", excl,
			Input{Currency: "USD", Country: "US", Now: now, Lines: []Line{{SKU: "A", UnitPrice: 5, Quantity: 1}},
				Discount: &Discount{Code: "P", Kind: Percent, Percent: 50}},
			// 5 * 50% = 2.5 -> 2
			Totals{Subtotal: 5, Discount: 2, Shipping: 500, Total: 503}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.calc.Compute(c.in)
			if err != nil {
				t.Fatal(err)
			}
			c.want.Currency = c.in.Currency
			c.want.PricesIncludeTax = c.calc.PricesIncludeTax
			if c.want.ShippingMethod == "" {
				c.want.ShippingMethod = c.in.ShippingMethod
				if c.in.ShippingMethod == "" {
					c.want.ShippingMethod = "standard"
				}
			}
			if got != c.want {
				t.Fatalf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestComputeErrors(t *testing.T) {
	t.Parallel()
	calc := Calculator{Shipping: []ShippingMethod{{ID: "eu", Rates: map[string]ShippingRate{"EUR": {Flat: 1}}}}}
	line := []Line{{SKU: "A", UnitPrice: 1000, Quantity: 1}}
	cases := []struct {
		name string
		in   Input
		want error
	}{
		{"not started", Input{Currency: "EUR", Lines: line, Now: now, Discount: &Discount{Kind: Percent, Percent: 5, StartsAt: at(time.Hour)}}, ErrDiscountNotStarted},
		{"expired", Input{Currency: "EUR", Lines: line, Now: now, Discount: &Discount{Kind: Percent, Percent: 5, EndsAt: at(-time.Second)}}, ErrDiscountExpired},
		{"expires exactly now", Input{Currency: "EUR", Lines: line, Now: now, Discount: &Discount{Kind: Percent, Percent: 5, EndsAt: at(0)}}, ErrDiscountExpired},
		{"below minimum", Input{Currency: "EUR", Lines: line, Now: now, Discount: &Discount{Kind: Percent, Percent: 5, MinSubtotal: 1001}}, ErrDiscountMinSubtotal},
		{"other currency", Input{Currency: "EUR", Lines: line, Now: now, Discount: &Discount{Kind: Fixed, AmountOff: 5, Currency: "USD"}}, ErrDiscountCurrency},
		{"unknown method", Input{Currency: "EUR", Lines: line, ShippingMethod: "moon"}, ErrUnknownShipping},
		{"method not in currency", Input{Currency: "USD", Lines: line}, ErrShippingCurrency},
		{"overflow", Input{Currency: "EUR", Lines: []Line{{SKU: "A", UnitPrice: 1 << 62, Quantity: 4}}}, ErrOverflow},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if _, err := calc.Compute(c.in); !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
	if _, err := calc.Compute(Input{Currency: "EUR", Lines: []Line{{SKU: "A", UnitPrice: 1, Quantity: 0}}}); err == nil {
		t.Error("zero quantity accepted")
	}
}
