// Package payment takes payments for orders through a payment provider.
//
// A payment intent is the amount an order asks for. Authorizing it holds the money on the
// shopper's card; capturing takes (part of) what is held; voiding drops an authorization that
// was not captured; refunding returns (part of) what was captured, never more. Every step,
// successful or not, is recorded on the intent. Card numbers pass through to the provider and
// are never stored or logged: the store keeps the brand and the last four digits.
package payment

import (
	"context"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
)

// Service is the payment service's contract, used by the order saga. The core implements it on
// a SQL store with a set of Providers; an HTTP client can implement it across processes.
// Amounts are integer minor units of the intent's ISO 4217 currency. The steps return the intent
// as the step left it, without its Steps; Get returns those too.
type Service interface {
	// CreateIntent records an intent to take r.Amount for r.OrderID. With r.IdempotencyKey set,
	// the same key returns the intent it created before (ErrIdempotencyMismatch if the request
	// differs).
	CreateIntent(ctx context.Context, r IntentRequest) (Intent, error)
	// Authorize asks the intent's provider to hold the full amount on card. An intent already
	// authorized (or further) is returned as it is, so a retried saga step charges once. A decline
	// is ErrDeclined, ErrInsufficientFunds or ErrInvalidCard, recorded, and the intent can be
	// authorized again with another card.
	Authorize(ctx context.Context, intentID string, card Card) (Intent, error)
	// Charge authorizes the whole amount on card and captures it in one step (one store write):
	// what checkout does when payments are taken at once. Retried on an intent already captured
	// it returns the intent as it is; on one left authorized by a failed capture it captures.
	Charge(ctx context.Context, intentID string, card Card) (Intent, error)
	// Pay is CreateIntent then Authorize (capture false) or Charge (capture true) in one step, for
	// checkout: the provider is asked first, then the intent is written with its final status,
	// its steps and its event in one store transaction. A key already used replays as those
	// calls would (ErrIdempotencyMismatch if the request differs; an intent authorized already is
	// returned as it is; one a failed capture left authorized is captured), and a concurrent Pay
	// with the same key that records first wins: the loser drops its own hold and answers with the
	// winner's intent. Declines are Authorize's errors. Whenever the intent was recorded, an error
	// comes with the intent (across processes its ID only), so the caller can void it.
	Pay(ctx context.Context, r IntentRequest, card Card, capture bool) (Intent, error)
	// Capture takes amount (0: all that is still uncaptured) of an authorized intent.
	Capture(ctx context.Context, intentID string, amount int64) (Intent, error)
	// Void drops the authorization of an intent nothing was captured from. Voiding a voided or
	// never-authorized intent is a no-op that cancels it.
	Void(ctx context.Context, intentID string) (Intent, error)
	// Refund returns amount (0: all captured and not yet refunded) of a captured intent;
	// more than that is ErrRefundExceedsCaptured.
	Refund(ctx context.Context, intentID string, amount int64, reason string) (Intent, error)
	// Get returns an intent with its recorded steps.
	Get(ctx context.Context, intentID string) (Intent, error)
}

// Provider is a payment provider: the test provider built in, or an adapter to a real one.
// Calls with the same idempotency key must have one effect at the provider.
type Provider interface {
	// Name is the provider's name as intents and callback URLs spell it ("test").
	Name() string
	// Authorize holds amount on card. A decline returns ErrDeclined, ErrInsufficientFunds or
	// ErrInvalidCard.
	Authorize(ctx context.Context, r AuthorizeRequest) (Authorization, error)
	// Capture takes amount of authorization ref.
	Capture(ctx context.Context, ref string, amount int64, currency, idempotencyKey string) error
	// Void drops authorization ref.
	Void(ctx context.Context, ref, idempotencyKey string) error
	// Refund returns amount of what authorization ref captured.
	Refund(ctx context.Context, ref string, amount int64, currency, idempotencyKey string) error
}

// AuthorizeRequest asks a provider to hold money on a card.
type AuthorizeRequest struct {
	Amount         int64
	Currency       string
	Card           Card
	IdempotencyKey string
}

// Authorization is a provider's answer to a successful AuthorizeRequest.
type Authorization struct {
	Ref   string // the provider's id of the authorization
	Brand string // visa, mastercard, amex, ...
	Last4 string
}

// IntentRequest asks for an intent.
type IntentRequest struct {
	OrderID        string `json:"order_id"`
	Amount         int64  `json:"amount"`   // minor units, > 0
	Currency       string `json:"currency"` // ISO 4217
	Provider       string `json:"provider"` // empty: the default provider
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	// FirstAttempt tells Pay that the caller has not tried this key before (a checkout's first
	// run, not a resumed one), so it skips looking the key up. Were an intent recorded under it
	// all the same, the key's uniqueness refuses the second and its hold is dropped.
	FirstAttempt bool `json:"first_attempt,omitempty"`
}

// Status is where an intent is in its life.
type Status string

// Intent statuses.
const (
	RequiresPayment   Status = "requires_payment"   // created, or its last authorization failed
	Authorized        Status = "authorized"         // money held, nothing captured
	PartiallyCaptured Status = "partially_captured" // part captured, the rest still held
	Captured          Status = "captured"           // all captured that will be
	PartiallyRefunded Status = "partially_refunded"
	Refunded          Status = "refunded" // everything captured was refunded
	Voided            Status = "voided"   // authorization dropped, or cancelled before one
)

// Intent is a payment for one order, with every step taken on it.
type Intent struct {
	ID          string    `json:"id"`
	OrderID     string    `json:"order_id"`
	Provider    string    `json:"provider"`
	Amount      int64     `json:"amount"`
	Currency    string    `json:"currency"`
	Status      Status    `json:"status"`
	Captured    int64     `json:"captured"`
	Refunded    int64     `json:"refunded"`
	ProviderRef string    `json:"provider_ref,omitempty"`
	CardBrand   string    `json:"card_brand,omitempty"`
	CardLast4   string    `json:"card_last4,omitempty"`
	LastError   string    `json:"last_error,omitempty"` // code of the last failed step
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Steps       []Step    `json:"steps,omitempty"`
}

// StepKind names what a step did.
type StepKind string

// Step kinds.
const (
	StepAuthorize StepKind = "authorize"
	StepCapture   StepKind = "capture"
	StepVoid      StepKind = "void"
	StepRefund    StepKind = "refund"
	StepCallback  StepKind = "callback" // a provider callback about the intent
)

// Step is one recorded step on an intent.
type Step struct {
	ID        string    `json:"id"`
	Kind      StepKind  `json:"kind"`
	Amount    int64     `json:"amount"`
	Succeeded bool      `json:"succeeded"`
	Code      string    `json:"code,omitempty"` // error code of a failed step, or callback type
	Reason    string    `json:"reason,omitempty"`
	Actor     string    `json:"actor,omitempty"`
	At        time.Time `json:"at"`
}

// Event types the payment service publishes through its outbox; the payload is PaymentEvent.
const (
	EventAuthorized = "payment.authorized"
	EventFailed     = "payment.failed"
	EventRefunded   = "payment.refunded"
)

// PaymentEvent is the payload of the payment events.
type PaymentEvent struct {
	IntentID string `json:"intent_id"`
	OrderID  string `json:"order_id"`
	Amount   int64  `json:"amount"` // authorized, attempted or refunded
	Currency string `json:"currency"`
	Code     string `json:"code,omitempty"` // payment.failed: why
	Status   Status `json:"status"`
}

// Errors the payment service and providers return; errors.Is matches them in both shapes.
var (
	ErrDeclined          = apperr.New(apperr.PaymentRequired, "card_declined", "The card was declined.")
	ErrInsufficientFunds = apperr.New(apperr.PaymentRequired, "insufficient_funds",
		"The card has insufficient funds.")
	ErrInvalidCard = &apperr.Error{Kind: apperr.InvalidInput, Code: "invalid_card",
		Message: "The card number is not valid.",
		Fields:  []apperr.FieldError{{Field: "card_number", Detail: "is not a valid card number"}}}
	ErrIntentNotFound  = apperr.New(apperr.NotFound, "payment_not_found", "No such payment.")
	ErrUnknownProvider = apperr.New(apperr.NotFound, "provider_not_found", "No such payment provider.")
	ErrInvalidState    = apperr.New(apperr.Conflict, "payment_state",
		"The payment is not in a state that allows this.")
	ErrCaptureExceedsAuthorized = apperr.New(apperr.Conflict, "capture_exceeds_authorized",
		"The capture is more than the authorization still holds.")
	ErrRefundExceedsCaptured = apperr.New(apperr.Conflict, "refund_exceeds_captured",
		"The refund is more than was captured and not yet refunded.")
	ErrIdempotencyMismatch = apperr.New(apperr.Conflict, "idempotency_mismatch",
		"The idempotency key was used for a different request.")
	ErrBadSignature = apperr.New(apperr.Unauthenticated, "bad_signature",
		"The callback signature is missing, wrong or too old.")
)
