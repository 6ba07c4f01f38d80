package notification

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/pasarhq/pasar/internal/identity"
	"github.com/pasarhq/pasar/internal/order"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/events"
)

// MailConsumer is the durable consumer that mails shoppers.
const MailConsumer = "notification-mail"

// mailTypes are the events that can cause a mail. order.paid is not among them: every order is
// placed before it is paid, and order.placed (with its captured flag) already confirmed it, so
// receiving it would cost a transaction per checkout for nothing. HandleMail still treats it as
// a confirmation, deduplicated, for callers that feed it directly.
var mailTypes = []string{"order.placed", "order.shipped", "order.refunded", "order.cancelled",
	identity.EventPasswordResetRequested}

// SubscribeMail starts the consumer that turns events into mail. A mail that cannot be sent
// (the SMTP server is down) fails the event, which is retried with the consumer's backoff and
// parked after its attempts, where an operator sees it. The events waiting together are handled
// in one transaction, each in a savepoint (events.SubscribeGrouped): a failing mail rolls back
// alone, so the mails before it in the group are not sent again.
func (s *Service) SubscribeMail(ctx context.Context, bus *events.Bus) (*events.Consumer, error) {
	return events.SubscribeGrouped(ctx, bus, s.d, events.ConsumerOptions{Name: MailConsumer, Types: mailTypes,
		MaxAttempts: 10, Logger: s.o.Logger, MaxBatch: mailGroup}, s.HandleMail)
}

// mailGroup bounds the mails sent in one transaction: over SMTP each takes a connection, and
// on SQLite the webhook consumer and worker wait for the store's writer while a group runs.
const mailGroup = 16

// HandleMail sends the mail an event calls for, if any, recording it in tx.
func (s *Service) HandleMail(ctx context.Context, tx *db.Tx, ev events.Event) error {
	if ev.Type == identity.EventPasswordResetRequested {
		var p identity.PasswordResetRequested
		if err := ev.Decode(&p); err != nil {
			return err
		}
		// One mail per request: each carries its own token.
		return s.mail(ctx, tx, KindPasswordReset+":"+ev.ID, KindPasswordReset, p.Email, mailData{
			ResetURL: s.o.PublicURL + "/account/reset?token=" + url.QueryEscape(p.Token),
			Expires:  time.Unix(p.ExpiresAt, 0).UTC().Format("2 Jan 2006 15:04 MST")})
	}
	var e order.OrderEvent
	if err := ev.Decode(&e); err != nil {
		return err
	}
	d := orderMail(e)
	d.OrderURL = s.o.PublicURL + "/orders/" + url.PathEscape(e.OrderID)
	var kind string
	switch {
	case ev.Type == "order.placed" || ev.Type == "order.paid":
		kind = KindOrderConfirmation // once, whichever comes first
	case ev.Type == "order.shipped":
		kind = KindOrderShipped
	case ev.Type == "order.refunded":
		kind, d.Refunded = KindOrderRefunded, true
	case ev.Type == "order.cancelled" && e.From != order.Pending:
		// A failed checkout (cancelled while pending) told the shopper at once; staff cancelling
		// a placed or paid order did not.
		kind, d.Cancelled, d.Refunded = KindOrderRefunded, true, e.Captured
	default:
		return nil
	}
	return s.mail(ctx, tx, kind+":"+e.OrderID, kind, e.Email, d)
}

// mail sends one mail of kind to to, unless a mail with key was sent before.
func (s *Service) mail(ctx context.Context, tx *db.Tx, key, kind, to string, d mailData) error {
	if to == "" {
		return nil
	}
	d.Shop = s.shopName()
	subject, text, html, err := s.tpl.render(kind, d)
	if err != nil {
		return fmt.Errorf("render %s mail: %w", kind, err)
	}
	m := Message{From: s.o.From, To: to, Subject: subject, Text: text, HTML: html,
		MessageID: newMessageID(s.idDomain), Date: s.o.Now()}
	res, err := tx.ExecContext(ctx, `INSERT INTO notification_mails (mail_key, kind, recipient, subject, message_id, sent_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (mail_key) DO NOTHING`, key, kind, to, subject, m.MessageID, ms(m.Date))
	if err != nil {
		return fmt.Errorf("record %s mail: %w", kind, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err // sent before
	}
	// Sent inside the transaction: if the commit then fails the event comes again and the mail
	// goes twice (with every mail of its group), which beats a mail recorded as sent that never
	// went.
	if err := s.o.Mailer.Send(ctx, m); err != nil {
		return fmt.Errorf("send %s mail: %w", kind, err)
	}
	s.o.Logger.Info("mail sent", "kind", kind, "message_id", m.MessageID, slog.String("to", to))
	return nil
}
