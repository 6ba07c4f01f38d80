package payment

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/db"
)

// SignatureHeader carries a callback's signature: "t=<unix seconds>,v1=<hex HMAC-SHA256>", the
// HMAC taken with the provider's callback secret over "<t>.<body>". Binding the timestamp into
// the MAC lets the receiver refuse replays of an old callback.
const SignatureHeader = "Pasar-Signature"

// Callback is the body a provider posts to /api/v1/payments/callbacks/{provider}.
type Callback struct {
	ID     string `json:"id"`     // the provider's event id; a repeat is acknowledged, not applied
	Type   string `json:"type"`   // see the Callback* types
	Ref    string `json:"ref"`    // the authorization it is about
	Amount int64  `json:"amount"` // minor units, for refunds
}

// Callback types the payment service acts on; others are recorded only.
const (
	// CallbackAuthorizationExpired: the provider dropped an authorization nothing was captured
	// from; the intent becomes voided.
	CallbackAuthorizationExpired = "authorization.expired"
	// CallbackRefunded: money was refunded at the provider (e.g. from its dashboard); it is added
	// to the intent's refunds, never beyond what was captured.
	CallbackRefunded = "charge.refunded"
)

// Sign returns the SignatureHeader value for body sent at t with secret, as a provider computes it.
func Sign(secret, body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return m.Sum(nil)
}

// verify checks header against body for provider's secret, within the tolerance of now.
func (c *Core) verify(provider, header string, body []byte) error {
	secret := c.secrets[provider]
	if len(secret) == 0 {
		return ErrBadSignature
	}
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1": // several during a secret rotation
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrBadSignature
	}
	if d := c.now().Sub(time.Unix(sec, 0)); d > c.tolerance || d < -c.tolerance {
		return ErrBadSignature.WithMessage("The callback signature is too old (or from the future).")
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return ErrBadSignature
}

// HandleCallback verifies and applies a provider callback. It reports whether the callback was
// new (false for a repeat, which is acknowledged without acting).
func (c *Core) HandleCallback(ctx context.Context, provider, signature string, body []byte) (bool, error) {
	if _, err := c.provider(provider); err != nil {
		return false, err
	}
	if err := c.verify(provider, signature, body); err != nil {
		return false, err
	}
	var cb Callback
	if err := json.Unmarshal(body, &cb); err != nil {
		return false, apperr.New(apperr.BadRequest, "malformed_json", "The callback body is not valid JSON.").WithCause(err)
	}
	if cb.ID == "" || cb.Type == "" || len(cb.ID) > 200 || len(cb.Type) > 100 || cb.Amount < 0 {
		return false, apperr.Invalid(apperr.FieldError{Field: "id", Detail: "id and type are required"})
	}
	fresh := false
	err := c.d.InTx(ctx, func(tx *db.Tx) error {
		in, err := scanIntent(tx.QueryRowContext(ctx, `SELECT `+intentColumns+` FROM payment_intents
			WHERE provider = $1 AND provider_ref = $2`, provider, cb.Ref))
		if err != nil && !isNoRows(err) {
			return fmt.Errorf("callback %s: %w", cb.ID, err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO payment_callbacks (provider, event_id, type, intent_id, received_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (provider, event_id) DO NOTHING`,
			provider, cb.ID, cb.Type, in.ID, c.now().UnixMilli())
		if err != nil {
			return fmt.Errorf("callback %s: %w", cb.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 || in.ID == "" {
			fresh = n == 1
			return nil
		}
		fresh = true
		return c.applyCallback(ctx, tx, in, cb)
	})
	return fresh, err
}

// applyCallback changes the intent as the callback says, with the same guards as the core's own
// steps, and records it.
func (c *Core) applyCallback(ctx context.Context, tx *db.Tx, in Intent, cb Callback) error {
	now := c.now().UnixMilli()
	applied := false
	switch cb.Type {
	case CallbackAuthorizationExpired:
		res, err := tx.ExecContext(ctx, `UPDATE payment_intents SET status = $1, updated_at = $2
			WHERE id = $3 AND status = $4 AND captured = 0`, Voided, now, in.ID, Authorized)
		if err != nil {
			return fmt.Errorf("callback %s: %w", cb.ID, err)
		}
		n, _ := res.RowsAffected()
		applied = n == 1
	case CallbackRefunded:
		res, err := tx.ExecContext(ctx, `UPDATE payment_intents SET refunded = refunded + $1,
			status = CASE WHEN refunded + $1 = captured THEN 'refunded' ELSE 'partially_refunded' END, updated_at = $2
			WHERE id = $3 AND $1 > 0 AND captured - refunded >= $1`, cb.Amount, now, in.ID)
		if err != nil {
			return fmt.Errorf("callback %s: %w", cb.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			applied = true
			after, err := getIntent(ctx, tx, in.ID)
			if err != nil {
				return err
			}
			if err := c.publish(ctx, tx, EventRefunded, after, cb.Amount, ""); err != nil {
				return err
			}
		}
	}
	return c.record(ctx, tx, in.ID, stepRecord{kind: StepCallback, amount: cb.Amount, ok: applied, code: cb.Type,
		reason: "provider event " + cb.ID})
}
