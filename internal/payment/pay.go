package payment

import (
	"context"
	"errors"
	"fmt"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/events"
)

// Pay creates the intent r asks for and authorizes it on card (capturing it too with capture),
// asking the provider first and then writing the intent, its steps and its event in one
// transaction: checkout's payment in one store write instead of CreateIntent's and then
// Authorize's or Charge's. An intent already recorded under r.IdempotencyKey is replayed as CreateIntent then
// Authorize (or Charge) would.
func (c *Core) Pay(ctx context.Context, r IntentRequest, card Card, capture bool) (Intent, error) {
	if r.Provider == "" {
		r.Provider = c.fallback
	}
	if err := c.checkIntent(r); err != nil {
		return Intent{}, err
	}
	if r.IdempotencyKey != "" && !r.FirstAttempt {
		// One indexed read for the rare retried or resumed saga, so that a replay never asks the
		// provider for a hold it would have to drop again.
		prev, found, err := c.intentByKey(ctx, r.IdempotencyKey)
		if err != nil {
			return Intent{}, err
		}
		if found {
			return c.payAgain(ctx, r, prev, card, capture)
		}
	}
	in, err := c.newIntent(r)
	if err != nil {
		return Intent{}, err
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
	steps := []stepRecord{{id: stepID, kind: StepAuthorize, amount: in.Amount, ok: perr == nil}}
	event, code := EventAuthorized, ""
	var captureErr error
	if perr != nil {
		code = codeOf(perr)
		c.log.Info("payment authorization refused", "intent", in.ID, "order", in.OrderID, "code", code)
		steps[0].code, in.LastError, event = code, code, EventFailed
	} else {
		in.Status, in.ProviderRef, in.CardBrand, in.CardLast4 = Authorized, a.Ref, a.Brand, a.Last4
		if capture {
			captureID, err := newStepID()
			if err != nil {
				c.undoHold(ctx, p, in, stepID)
				return Intent{}, err
			}
			s := stepRecord{id: captureID, kind: StepCapture, amount: in.Amount, ok: true}
			if captureErr = p.Capture(ctx, a.Ref, in.Amount, in.Currency, captureID); captureErr != nil {
				s.ok, s.code = false, codeOf(captureErr)
			}
			steps = append(steps, s)
		}
	}
	// The event carries the authorization's outcome (authorized, or still requires_payment), as
	// Authorize and Charge publish it.
	published := in
	if perr == nil && capture && captureErr == nil {
		in.Status, in.Captured = Captured, in.Amount
	}
	err = c.insertPaid(ctx, in, r.IdempotencyKey, steps, draft(event, published, in.Amount, code))
	if err != nil {
		// Not recorded: the provider's hold (or capture) is nobody's, so drop it first.
		if perr == nil {
			c.undoHold(ctx, p, in, stepID)
		}
		if db.IsUniqueViolation(err) && r.IdempotencyKey != "" {
			// A concurrent Pay with the same key recorded its intent first: answer as a replay.
			prev, found, ferr := c.intentByKey(ctx, r.IdempotencyKey)
			if ferr != nil {
				return Intent{}, ferr
			}
			if found {
				return c.payAgain(ctx, r, prev, card, capture)
			}
		}
		if perr != nil {
			return Intent{}, errors.Join(providerError(perr), err)
		}
		return Intent{}, err
	}
	in = in.trunc()
	switch {
	case perr != nil:
		return in, providerError(perr)
	case captureErr != nil:
		c.log.Warn("payment capture refused by the provider", "intent", in.ID, "code", codeOf(captureErr))
		return in, providerError(captureErr)
	}
	return in, nil
}

// payAgain answers a Pay whose key already has intent prev: the replay of CreateIntent, then
// Authorize or Charge on prev. An error after the intent was recorded comes with prev, so the
// caller knows which intent to void.
func (c *Core) payAgain(ctx context.Context, r IntentRequest, prev Intent, card Card, capture bool) (Intent, error) {
	if !prev.answers(r) {
		return Intent{}, ErrIdempotencyMismatch
	}
	in, err := c.authorizeIntent(ctx, prev, card, capture)
	if err != nil {
		return prev, err
	}
	return in, nil
}

// undoHold drops the authorization (or returns the capture) in holds at the provider that no
// intent records, so the shopper is not charged for it. It runs even when the caller has gone.
func (c *Core) undoHold(ctx context.Context, p Provider, in Intent, stepID string) {
	ctx = context.WithoutCancel(ctx)
	var err error
	if in.Status == Captured {
		err = p.Refund(ctx, in.ProviderRef, in.Amount, in.Currency, stepID+"-refund")
	} else {
		err = p.Void(ctx, in.ProviderRef, stepID+"-void")
	}
	if err != nil {
		c.log.Error("payment: unrecorded authorization not voided", "intent", in.ID, "ref", in.ProviderRef, "error", err)
	}
}

// insertPaid records intent in (under idempotency key) with its steps and its event ev, all or
// nothing. On PostgreSQL that is one statement, whose WITH items insert the intent and the event
// too (the steps' foreign key is checked at the statement's end, when the intent is there): one
// round trip and no transaction. On SQLite it is a transaction with the steps' rows in one
// statement.
func (c *Core) insertPaid(ctx context.Context, in Intent, key string, steps []stepRecord, ev events.Draft) error {
	const intent = `INSERT INTO payment_intents (id, order_id, provider, amount, currency, status,
		captured, provider_ref, card_brand, card_last4, last_error, idempotency_key, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)`
	args := []any{in.ID, in.OrderID, in.Provider, in.Amount, in.Currency, in.Status, in.Captured, in.ProviderRef,
		in.CardBrand, in.CardLast4, in.LastError, keyArg(key), in.CreatedAt.UnixMilli()}
	rows := make([][]any, len(steps))
	for i, s := range steps {
		row, err := c.stepRow(ctx, in.ID, s)
		if err != nil {
			return err
		}
		rows[i] = row
	}
	if c.d.Engine() == db.Postgres {
		q := `WITH intent AS (` + intent + `)`
		if c.outbox != nil {
			item, more, _, err := c.outbox.Within(ctx, args, "", ev)
			if err != nil {
				return fmt.Errorf("publish %s: %w", ev.Type, err)
			}
			q, args = q+`, `+item, more
		}
		values, args := db.Values(rows, args)
		if _, err := c.d.ExecContext(ctx, q+` `+stepColumns+` `+values, args...); err != nil {
			return fmt.Errorf("pay for %s: %w", in.OrderID, err)
		}
		if c.outbox != nil {
			c.outbox.Written()
		}
		return nil
	}
	return c.d.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, intent, args...); err != nil {
			return fmt.Errorf("pay for %s: %w", in.OrderID, err)
		}
		if err := db.InsertRows(ctx, tx, stepColumns, rows); err != nil {
			return fmt.Errorf("pay for %s: %w", in.OrderID, err)
		}
		if c.outbox == nil {
			return nil
		}
		if _, err := c.outbox.AddAll(ctx, tx, ev); err != nil {
			return fmt.Errorf("publish %s: %w", ev.Type, err)
		}
		return nil
	})
}
