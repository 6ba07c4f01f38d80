package payment

import (
	"context"
	"errors"
	"fmt"

	"github.com/pasarhq/pasar/internal/platform/db"
)

// Authorize holds the intent's amount on card.
func (c *Core) Authorize(ctx context.Context, id string, card Card) (Intent, error) {
	return c.authorize(ctx, id, card, false)
}

// Charge authorizes the intent's amount on card and captures all of it, recording both steps in
// one transaction.
func (c *Core) Charge(ctx context.Context, id string, card Card) (Intent, error) {
	return c.authorize(ctx, id, card, true)
}

// authorize holds the intent's amount on card and, with capture, takes it at once: the provider
// is asked for both, and the store written once.
func (c *Core) authorize(ctx context.Context, id string, card Card, capture bool) (Intent, error) {
	in, err := getIntent(ctx, c.d, id)
	if err != nil {
		return Intent{}, err
	}
	return c.authorizeIntent(ctx, in, card, capture)
}

// authorizeIntent is authorize on intent in, as just read from the store.
func (c *Core) authorizeIntent(ctx context.Context, in Intent, card Card, capture bool) (Intent, error) {
	id := in.ID
	switch in.Status {
	case RequiresPayment:
	case Voided:
		return Intent{}, ErrInvalidState.WithMessage("The payment was cancelled.")
	case Authorized:
		if capture { // a retried charge whose capture failed: capture what is held
			return c.Capture(ctx, id, 0)
		}
		return in, nil
	default:
		return in, nil // authorized already: a retried step must not charge twice
	}
	p, err := c.provider(in.Provider)
	if err != nil {
		return Intent{}, err
	}
	stepID, err := newStepID()
	if err != nil {
		return Intent{}, err
	}
	a, perr := p.Authorize(ctx, AuthorizeRequest{Amount: in.Amount, Currency: in.Currency, Card: card, IdempotencyKey: stepID})
	if perr != nil {
		return Intent{}, c.authorizeFailed(ctx, in, stepID, perr)
	}
	status, captured := Authorized, int64(0)
	var captureErr error
	captureID := ""
	if capture {
		if captureID, err = newStepID(); err != nil {
			return Intent{}, err
		}
		if captureErr = p.Capture(ctx, a.Ref, in.Amount, in.Currency, captureID); captureErr == nil {
			status, captured = Captured, in.Amount
		}
	}
	won := false
	updated := c.now().UnixMilli()
	err = c.d.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE payment_intents SET status = $1, provider_ref = $2, card_brand = $3,
			card_last4 = $4, last_error = '', captured = $8, updated_at = $5 WHERE id = $6 AND status = $7`,
			status, a.Ref, a.Brand, a.Last4, updated, id, RequiresPayment, captured)
		if err != nil {
			return fmt.Errorf("authorize %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			won = false
			return nil
		}
		won = true
		in.Status = Authorized
		if err := c.record(ctx, tx, id, stepRecord{id: stepID, kind: StepAuthorize, amount: in.Amount, ok: true}); err != nil {
			return err
		}
		if capture {
			r := stepRecord{id: captureID, kind: StepCapture, amount: in.Amount, ok: captureErr == nil}
			if captureErr != nil {
				r.code = codeOf(captureErr)
			}
			if err := c.record(ctx, tx, id, r); err != nil {
				return err
			}
		}
		return c.publish(ctx, tx, EventAuthorized, in, in.Amount, "")
	})
	if err != nil || !won {
		// Not recorded (a store failure, or a racing Authorize won): drop the hold (or return the
		// capture) so the shopper is not charged for it.
		c.undoHold(ctx, p, Intent{ID: id, Status: status, ProviderRef: a.Ref, Amount: in.Amount, Currency: in.Currency}, stepID)
		if err != nil {
			return Intent{}, err
		}
		if now, err := getIntent(ctx, c.d, id); err != nil || now.Status != Voided {
			return now, err // the racing authorization's result
		}
		return Intent{}, ErrInvalidState.WithMessage("The payment was cancelled.")
	}
	in.Status, in.ProviderRef, in.CardBrand, in.CardLast4, in.LastError = status, a.Ref, a.Brand, a.Last4, ""
	in.Captured, in.UpdatedAt = captured, fromMS(updated)
	if captureErr != nil {
		c.log.Warn("payment capture refused by the provider", "intent", id, "code", codeOf(captureErr))
		return Intent{}, providerError(captureErr)
	}
	return in, nil
}

// authorizeFailed records a refused authorization and publishes payment.failed; the intent stays
// payable with another card.
func (c *Core) authorizeFailed(ctx context.Context, in Intent, stepID string, perr error) error {
	code := codeOf(perr)
	c.log.Info("payment authorization refused", "intent", in.ID, "order", in.OrderID, "code", code)
	err := c.d.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE payment_intents SET last_error = $1, updated_at = $2
			WHERE id = $3 AND status = $4`, code, c.now().UnixMilli(), in.ID, RequiresPayment); err != nil {
			return fmt.Errorf("authorize %s: %w", in.ID, err)
		}
		if err := c.record(ctx, tx, in.ID, stepRecord{id: stepID, kind: StepAuthorize, amount: in.Amount, code: code}); err != nil {
			return err
		}
		return c.publish(ctx, tx, EventFailed, in, in.Amount, code)
	})
	if err != nil {
		return errors.Join(providerError(perr), err)
	}
	return providerError(perr)
}
