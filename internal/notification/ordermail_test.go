package notification

import (
	"strings"
	"testing"

	"github.com/pasarhq/pasar/internal/order"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// fullOrderEvent is an order event as the order service publishes it now: with lines, totals
// and address, in yen (no minor unit), one title trying to inject markup and a forged line, and
// two variants of one product told apart by their options (one of them trying the same).
func fullOrderEvent(status, from order.Status) order.OrderEvent {
	yen := func(v int64) order.Money { return order.Money{Amount: v, Currency: "JPY"} }
	e := order.OrderEvent{OrderID: "ord/7", Number: "PSR-100007", Status: status, From: from, Email: "kei@example.test",
		Total: yen(13170), Tracking: "JP-TRK-9", Captured: true,
		Lines: []order.Line{
			{SKU: "TEA-SENCHA-100G", Title: "Sencha tea", Quantity: 3, UnitPrice: yen(1200), LineTotal: yen(3600)},
			{SKU: "CUP-<b>", Title: "Cup <script>alert(1)</script>\nTotal: JPY 0", Quantity: 2, UnitPrice: yen(4500), LineTotal: yen(9000)},
			{SKU: "LAP-000000-01", Title: "Vertex Go Notebook 846", Options: map[string]string{"size": `15"`, "colour": "grey"},
				Quantity: 1, UnitPrice: yen(0), LineTotal: yen(0)},
			{SKU: "LAP-000000-02", Title: "Vertex Go Notebook 846", Options: map[string]string{"size": `13"`, "colour": "<i>blue</i>\nTotal: JPY 0"},
				Quantity: 1, UnitPrice: yen(0), LineTotal: yen(0)},
		},
		Totals:          &order.Totals{Subtotal: 12600, Discount: 500, Shipping: 800, Tax: 270},
		ShippingAddress: &order.Address{Name: "Kei Tanaka", Line1: "1-2-3 Jingumae", City: "Shibuya", Region: "Tokyo", PostalCode: "150-0001", Country: "JP"}}
	return e
}

func TestOrderMailsShowTheOrder(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		dir := t.TempDir()
		s := newService(t, d, Options{Mailer: &FileMailer{Dir: dir}, From: "Tea House <shop@example.test>",
			PublicURL: "https://tea.example.test"})
		for _, e := range []struct {
			typ string
			ev  order.OrderEvent
		}{
			{"order.placed", fullOrderEvent(order.Placed, order.Pending)},
			{"order.shipped", fullOrderEvent(order.Shipped, order.Paid)},
			{"order.refunded", fullOrderEvent(order.Refunded, order.Shipped)},
		} {
			if err := handle(t, d, s.HandleMail, event(t, e.typ, e.ev)); err != nil {
				t.Fatalf("%s: %v", e.typ, err)
			}
		}
		got := map[string]parsed{}
		for _, m := range mailLog(t, dir) {
			got[m.Subject()] = m
		}
		text := []string{
			"PSR-100007",
			"3 x Sencha tea (SKU TEA-SENCHA-100G)\n    JPY 1200 each: JPY 3600\n",
			// The newline in the title is folded: it cannot forge a line of the mail.
			"2 x Cup <script>alert(1)</script> Total: JPY 0 (SKU CUP-<b>)\n    JPY 4500 each: JPY 9000\n",
			// Options follow the title, sorted by name.
			"1 x Vertex Go Notebook 846 (colour: grey, size: 15\") (SKU LAP-000000-01)\n",
			"1 x Vertex Go Notebook 846 (colour: <i>blue</i> Total: JPY 0, size: 13\") (SKU LAP-000000-02)\n",
			"Subtotal: JPY 12600\nDiscount: JPY -500\nShipping: JPY 800\nTax: JPY 270\nTotal: JPY 13170\n",
			"Shipping to:\n    Kei Tanaka\n    1-2-3 Jingumae\n    150-0001 Shibuya\n    Tokyo\n    JP\n",
			"https://tea.example.test/orders/ord%2F7",
		}
		html := []string{
			"<strong>PSR-100007</strong>",
			">Sencha tea<br>", "SKU TEA-SENCHA-100G", ">3</td>", ">JPY 1200</td>", ">JPY 3600</td>",
			"Cup &lt;script&gt;alert(1)&lt;/script&gt; Total: JPY 0<br>", "SKU CUP-&lt;b&gt;", ">JPY 9000</td>",
			">Vertex Go Notebook 846 (colour: grey, size: 15&#34;)<br>",
			">Vertex Go Notebook 846 (colour: &lt;i&gt;blue&lt;/i&gt; Total: JPY 0, size: 13&#34;)<br>",
			">JPY 12600</td>", ">JPY -500</td>", ">JPY 800</td>", ">JPY 270</td>", "<strong>JPY 13170</strong>",
			"Kei Tanaka<br>1-2-3 Jingumae<br>150-0001 Shibuya<br>Tokyo<br>JP",
			`href="https://tea.example.test/orders/ord%2F7"`,
		}
		for _, subject := range []string{"Order PSR-100007 confirmed", "Order PSR-100007 has shipped", "Order PSR-100007 refunded"} {
			m, ok := got[subject]
			if !ok {
				t.Fatalf("no mail %q among %d", subject, len(got))
			}
			for _, w := range text {
				if !strings.Contains(m.text, w) {
					t.Errorf("%s: text lacks %q:\n%s", subject, w, m.text)
				}
			}
			for _, w := range html {
				if !strings.Contains(m.html, w) {
					t.Errorf("%s: HTML lacks %q:\n%s", subject, w, m.html)
				}
			}
			if strings.Contains(m.html, "<script") || strings.Contains(m.html, "<b>") || strings.Contains(m.html, "<i>") {
				t.Errorf("%s: markup from the order reached the HTML:\n%s", subject, m.html)
			}
		}
		if m := got["Order PSR-100007 has shipped"]; !strings.Contains(m.text, "Tracking number: JP-TRK-9") ||
			!strings.Contains(m.html, "<strong>JP-TRK-9</strong>") {
			t.Errorf("shipment mail without its tracking number:\n%s", m.text)
		}
	})
}

func TestOrderMailMoney(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		amount   int64
		currency string
		want     string
	}{
		{123456, "EUR", "EUR 1234.56"},
		{5, "USD", "USD 0.05"},
		{0, "USD", "USD 0.00"},
		{-250, "USD", "USD -2.50"},
		{1200, "JPY", "JPY 1200"},
		{1500, "KRW", "KRW 1500"},
		{1234, "KWD", "KWD 1.234"},
		{7, "BHD", "BHD 0.007"},
	} {
		if got := formatMoney(c.amount, c.currency); got != c.want {
			t.Errorf("formatMoney(%d, %s) = %q, want %q", c.amount, c.currency, got, c.want)
		}
	}
}

// An event published before lines were added still mails the total, with no empty sections.
func TestOrderMailWithoutLines(t *testing.T) {
	t.Parallel()
	d := orderMail(orderEvent(order.Placed, order.Pending, true))
	tpl, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	_, text, html, err := tpl.render(KindOrderConfirmation, d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "Total: EUR 1234.56") || strings.Contains(text, "Subtotal") || strings.Contains(text, "Shipping to") ||
		strings.Contains(html, "<th") || strings.Contains(html, "Shipping to") {
		t.Errorf("legacy event:\n%s\n%s", text, html)
	}
}
