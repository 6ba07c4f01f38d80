package payment

import (
	"context"
	"errors"
	"fmt"

	"github.com/pasarhq/pasar/internal/platform/db"
)

// Authorize holds the intent's amount on card.
func (c *Core) Authorize(ctx context.Context, id string, card Card) (Intent, error) {
	in, err := getIntent(ctx, c.d, id)
	if err != nil {
		return Intent{}, err
	}
	switch in.Status {
	case RequiresPayment:
	case Voided:
		return Intent{}, ErrInvalidState.WithMessage("The payment was cancelled.")
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
	won := false
	updated := c.now().UnixMilli()
	err = c.d.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE payment_intents SET status = $1, provider_ref = $2, card_brand = $3,
			card_last4 = $4, last_error = '', updated_at = $5 WHERE id = $6 AND status = $7`,
			Authorized, a.Ref, a.Brand, a.Last4, updated, id, RequiresPayment)
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
		return c.publish(ctx, tx, EventAuthorized, in, in.Amount, "")
	})
	if err != nil || !won {
		// Not recorded (a store failure, or a racing Authorize won): drop the hold so the shopper
		// is not charged for it.
		if verr := p.Void(ctx, a.Ref, stepID+"-void"); verr != nil {
			c.log.Error("payment: unrecorded authorization not voided", "intent", id, "ref", a.Ref, "error", verr)
		}
		if err != nil {
			return Intent{}, err
		}
		if now, err := getIntent(ctx, c.d, id); err != nil || now.Status != Voided {
			return now, err // the racing authorization's result
		}
		return Intent{}, ErrInvalidState.WithMessage("The payment was cancelled.")
	}
	in.Status, in.ProviderRef, in.CardBrand, in.CardLast4, in.LastError = Authorized, a.Ref, a.Brand, a.Last4, ""
	in.UpdatedAt = fromMS(updated)
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
