package notification

import (
	"strings"

	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/order"
)

// mailLine is one order line as the mail shows it.
type mailLine struct {
	Title     string
	Options   string // the variant's options, sorted by name: "colour: grey, size: 15\"" ("" for none)
	SKU       string // names the variant the shopper chose
	Quantity  int64
	UnitPrice string
	LineTotal string
}

// orderMail is what an order event's mail shows: the lines, totals and address come with the
// event (events published before they were added have none, and the mail shows the total only).
func orderMail(e order.OrderEvent) mailData {
	cur := e.Total.Currency
	money := func(v int64) string { return formatMoney(v, cur) }
	d := mailData{Number: e.Number, Total: money(e.Total.Amount), Tracking: oneLine(e.Tracking), Paid: e.Captured}
	for _, l := range e.Lines {
		d.Lines = append(d.Lines, mailLine{Title: oneLine(l.Title), Options: oneLine(catalog.OptionsText(l.Options)), SKU: oneLine(l.SKU), Quantity: l.Quantity,
			UnitPrice: money(l.UnitPrice.Amount), LineTotal: money(l.LineTotal.Amount)})
	}
	if t := e.Totals; t != nil {
		d.Subtotal, d.Shipping, d.Tax = money(t.Subtotal), money(t.Shipping), money(t.Tax)
		if t.Discount != 0 {
			d.Discount = money(-t.Discount)
		}
	}
	if a := e.ShippingAddress; a != nil {
		d.Address = addressLines(*a)
	}
	return d
}

// addressLines writes a shipping address the way a label does: name, street lines, postal code
// and city, region, country code. Empty parts leave no line.
func addressLines(a order.Address) []string {
	var out []string
	for _, l := range []string{a.Name, a.Line1, a.Line2, strings.TrimSpace(a.PostalCode + " " + a.City), a.Region, a.Country} {
		if l = oneLine(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// oneLine folds whitespace, newlines included, into single spaces: a value from an order can
// neither break the text mail's layout nor forge a line in it.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
