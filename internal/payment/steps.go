package payment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/db"
)

// errProvider is what a caller sees when a provider failed without declining: nothing happened,
// and the step can be retried.
var errProvider = apperr.New(apperr.Unavailable, "provider_unavailable",
	"The payment provider did not complete the request; try again.")

// providerError keeps a provider's own apperr (a decline) and hides anything else behind errProvider.
func providerError(err error) error {
	var e *apperr.Error
	if errors.As(err, &e) {
		return e
	}
	return errProvider.WithCause(err)
}

// Capture takes amount (0: the rest) of an authorized intent.
func (c *Core) Capture(ctx context.Context, id string, amount int64) (Intent, error) {
	if amount < 0 || amount > MaxAmount {
		return Intent{}, apperr.Invalid(apperr.FieldError{Field: "amount", Detail: "must be 0 (all) or a positive amount"})
	}
	in, err := getIntent(ctx, c.d, id)
	if err != nil {
		return Intent{}, err
	}
	if amount == 0 {
		amount = in.Amount - in.Captured
		if amount == 0 {
			return in, nil // all captured already
		}
	}
	claim := `UPDATE payment_intents SET captured = captured + $1,
		status = CASE WHEN captured + $1 = amount THEN 'captured' ELSE 'partially_captured' END, updated_at = $2
		WHERE id = $3 AND status IN ('authorized', 'partially_captured') AND amount - captured >= $1`
	undo := `UPDATE payment_intents SET captured = captured - $1,
		status = CASE WHEN captured - $1 = 0 THEN 'authorized' ELSE 'partially_captured' END, updated_at = $2
		WHERE id = $3`
	return c.claimed(ctx, in, StepCapture, amount, "", claim, undo, ErrCaptureExceedsAuthorized,
		func(p Provider, key string) error { return p.Capture(ctx, in.ProviderRef, amount, in.Currency, key) })
}

// Void drops the authorization of an intent nothing was captured from.
func (c *Core) Void(ctx context.Context, id string) (Intent, error) {
	in, err := getIntent(ctx, c.d, id)
	if err != nil {
		return Intent{}, err
	}
	switch in.Status {
	case Voided:
		return in, nil
	case RequiresPayment: // nothing held: cancelling is a local step
		err := c.d.InTx(ctx, func(tx *db.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE payment_intents SET status = $1, updated_at = $2
				WHERE id = $3 AND status = $4`, Voided, c.now().UnixMilli(), id, RequiresPayment)
			if err != nil {
				return fmt.Errorf("void %s: %w", id, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return ErrInvalidState // authorized meanwhile: the caller voids again, with the provider
			}
			return c.record(ctx, tx, id, stepRecord{kind: StepVoid, ok: true})
		})
		if err != nil {
			return Intent{}, err
		}
		return getIntent(ctx, c.d, id)
	}
	claim := `UPDATE payment_intents SET status = 'voided', updated_at = $1
		WHERE id = $2 AND status = 'authorized' AND captured = 0`
	undo := `UPDATE payment_intents SET status = 'authorized', updated_at = $1 WHERE id = $2`
	return c.claimed(ctx, in, StepVoid, 0, "", claim, undo, ErrInvalidState,
		func(p Provider, key string) error { return p.Void(ctx, in.ProviderRef, key) })
}

// Refund returns amount (0: all refundable) of a captured intent. It needs auth.PaymentsRefund.
func (c *Core) Refund(ctx context.Context, id string, amount int64, reason string) (Intent, error) {
	if err := auth.Check(ctx, auth.PaymentsRefund); err != nil {
		return Intent{}, err
	}
	if amount < 0 || amount > MaxAmount {
		return Intent{}, apperr.Invalid(apperr.FieldError{Field: "amount", Detail: "must be 0 (all) or a positive amount"})
	}
	if len(reason) > 500 {
		return Intent{}, apperr.Invalid(apperr.FieldError{Field: "reason", Detail: "is longer than 500 bytes"})
	}
	in, err := getIntent(ctx, c.d, id)
	if err != nil {
		return Intent{}, err
	}
	if amount == 0 {
		amount = in.Captured - in.Refunded
		if amount == 0 {
			if in.Status == Refunded {
				return in, nil
			}
			return Intent{}, ErrRefundExceedsCaptured.WithMessage("Nothing was captured that is not refunded.")
		}
	}
	claim := `UPDATE payment_intents SET refunded = refunded + $1,
		status = CASE WHEN refunded + $1 = captured THEN 'refunded' ELSE 'partially_refunded' END, updated_at = $2
		WHERE id = $3 AND status IN ('captured', 'partially_captured', 'partially_refunded') AND captured - refunded >= $1`
	undo := `UPDATE payment_intents SET refunded = refunded - $1,
		status = CASE WHEN refunded - $1 > 0 THEN 'partially_refunded'
			WHEN captured = amount THEN 'captured' ELSE 'partially_captured' END, updated_at = $2
		WHERE id = $3`
	return c.claimed(ctx, in, StepRefund, amount, reason, claim, undo, ErrRefundExceedsCaptured,
		func(p Provider, key string) error { return p.Refund(ctx, in.ProviderRef, amount, in.Currency, key) })
}

// stepArgs are the arguments of a step's claim and undo statements: ($1 amount, $2 now, $3 id),
// or ($1 now, $2 id) for a void, which moves no amount.
func stepArgs(kind StepKind, amount int64, now time.Time, id string) []any {
	if kind == StepVoid {
		return []any{now.UnixMilli(), id}
	}
	return []any{amount, now.UnixMilli(), id}
}

// claimed runs a money-moving step: claim (see stepArgs) moves the intent's counters
// and status only if the step is allowed, then the provider is asked, then the step is recorded,
// or undone if the provider refused. exceeded is the error when the intent is in a state for the
// step but the amount is too large.
func (c *Core) claimed(ctx context.Context, in Intent, kind StepKind, amount int64, reason, claim, undo string,
	exceeded error, call func(p Provider, key string) error) (Intent, error) {
	p, err := c.provider(in.Provider)
	if err != nil {
		return Intent{}, err
	}
	res, err := c.d.ExecContext(ctx, claim, stepArgs(kind, amount, c.now(), in.ID)...)
	if err != nil {
		return Intent{}, fmt.Errorf("%s %s: %w", kind, in.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Intent{}, c.whyNot(ctx, in.ID, kind, exceeded)
	}
	stepID, err := newStepID()
	if err != nil {
		return Intent{}, err
	}
	perr := call(p, stepID)
	err = c.d.InTx(ctx, func(tx *db.Tx) error {
		if perr != nil {
			if _, err := tx.ExecContext(ctx, undo, stepArgs(kind, amount, c.now(), in.ID)...); err != nil {
				return fmt.Errorf("undo %s %s: %w", kind, in.ID, err)
			}
			return c.record(ctx, tx, in.ID, stepRecord{id: stepID, kind: kind, amount: amount, code: codeOf(perr), reason: reason})
		}
		if err := c.record(ctx, tx, in.ID, stepRecord{id: stepID, kind: kind, amount: amount, ok: true, reason: reason}); err != nil {
			return err
		}
		if kind != StepRefund {
			return nil
		}
		now, err := getIntent(ctx, tx, in.ID)
		if err != nil {
			return err
		}
		return c.publish(ctx, tx, EventRefunded, now, amount, "")
	})
	if err != nil {
		c.log.Error("payment step done at the provider but not recorded", "intent", in.ID, "step", kind, "error", err)
		return Intent{}, err
	}
	if perr != nil {
		c.log.Warn("payment step refused by the provider", "intent", in.ID, "step", kind, "code", codeOf(perr))
		return Intent{}, providerError(perr)
	}
	return getIntent(ctx, c.d, in.ID)
}

// whyNot explains a claim that matched no row: the intent is in the wrong state, or the amount is
// more than it allows.
func (c *Core) whyNot(ctx context.Context, id string, kind StepKind, exceeded error) error {
	in, err := getIntent(ctx, c.d, id)
	if err != nil {
		return err
	}
	ok := map[StepKind][]Status{
		StepCapture: {Authorized, PartiallyCaptured},
		StepRefund:  {Captured, PartiallyCaptured, PartiallyRefunded},
	}[kind]
	for _, s := range ok {
		if s == in.Status {
			return exceeded
		}
	}
	return ErrInvalidState.WithMessage(fmt.Sprintf("A payment that is %s cannot take a %s.", in.Status, kind))
}
