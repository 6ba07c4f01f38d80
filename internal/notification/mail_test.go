package notification

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/identity"
	"github.com/pasarhq/pasar/internal/order"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

func orderEvent(status, from order.Status, captured bool) order.OrderEvent {
	return order.OrderEvent{OrderID: "ord1", Number: "PSR-100001", Status: status, From: from, Email: "ann@example.test",
		Total: order.Money{Amount: 123456, Currency: "EUR"}, Tracking: "TRK-1", Captured: captured}
}

func TestMailsFromEvents(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		dir := t.TempDir()
		s := newService(t, d, Options{Mailer: &FileMailer{Dir: dir}, From: "Corner Shop <shop@example.test>",
			PublicURL: "https://shop.example.test/"})
		steps := []struct {
			typ  string
			data any
		}{
			{"order.placed", orderEvent(order.Placed, order.Pending, true)},
			{"order.paid", orderEvent(order.Paid, order.Placed, true)}, // the confirmation went already
			{"order.shipped", orderEvent(order.Shipped, order.Paid, true)},
			{"order.delivered", orderEvent(order.Delivered, order.Shipped, true)}, // no mail
			{"order.refunded", orderEvent(order.Refunded, order.Delivered, true)},
			{identity.EventPasswordResetRequested, identity.PasswordResetRequested{UserID: "u1", Email: "bob@example.test",
				Token: "tok/en+1", ExpiresAt: time.Date(2030, 1, 2, 3, 4, 0, 0, time.UTC).Unix()}},
		}
		for _, st := range steps {
			ev := event(t, st.typ, st.data)
			if err := handle(t, d, s.HandleMail, ev); err != nil {
				t.Fatalf("%s: %v", st.typ, err)
			}
			// A redelivered event mails nothing more.
			if err := handle(t, d, s.HandleMail, ev); err != nil {
				t.Fatalf("%s again: %v", st.typ, err)
			}
		}
		got := mailLog(t, dir)
		if len(got) != 4 {
			t.Fatalf("%d mails, want 4", len(got))
		}
		want := []struct{ subject, to, text, html string }{
			{"Order PSR-100001 confirmed", "ann@example.test", "Total: EUR 1234.56", "https://shop.example.test/orders/ord1"},
			{"Order PSR-100001 has shipped", "ann@example.test", "Tracking number: TRK-1", "<strong>TRK-1</strong>"},
			{"Order PSR-100001 refunded", "ann@example.test", "We have refunded EUR 1234.56", "Corner Shop"},
			{"Reset your password", "bob@example.test", "https://shop.example.test/account/reset?token=tok%2Fen%2B1",
				"2 Jan 2030 03:04 UTC"},
		}
		bySubject := map[string]parsed{}
		for _, m := range got {
			bySubject[m.Subject()] = m
		}
		for i, w := range want {
			m := bySubject[w.subject]
			if m.Header == nil {
				t.Errorf("no mail %q", w.subject)
				continue
			}
			if m.Subject() != w.subject || !strings.Contains(m.Header.Get("To"), w.to) ||
				!strings.Contains(m.Header.Get("From"), "shop@example.test") || m.Header.Get("Message-ID") == "" {
				t.Errorf("mail %d: subject %q to %q from %q", i, m.Subject(), m.Header.Get("To"), m.Header.Get("From"))
			}
			if !strings.Contains(m.text, w.text) || !strings.Contains(m.html, w.html) {
				t.Errorf("mail %d (%s) lacks %q in text or %q in HTML:\n%s\n%s", i, w.subject, w.text, w.html, m.text, m.html)
			}
		}
		if c := bySubject["Order PSR-100001 confirmed"]; !strings.Contains(c.text, "payment has been received") {
			t.Errorf("confirmation of a captured order: %s", c.text)
		}
	})
}

func TestCancelledMails(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		dir := t.TempDir()
		s := newService(t, d, Options{Mailer: &FileMailer{Dir: dir}})
		failed := orderEvent(order.Cancelled, order.Pending, false) // a checkout that failed: the shopper saw it
		if err := handle(t, d, s.HandleMail, event(t, "order.cancelled", failed)); err != nil {
			t.Fatal(err)
		}
		if n := len(mailLog(t, dir)); n != 0 {
			t.Fatalf("failed checkout mailed %d", n)
		}
		placed := orderEvent(order.Placed, order.Pending, false) // capture at shipment
		if err := handle(t, d, s.HandleMail, event(t, "order.placed", placed)); err != nil {
			t.Fatal(err)
		}
		cancelled := orderEvent(order.Cancelled, order.Placed, false)
		if err := handle(t, d, s.HandleMail, event(t, "order.cancelled", cancelled)); err != nil {
			t.Fatal(err)
		}
		got := mailLog(t, dir)
		if len(got) != 2 || !strings.Contains(got[0].text, "will be taken when the order ships") ||
			got[1].Subject() != "Order PSR-100001 cancelled" || strings.Contains(got[1].text, "refunded") {
			for _, m := range got {
				t.Logf("%s\n%s", m.Subject(), m.text)
			}
			t.Fatalf("%d mails", len(got))
		}
	})
}

func TestSMTPMailer(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, "mailer", "s3cret pass")
	tlsConf := &tls.Config{RootCAs: srv.caPool}
	m, err := NewSMTPMailer("smtp://mailer:s3cret%20pass@"+srv.addr, tlsConf)
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := newService(t, d, Options{Mailer: m, From: "Shop <shop@example.test>"})
		e := fullOrderEvent(order.Shipped, order.Paid)
		e.OrderID = newID("o")
		before := len(srv.mails())
		srv.mu.Lock()
		srv.reject = 1 // the server is not taking mail for the moment
		srv.mu.Unlock()
		ev := event(t, "order.shipped", e)
		if err := handle(t, d, s.HandleMail, ev); err == nil || !strings.Contains(err.Error(), "451") {
			t.Fatalf("rejected mail: %v", err)
		}
		// The failure rolled back: the redelivered event sends the mail.
		if err := handle(t, d, s.HandleMail, ev); err != nil {
			t.Fatal(err)
		}
		got := srv.mails()
		if len(got) != before+1 {
			t.Fatalf("server got %d mails, want %d", len(got), before+1)
		}
		r := got[len(got)-1]
		if !r.tls || r.user != "mailer" || r.from != "shop@example.test" || len(r.to) != 1 || r.to[0] != "kei@example.test" {
			t.Fatalf("received %+v", r)
		}
		p := parseMail(t, r.data)
		if p.Subject() != "Order PSR-100007 has shipped" || !strings.Contains(p.text, "3 x Sencha tea (SKU TEA-SENCHA-100G)\n    JPY 1200 each: JPY 3600") ||
			!strings.Contains(p.text, "Tracking number: JP-TRK-9") || !strings.Contains(p.html, "Cup &lt;script&gt;") {
			t.Errorf("mail over SMTP: %q\n%s\n%s", p.Subject(), p.text, p.html)
		}
	})

	bad, _ := NewSMTPMailer("smtp://mailer:wrong@"+srv.addr, tlsConf)
	msg := Message{From: "shop@example.test", To: "ann@example.test", Subject: "x", Text: "x", HTML: "x",
		MessageID: "<1@example.test>", Date: time.Now()}
	if err := bad.Send(context.Background(), msg); err == nil || !strings.Contains(err.Error(), "auth") {
		t.Errorf("wrong password: %v", err)
	}
	untrusted, _ := NewSMTPMailer("smtp://mailer:s3cret%20pass@"+srv.addr, nil)
	if err := untrusted.Send(context.Background(), msg); err == nil || !strings.Contains(err.Error(), "starttls") {
		t.Errorf("certificate not trusted: %v", err)
	}
	down, _ := NewSMTPMailer("smtp://127.0.0.1:1", nil)
	if err := down.Send(context.Background(), msg); err == nil {
		t.Error("no server: no error")
	}
	if _, err := NewSMTPMailer("http://host", nil); err == nil {
		t.Error("http URL accepted")
	}
}
