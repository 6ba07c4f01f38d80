package pricing

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/pasarhq/pasar/internal/platform/apperr"
)

// ShippingMethod is a way to ship a basket, with its rates per currency ("*" for any currency
// without its own rate).
type ShippingMethod struct {
	ID    string                  `json:"id"`
	Name  string                  `json:"name"`
	Rates map[string]ShippingRate `json:"rates"`
}

// ShippingRate prices a shipment: Flat plus PerKg for every started kilogram, nothing at all
// when FreeAbove > 0 and the discounted subtotal reaches it. Flat alone is a flat rate, PerKg a
// by-weight rate, FreeAbove a free-shipping threshold; they combine.
type ShippingRate struct {
	Flat      int64 `json:"flat,omitempty"`
	PerKg     int64 `json:"per_kg,omitempty"`
	FreeAbove int64 `json:"free_above,omitempty"`
}

// Errors about shipping; each names the shipping_method field.
var (
	ErrUnknownShipping = &apperr.Error{Kind: apperr.InvalidInput, Code: "unknown_shipping_method",
		Message: "No such shipping method.", Fields: []apperr.FieldError{{Field: "shipping_method", Detail: "unknown shipping method"}}}
	ErrShippingCurrency = &apperr.Error{Kind: apperr.InvalidInput, Code: "shipping_currency",
		Message: "The shipping method does not ship in this currency.",
		Fields:  []apperr.FieldError{{Field: "shipping_method", Detail: "has no rate in the cart's currency"}}}
)

// DefaultShipping is the method list of a store that configured none: a flat standard rate of
// 500 minor units, free from 5000, in every currency.
func DefaultShipping() []ShippingMethod {
	return []ShippingMethod{{ID: "standard", Name: "Standard", Rates: map[string]ShippingRate{"*": {Flat: 500, FreeAbove: 5000}}}}
}

// Method returns the shipping method id, or the default (the first) when id is empty.
func (c Calculator) Method(id string) (ShippingMethod, error) {
	methods := c.Shipping
	if len(methods) == 0 {
		methods = DefaultShipping()
	}
	if id == "" {
		return methods[0], nil
	}
	for _, m := range methods {
		if m.ID == id {
			return m, nil
		}
	}
	return ShippingMethod{}, ErrUnknownShipping
}

// Fee is what m charges to ship goods (the discounted subtotal) weighing grams, in currency.
func (m ShippingMethod) Fee(currency string, goods, grams int64) (int64, error) {
	r, ok := m.Rates[currency]
	if !ok {
		if r, ok = m.Rates["*"]; !ok {
			return 0, ErrShippingCurrency
		}
	}
	if r.FreeAbove > 0 && goods >= r.FreeAbove {
		return 0, nil
	}
	kg := (grams + 999) / 1000 // every started kilogram
	w, err := mulChecked(r.PerKg, kg)
	if err != nil {
		return 0, err
	}
	return addChecked(r.Flat, w)
}

// ParseShipping reads shipping methods from JSON, as PASAR_SHIPPING_METHODS holds them:
// [{"id":"standard","name":"Standard","rates":{"*":{"flat":500,"free_above":5000}}}].
// An empty string means DefaultShipping.
func ParseShipping(s string) ([]ShippingMethod, error) {
	if s == "" {
		return DefaultShipping(), nil
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.DisallowUnknownFields()
	var ms []ShippingMethod
	if err := dec.Decode(&ms); err != nil {
		return nil, fmt.Errorf("shipping methods: %w", err)
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("shipping methods: at least one is needed")
	}
	seen := map[string]bool{}
	for _, m := range ms {
		if m.ID == "" || seen[m.ID] || !ValidCode(m.ID) {
			return nil, fmt.Errorf("shipping methods: id %q is empty, repeated or not letters, digits, '-' and '_'", m.ID)
		}
		seen[m.ID] = true
		if len(m.Rates) == 0 {
			return nil, fmt.Errorf("shipping method %s: no rates", m.ID)
		}
		for cur, r := range m.Rates {
			if cur != "*" && !currencyShape(cur) {
				return nil, fmt.Errorf("shipping method %s: currency %q is not a code like USD or *", m.ID, cur)
			}
			if r.Flat < 0 || r.PerKg < 0 || r.FreeAbove < 0 || max(r.Flat, r.PerKg, r.FreeAbove) > MaxAmount {
				return nil, fmt.Errorf("shipping method %s: %s amounts must be from 0 to 10^15", m.ID, cur)
			}
		}
	}
	return ms, nil
}
