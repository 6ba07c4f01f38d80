package notification

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strconv"
	"strings"
	texttemplate "text/template"
)

// Mail kinds, each with a text and an HTML template in templates/.
const (
	KindOrderConfirmation = "order_confirmation"
	KindOrderShipped      = "order_shipped"
	KindOrderRefunded     = "order_refunded"
	KindPasswordReset     = "password_reset"
)

var kinds = []string{KindOrderConfirmation, KindOrderShipped, KindOrderRefunded, KindPasswordReset}

// mailData is what the templates see.
type mailData struct {
	Shop      string
	Number    string
	Lines     []mailLine
	Subtotal  string // empty when the event did not carry the totals
	Discount  string // negative; empty when there was none
	Shipping  string
	Tax       string
	Total     string
	Address   []string // the shipping address, a line each
	OrderURL  string
	Tracking  string
	Paid      bool // the payment was captured
	Cancelled bool // the order was cancelled (refund mail)
	Refunded  bool // money went back (refund mail)
	ResetURL  string
	Expires   string
}

type templates struct {
	text map[string]*texttemplate.Template
	html map[string]*htmltemplate.Template
}

func parseTemplates() (templates, error) {
	t := templates{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	for _, k := range kinds {
		tt, err := texttemplate.ParseFS(templateFiles, "templates/order.txt", "templates/"+k+".txt")
		if err != nil {
			return t, fmt.Errorf("mail template %s: %w", k, err)
		}
		ht, err := htmltemplate.ParseFS(templateFiles, "templates/layout.html", "templates/order.html", "templates/"+k+".html")
		if err != nil {
			return t, fmt.Errorf("mail template %s: %w", k, err)
		}
		t.text[k], t.html[k] = tt, ht
	}
	return t, nil
}

// render returns the subject, text and HTML of a mail of kind.
func (t templates) render(kind string, d mailData) (subject, text, html string, err error) {
	var sb, tb, hb bytes.Buffer
	if err = t.text[kind].ExecuteTemplate(&sb, "subject", d); err != nil {
		return
	}
	if err = t.text[kind].ExecuteTemplate(&tb, "body", d); err != nil {
		return
	}
	if err = t.html[kind].ExecuteTemplate(&hb, "layout", d); err != nil {
		return
	}
	// A subject is one line whatever the data held.
	subject = strings.Join(strings.Fields(sb.String()), " ")
	return subject, strings.TrimLeft(tb.String(), "\n"), hb.String(), nil
}

// minorDigits are the currencies whose minor unit is not a hundredth (ISO 4217).
var minorDigits = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0,
	"UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

// formatMoney writes an amount in minor units as "USD 12.34".
func formatMoney(amount int64, currency string) string {
	digits, ok := minorDigits[currency]
	if !ok {
		digits = 2
	}
	neg := amount < 0
	if neg {
		amount = -amount
	}
	s := strconv.FormatInt(amount, 10)
	if digits > 0 {
		for len(s) <= digits {
			s = "0" + s
		}
		s = s[:len(s)-digits] + "." + s[len(s)-digits:]
	}
	if neg {
		s = "-" + s
	}
	return currency + " " + s
}
