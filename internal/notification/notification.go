// Package notification sends what the shop tells people when something happens: mail to
// shoppers (order confirmation, shipment, refund, password reset) and signed webhooks to the
// merchant's endpoints. It reads nothing of other services' stores; events bring everything.
//
// Mail goes over SMTP when configured, otherwise into a mail log folder (an mbox file per day).
// Each mail is recorded under a key (its kind and subject, e.g. the order), so a redelivered
// event, or an order placed and then paid, mails once. Webhook deliveries are rows written in
// the transaction that handles the event; a worker sends those due, signed in the Standard
// Webhooks format, and retries failures with exponential backoff, logging every attempt.
package notification

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/pasarhq/pasar/internal/platform/db"
)

// Options configure a Service.
type Options struct {
	Mailer    Mailer // required: SMTP or the mail log folder
	From      string // From of every mail; default "Pasar <shop@localhost>"
	PublicURL string // the shop's address for links in mail; default http://localhost:8080
	// HTTPClient sends webhooks; the default is NewWebhookClient(AllowPrivateTargets).
	HTTPClient *http.Client
	// AllowPrivateTargets lets endpoints be on loopback, private and link-local addresses (an
	// on-premises receiver, tests); otherwise they are refused when registered and when dialled.
	AllowPrivateTargets bool
	// Backoff is the wait before a webhook delivery's attempt n+1 after attempt n failed;
	// default DefaultBackoff.
	Backoff func(attempt int) time.Duration
	// MaxAttempts is how many attempts a delivery gets before it is marked failed; default 8.
	MaxAttempts int
	// Poll is how often the webhook worker looks for due deliveries when nothing woke it; default 1s.
	Poll time.Duration
	// MailRetention is how long mails are kept in the mail log folder, and their keys (which
	// stop a redelivered event mailing twice) in the store; zero keeps them forever.
	MailRetention time.Duration
	// DeliveryRetention is how long finished webhook deliveries and their attempts are kept;
	// zero keeps them forever. Pending deliveries are never removed.
	DeliveryRetention time.Duration
	// RetentionInterval is how often RunRetention prunes; default 1h.
	RetentionInterval time.Duration
	Logger            *slog.Logger
	Now               func() time.Time
}

// DefaultBackoff waits 5s after the first failed attempt and four times longer after each
// next one, up to 6h: 5s, 20s, 80s, 5m, 21m, 85m, 5h40m (about 7.5 hours over 8 attempts).
func DefaultBackoff(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	return min(5*time.Second<<(2*min(attempt-1, 10)), 6*time.Hour)
}

// Service is the notification service on its SQL store.
type Service struct {
	d    *db.DB
	o    Options
	tpl  templates
	wake chan struct{}
	// idDomain is the domain of Message-IDs, from o.From: parsed once, not per mail.
	idDomain string
}

// New returns the notification service on d (with Migrations applied).
func New(d *db.DB, o Options) (*Service, error) {
	if o.From == "" {
		o.From = "Pasar <shop@localhost>"
	}
	if o.PublicURL == "" {
		o.PublicURL = "http://localhost:8080"
	}
	o.PublicURL = strings.TrimRight(o.PublicURL, "/")
	if o.HTTPClient == nil {
		o.HTTPClient = NewWebhookClient(o.AllowPrivateTargets)
	}
	if o.Backoff == nil {
		o.Backoff = DefaultBackoff
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.RetentionInterval <= 0 {
		o.RetentionInterval = time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	tpl, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	return &Service{d: d, o: o, tpl: tpl, wake: make(chan struct{}, 1), idDomain: messageIDDomain(o.From)}, nil
}

// nudge wakes the webhook worker, without blocking when it is already awake.
func (s *Service) nudge() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// shopName is the display name of the From address, for the mail's header line.
func (s *Service) shopName() string {
	name, _, _ := strings.Cut(s.o.From, "<")
	if name = strings.Trim(strings.TrimSpace(name), `"`); name == "" {
		return "Pasar"
	}
	return name
}
