package app

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/pasarhq/pasar/internal/notification"
	"github.com/pasarhq/pasar/internal/platform/config"
)

// mailDir is where mail goes when no SMTP server is configured.
func mailDir(cfg config.Config) string { return filepath.Join(cfg.DataDir, "mail") }

// wireNotification opens the notification store, mails shoppers from order and identity events
// (over PASAR_SMTP_URL, or into a mail log of one mbox file per day under <data>/mail), queues and sends merchant webhooks,
// prunes mail and deliveries past their retention, and serves the webhook admin API.
func (a *App) wireNotification(ctx context.Context) error {
	st, err := a.OpenStore(ctx, "notification", notification.Migrations)
	if err != nil {
		return err
	}
	log := a.log.With("service", "notification")
	var mailer notification.Mailer
	if a.cfg.SMTPURL != "" {
		m, err := notification.NewSMTPMailer(a.cfg.SMTPURL, nil)
		if err != nil {
			return fmt.Errorf("notification: %w", err)
		}
		mailer = m
	} else {
		log.Info("no SMTP server configured: mail is written to the mail log folder", "dir", mailDir(a.cfg))
		m := &notification.FileMailer{Dir: mailDir(a.cfg)}
		// Closed after the consumers stop, so no mail is being written.
		a.closers = append(a.closers, m.Close)
		mailer = m
	}
	svc, err := notification.New(st.DB, notification.Options{Mailer: mailer, From: a.cfg.MailFrom,
		PublicURL: a.cfg.PublicURL, AllowPrivateTargets: a.cfg.WebhookAllowPrivate, MailRetention: a.cfg.MailRetention,
		DeliveryRetention: a.cfg.WebhookRetention, Logger: log})
	if err != nil {
		return fmt.Errorf("notification: %w", err)
	}
	mc, err := svc.SubscribeMail(ctx, a.bus)
	if err != nil {
		return fmt.Errorf("notification mail consumer: %w", err)
	}
	a.consumers = append(a.consumers, mc)
	wc, err := svc.SubscribeWebhooks(ctx, a.bus)
	if err != nil {
		return fmt.Errorf("notification webhook consumer: %w", err)
	}
	a.consumers = append(a.consumers, wc)
	a.bg.Add(1)
	go func() {
		defer a.bg.Done()
		svc.RunWorker(a.bgCtx)
	}()
	a.bg.Add(1)
	go func() {
		defer a.bg.Done()
		svc.RunRetention(a.bgCtx)
	}()
	svc.Routes(a.router)
	a.openapi = append(a.openapi, notification.OpenAPI)
	return nil
}
