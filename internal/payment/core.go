package payment

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/events"
)

// Core is the payment service on its SQL store. It calls providers outside any transaction (a
// provider is a network call, and a transaction must not wait on one): a step first claims its
// amount with a conditional UPDATE, then asks the provider, then records the outcome, undoing the
// claim if the provider refused. Two racing steps can therefore never together capture or refund
// more than the intent allows.
type Core struct {
	d         *db.DB
	outbox    *events.Outbox
	providers map[string]Provider
	fallback  string
	secrets   map[string][]byte
	tolerance time.Duration
	log       *slog.Logger
	now       func() time.Time
}

var _ Service = (*Core)(nil)

// Options configure a Core.
type Options struct {
	// Providers the intents can use; default: one TestProvider.
	Providers []Provider
	// DefaultProvider is the provider of an intent that names none; default: the first.
	DefaultProvider string
	// CallbackSecrets are the HMAC keys each provider signs its callbacks with. A provider without
	// one has its callbacks refused.
	CallbackSecrets map[string][]byte
	// CallbackTolerance is how far a callback's signed timestamp may be from now; default 5 min.
	CallbackTolerance time.Duration
	Logger            *slog.Logger
	Now               func() time.Time // default time.Now
}

// NewCore returns the payment service on store d (with Migrations applied), publishing through o.
func NewCore(d *db.DB, o *events.Outbox, opt Options) *Core {
	if len(opt.Providers) == 0 {
		opt.Providers = []Provider{NewTestProvider()}
	}
	if opt.DefaultProvider == "" {
		opt.DefaultProvider = opt.Providers[0].Name()
	}
	if opt.CallbackTolerance <= 0 {
		opt.CallbackTolerance = 5 * time.Minute
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	c := &Core{d: d, outbox: o, providers: map[string]Provider{}, fallback: opt.DefaultProvider,
		secrets: opt.CallbackSecrets, tolerance: opt.CallbackTolerance, log: opt.Logger, now: opt.Now}
	for _, p := range opt.Providers {
		c.providers[p.Name()] = p
	}
	return c
}

// provider returns the provider named name.
func (c *Core) provider(name string) (Provider, error) {
	p, ok := c.providers[name]
	if !ok {
		return nil, ErrUnknownProvider.WithMessage(fmt.Sprintf("No payment provider %q.", name))
	}
	return p, nil
}

// Get returns an intent with its steps.
func (c *Core) Get(ctx context.Context, id string) (Intent, error) {
	in, err := getIntent(ctx, c.d, id)
	if err != nil {
		return Intent{}, err
	}
	in.Steps, err = getSteps(ctx, c.d, id)
	return in, err
}

// stepRecord is a step about to be written.
type stepRecord struct {
	id     string
	kind   StepKind
	amount int64
	ok     bool
	code   string
	reason string
}

// newStepID returns a step id; it doubles as the provider idempotency key of the step.
func newStepID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", fmt.Errorf("step id: %w", err)
	}
	return id.String(), nil
}

// stepColumns starts the statement that writes steps; stepRow gives a row of its values.
const stepColumns = `INSERT INTO payment_steps (id, intent_id, kind, amount, succeeded, code, reason, actor, at)`

// stepRow returns the values of step s of intent id, in stepColumns' order.
func (c *Core) stepRow(ctx context.Context, id string, s stepRecord) ([]any, error) {
	if s.id == "" {
		var err error
		if s.id, err = newStepID(); err != nil {
			return nil, err
		}
	}
	ok := 0
	if s.ok {
		ok = 1
	}
	return []any{s.id, id, s.kind, s.amount, ok, s.code, s.reason, auth.FromContext(ctx).Subject, c.now().UnixMilli()}, nil
}

// record writes step s of intent id in tx.
func (c *Core) record(ctx context.Context, tx *db.Tx, id string, s stepRecord) error {
	row, err := c.stepRow(ctx, id, s)
	if err != nil {
		return err
	}
	if err := db.InsertRows(ctx, tx, stepColumns, [][]any{row}); err != nil {
		return fmt.Errorf("record %s of %s: %w", s.kind, id, err)
	}
	return nil
}

// publish adds a payment event for in to tx.
func (c *Core) publish(ctx context.Context, tx *db.Tx, typ string, in Intent, amount int64, code string) error {
	if c.outbox == nil {
		return nil
	}
	if _, err := c.outbox.AddAll(ctx, tx, draft(typ, in, amount, code)); err != nil {
		return fmt.Errorf("publish %s: %w", typ, err)
	}
	return nil
}

// draft is the event of type typ about intent in.
func draft(typ string, in Intent, amount int64, code string) events.Draft {
	return events.Draft{Type: typ, Version: 1, Data: PaymentEvent{IntentID: in.ID, OrderID: in.OrderID,
		Amount: amount, Currency: in.Currency, Code: code, Status: in.Status}}
}

// codeOf returns the stable code of a provider error, for the step record: never its text,
// which a provider adapter might fill with request details.
func codeOf(err error) string {
	var e *apperr.Error
	if errors.As(err, &e) && e.Code != "" {
		return e.Code
	}
	return "provider_error"
}

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
