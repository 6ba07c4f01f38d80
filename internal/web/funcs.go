package web

import (
	"html/template"
	"strconv"
	"strings"

	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/order"
	"github.com/pasarhq/pasar/internal/pricing"
)

func (s *Storefront) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":       func(name string) string { return s.cdn + s.assets.path(name) },
		"img":         func(src string, size int) string { return imageURL(s.cdn, src, size) },
		"money":       money,
		"price":       price,
		"placeholder": catalog.PlaceholderURL,
		"args":        fieldArgsOf,
		"firstImage": func(p catalog.Product) catalog.Image {
			if len(p.Images) == 0 {
				return catalog.Image{URL: catalog.PlaceholderURL(p.Slug), Alt: p.Title}
			}
			return p.Images[0]
		},
		"options": catalog.OptionsText,
	}
}

// symbols are the signs of the currencies a shop most likely sells in; others show their code.
var symbols = map[string]string{"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "AUD": "A$", "CAD": "C$"}

// zeroDecimal lists currencies without minor units (ISO 4217 exponent 0).
var zeroDecimal = map[string]bool{"JPY": true, "KRW": true, "VND": true, "CLP": true, "ISK": true, "UGX": true}

// money formats minor units of currency for people: $12.34, €5.00, 1,200 JPY as ¥1,200.
func money(amount int64, currency string) string {
	neg := amount < 0
	if neg {
		amount = -amount
	}
	var s string
	if zeroDecimal[currency] {
		s = group(amount)
	} else {
		s = group(amount/100) + "." + pad2(amount%100)
	}
	if sym, ok := symbols[currency]; ok {
		s = sym + s
	} else {
		s += " " + currency
	}
	if neg {
		s = "−" + s
	}
	return s
}

func group(n int64) string {
	d := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func pad2(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

// fieldArgs is what the "field" template needs to draw one labelled input with its error.
type fieldArgs struct {
	Name, Label, Type, Auto, Value, Err string
}

// secretFields are never written back into a form shown again.
var secretFields = map[string]bool{"password": true, "payment.card_number": true, "payment.cvc": true}

func fieldArgsOf(v view, name, label, typ, auto string) fieldArgs {
	a := fieldArgs{Name: name, Label: label, Type: typ, Auto: auto, Err: v.Err(name)}
	if !secretFields[name] {
		a.Value = v.Val(name)
	}
	return a
}

// price formats any of the services' money types (each service owns its own struct).
func price(m any) string {
	switch m := m.(type) {
	case catalog.Money:
		return money(m.Amount, m.Currency)
	case order.Money:
		return money(m.Amount, m.Currency)
	case pricing.Money:
		return money(m.Amount, m.Currency)
	case *catalog.Money:
		if m != nil {
			return money(m.Amount, m.Currency)
		}
	}
	return ""
}
