package payment

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
)

// Test card numbers the TestProvider knows, as the well-known test providers use them. Any other
// number that passes the Luhn check is authorized.
const (
	CardSucceeds          = "4242424242424242"
	CardDeclined          = "4000000000000002"
	CardInsufficientFunds = "4000000000009995"
)

// TestProviderName is the name of the built-in test provider.
const TestProviderName = "test"

// TestProvider is a payment provider that moves no money and keeps its authorizations in memory.
// It checks what a real one would (Luhn, expiry when given, amounts against the authorization,
// idempotency keys), so the payment service's rules are tested against a provider that refuses
// what it should.
type TestProvider struct {
	now func() time.Time

	mu       sync.Mutex
	auths    map[string]*testAuth
	authKeys map[string]string // authorization ref by idempotency key
	done     map[string]error  // answers of the other steps by idempotency key
}

type testAuth struct {
	amount, captured, refunded int64
	currency                   string
	voided                     bool
}

var _ Provider = (*TestProvider)(nil)

// NewTestProvider returns a TestProvider.
func NewTestProvider() *TestProvider {
	return &TestProvider{now: time.Now, auths: map[string]*testAuth{},
		authKeys: map[string]string{}, done: map[string]error{}}
}

// Name returns "test".
func (p *TestProvider) Name() string { return TestProviderName }

var errCardExpired = &apperr.Error{Kind: apperr.PaymentRequired, Code: "expired_card",
	Message: "The card has expired.", Fields: []apperr.FieldError{{Field: "exp_year", Detail: "the card has expired"}}}

// Authorize holds amount on a test card.
func (p *TestProvider) Authorize(_ context.Context, r AuthorizeRequest) (Authorization, error) {
	digits := r.Card.Digits()
	switch {
	case !Luhn(digits):
		return Authorization{}, ErrInvalidCard
	case digits == CardDeclined:
		return Authorization{}, ErrDeclined
	case digits == CardInsufficientFunds:
		return Authorization{}, ErrInsufficientFunds
	case r.Card.ExpYear != 0 && expired(r.Card, p.now()):
		return Authorization{}, errCardExpired
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	ref, seen := p.authKeys[r.IdempotencyKey]
	if !seen || r.IdempotencyKey == "" {
		ref = "test_auth_" + randomHex(12)
		p.auths[ref] = &testAuth{amount: r.Amount, currency: r.Currency}
		if r.IdempotencyKey != "" {
			p.authKeys[r.IdempotencyKey] = ref
		}
	}
	return Authorization{Ref: ref, Brand: Brand(digits), Last4: r.Card.Last4()}, nil
}

// Holds returns how many authorizations the provider has made and how many of them still hold
// or keep the shopper's money (neither voided nor refunded in full): what a test looks at to see
// a payment charged once.
func (p *TestProvider) Holds() (made, live int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, a := range p.auths {
		if !a.voided && (a.captured == 0 || a.refunded < a.captured) {
			live++
		}
	}
	return len(p.auths), live
}

// expired reports whether card's expiry month has ended by now (an expiry month without a year
// is ignored, as is a year without a month: the card is valid through December).
func expired(c Card, now time.Time) bool {
	m := c.ExpMonth
	if m < 1 || m > 12 {
		m = 12
	}
	return !now.Before(time.Date(c.ExpYear, time.Month(m)+1, 1, 0, 0, 0, 0, time.UTC))
}

// Capture takes amount of authorization ref.
func (p *TestProvider) Capture(_ context.Context, ref string, amount int64, currency, key string) error {
	return p.step(ref, key, func(a *testAuth) error {
		if a.voided || currency != a.currency || amount <= 0 || a.captured+amount > a.amount {
			return fmt.Errorf("test provider: capture %d %s of %s refused", amount, currency, ref)
		}
		a.captured += amount
		return nil
	})
}

// Void drops authorization ref if nothing was captured.
func (p *TestProvider) Void(_ context.Context, ref, key string) error {
	return p.step(ref, key, func(a *testAuth) error {
		if a.captured > 0 {
			return fmt.Errorf("test provider: void of captured %s refused", ref)
		}
		a.voided = true
		return nil
	})
}

// Refund returns amount of what ref captured.
func (p *TestProvider) Refund(_ context.Context, ref string, amount int64, currency, key string) error {
	return p.step(ref, key, func(a *testAuth) error {
		if currency != a.currency || amount <= 0 || a.refunded+amount > a.captured {
			return fmt.Errorf("test provider: refund %d %s of %s refused", amount, currency, ref)
		}
		a.refunded += amount
		return nil
	})
}

// step applies f to authorization ref once per idempotency key.
func (p *TestProvider) step(ref, key string, f func(*testAuth) error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if key != "" {
		if err, ok := p.done[key]; ok {
			return err
		}
	}
	a, ok := p.auths[ref]
	if !ok {
		return fmt.Errorf("test provider: no authorization %s", ref)
	}
	err := f(a)
	if key != "" {
		p.done[key] = err
	}
	return err
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
