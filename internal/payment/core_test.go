package payment

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/auth/authtest"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

func TestTestCards(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		tests := []struct {
			name     string
			card     Card
			wantErr  error
			wantKind apperr.Kind
		}{
			{"succeeds", Card{Number: CardSucceeds}, nil, 0},
			{"succeeds with spaces and expiry", Card{Number: "4242 4242 4242 4242", ExpMonth: 12, ExpYear: 2099, CVC: "123"}, nil, 0},
			{"declined", Card{Number: CardDeclined}, ErrDeclined, apperr.PaymentRequired},
			{"insufficient funds", Card{Number: CardInsufficientFunds}, ErrInsufficientFunds, apperr.PaymentRequired},
			{"bad checksum", Card{Number: "4242424242424241"}, ErrInvalidCard, apperr.InvalidInput},
			{"letters", Card{Number: "4242abcd42424242"}, ErrInvalidCard, apperr.InvalidInput},
			{"empty", Card{}, ErrInvalidCard, apperr.InvalidInput},
			{"expired", Card{Number: CardSucceeds, ExpMonth: 1, ExpYear: 2020}, errCardExpired, apperr.PaymentRequired},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				in := f.intent(t, 2500)
				got, err := f.Authorize(context.Background(), in.ID, tt.card)
				if tt.wantErr == nil {
					if err != nil || got.Status != Authorized || got.CardLast4 != "4242" || got.CardBrand != "visa" || got.ProviderRef == "" {
						t.Fatalf("authorize: %+v, %v", got, err)
					}
					return
				}
				if !errors.Is(err, tt.wantErr) || apperr.KindOf(err) != tt.wantKind {
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
				after, _ := f.Get(context.Background(), in.ID)
				if after.Status != RequiresPayment || after.LastError == "" || len(after.Steps) != 1 || after.Steps[0].Succeeded {
					t.Fatalf("after refusal %+v", after)
				}
				// The shopper tries another card and succeeds.
				if again, err := f.Authorize(context.Background(), in.ID, Card{Number: CardSucceeds}); err != nil || again.Status != Authorized {
					t.Fatalf("second card: %+v, %v", again, err)
				}
			})
		}
	})
}

func TestAuthorizeChargesOnce(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		in := f.intent(t, 1000)
		var wg sync.WaitGroup
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if got, err := f.Authorize(context.Background(), in.ID, Card{Number: CardSucceeds}); err != nil || got.Status != Authorized {
					t.Errorf("authorize: %+v, %v", got, err)
				}
			}()
		}
		wg.Wait()
		got, _ := f.Get(context.Background(), in.ID)
		if len(got.Steps) != 1 || eventCount(t, d, EventAuthorized) != 1 {
			t.Fatalf("steps %+v, %d authorized events; want one of each", got.Steps, eventCount(t, d, EventAuthorized))
		}
		// Holds that lost the race were voided at the provider: only the recorded one is live.
		if _, live := f.prov.Holds(); live != 1 {
			t.Fatalf("%d live authorizations at the provider, want 1", live)
		}
	})
}

func TestCaptureVoidRefund(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()

		in := f.authorized(t, 1000)
		if _, err := f.Capture(ctx, in.ID, 1001); !errors.Is(err, ErrCaptureExceedsAuthorized) {
			t.Fatalf("over-capture: %v", err)
		}
		got, err := f.Capture(ctx, in.ID, 400)
		if err != nil || got.Status != PartiallyCaptured || got.Captured != 400 {
			t.Fatalf("partial capture: %+v, %v", got, err)
		}
		if _, err := f.Void(ctx, in.ID); !errors.Is(err, ErrInvalidState) {
			t.Fatalf("void after capture: %v", err)
		}
		if got, err = f.Capture(ctx, in.ID, 0); err != nil || got.Status != Captured || got.Captured != 1000 {
			t.Fatalf("capture the rest: %+v, %v", got, err)
		}
		if _, err := f.Refund(ctx, in.ID, 100, "r"); apperr.KindOf(err) != apperr.Unauthenticated {
			t.Fatalf("anonymous refund: %v", err)
		}
		staff := auth.WithPrincipal(ctx, authtest.Principal(auth.Staff))
		if _, err := f.Refund(staff, in.ID, 100, "r"); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("staff refund: %v", err)
		}
		if got, err = f.Refund(admin(), in.ID, 300, "damaged"); err != nil || got.Status != PartiallyRefunded || got.Refunded != 300 {
			t.Fatalf("partial refund: %+v, %v", got, err)
		}
		if _, err := f.Refund(admin(), in.ID, 701, "too much"); !errors.Is(err, ErrRefundExceedsCaptured) {
			t.Fatalf("over-refund: %v", err)
		}
		if _, err := f.Refund(admin(), in.ID, -5, ""); apperr.KindOf(err) != apperr.InvalidInput {
			t.Fatalf("negative refund: %v", err)
		}
		if got, err = f.Refund(admin(), in.ID, 0, "rest"); err != nil || got.Status != Refunded || got.Refunded != 1000 {
			t.Fatalf("refund the rest: %+v, %v", got, err)
		}
		if _, err := f.Refund(admin(), in.ID, 1, ""); !errors.Is(err, ErrInvalidState) {
			t.Fatalf("refund of a refunded payment: %v", err)
		}
		if got, _ = f.Get(ctx, in.ID); eventCount(t, d, EventRefunded) != 2 || len(got.Steps) != 5 {
			t.Fatalf("%d refunded events, steps %+v", eventCount(t, d, EventRefunded), got.Steps)
		}

		v := f.authorized(t, 500)
		if got, err = f.Void(ctx, v.ID); err != nil || got.Status != Voided {
			t.Fatalf("void: %+v, %v", got, err)
		}
		if _, err := f.Capture(ctx, v.ID, 0); !errors.Is(err, ErrInvalidState) {
			t.Fatalf("capture after void: %v", err)
		}
		if _, err := f.Authorize(ctx, v.ID, Card{Number: CardSucceeds}); !errors.Is(err, ErrInvalidState) {
			t.Fatalf("authorize after void: %v", err)
		}
		unpaid := f.intent(t, 700)
		if got, err = f.Void(ctx, unpaid.ID); err != nil || got.Status != Voided {
			t.Fatalf("cancel unpaid: %+v, %v", got, err)
		}
		if _, err := f.Get(ctx, "pi_nope"); !errors.Is(err, ErrIntentNotFound) {
			t.Fatalf("unknown intent: %v", err)
		}
	})
}

func TestProviderFailureUndoesTheClaim(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		in := f.authorized(t, 1000)
		f.prov.failNext()
		if _, err := f.Capture(ctx, in.ID, 0); apperr.KindOf(err) != apperr.Unavailable {
			t.Fatalf("failed capture: %v", err)
		}
		got, _ := f.Get(ctx, in.ID)
		if got.Status != Authorized || got.Captured != 0 || got.Steps[len(got.Steps)-1].Succeeded {
			t.Fatalf("after failed capture %+v", got)
		}
		if _, err := f.Capture(ctx, in.ID, 0); err != nil {
			t.Fatal(err)
		}
		f.prov.failNext()
		if _, err := f.Refund(admin(), in.ID, 200, ""); apperr.KindOf(err) != apperr.Unavailable {
			t.Fatalf("failed refund: %v", err)
		}
		if got, _ := f.Get(ctx, in.ID); got.Status != Captured || got.Refunded != 0 {
			t.Fatalf("after failed refund %+v", got)
		}
	})
}

// TestConcurrentRefundsNeverExceedCaptured races partial refunds: only as many succeed as the
// captured amount covers.
func TestConcurrentRefundsNeverExceedCaptured(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		in := f.authorized(t, 100)
		if _, err := f.Capture(context.Background(), in.ID, 0); err != nil {
			t.Fatal(err)
		}
		var ok, over atomic.Int64
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.Refund(admin(), in.ID, 30, "")
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, ErrRefundExceedsCaptured):
					over.Add(1)
				default:
					t.Errorf("refund: %v", err)
				}
			}()
		}
		wg.Wait()
		got, _ := f.Get(context.Background(), in.ID)
		if ok.Load() != 3 || over.Load() != 17 || got.Refunded != 90 {
			t.Fatalf("%d refunds, %d refused, refunded %d; want 3, 17, 90", ok.Load(), over.Load(), got.Refunded)
		}
	})
}

func TestCreateIntent(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		req := IntentRequest{OrderID: "o-1", Amount: 1999, Currency: "EUR", IdempotencyKey: "k-1"}
		a, err := f.CreateIntent(ctx, req)
		if err != nil || a.Provider != TestProviderName || a.Status != RequiresPayment {
			t.Fatalf("create: %+v, %v", a, err)
		}
		b, err := f.CreateIntent(ctx, req)
		if err != nil || b.ID != a.ID {
			t.Fatalf("same key: %+v, %v; want intent %s", b, err, a.ID)
		}
		req.Amount = 2000
		if _, err := f.CreateIntent(ctx, req); !errors.Is(err, ErrIdempotencyMismatch) {
			t.Fatalf("same key, other amount: %v", err)
		}
		tests := []struct {
			name  string
			req   IntentRequest
			field string
		}{
			{"no order", IntentRequest{Amount: 1, Currency: "USD"}, "order_id"},
			{"zero amount", IntentRequest{OrderID: "o", Currency: "USD"}, "amount"},
			{"negative amount", IntentRequest{OrderID: "o", Amount: -1, Currency: "USD"}, "amount"},
			{"huge amount", IntentRequest{OrderID: "o", Amount: MaxAmount + 1, Currency: "USD"}, "amount"},
			{"lower-case currency", IntentRequest{OrderID: "o", Amount: 1, Currency: "usd"}, "currency"},
			{"made-up currency", IntentRequest{OrderID: "o", Amount: 1, Currency: "XXX"}, "currency"},
			{"unknown provider", IntentRequest{OrderID: "o", Amount: 1, Currency: "USD", Provider: "acme"}, "provider"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := f.CreateIntent(ctx, tt.req)
				var e *apperr.Error
				if !errors.As(err, &e) || e.Kind != apperr.InvalidInput || len(e.Fields) != 1 || e.Fields[0].Field != tt.field {
					t.Fatalf("error %v, want invalid %s", err, tt.field)
				}
			})
		}
	})
}

func TestEventsPublished(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		in := f.intent(t, 1500)
		if _, err := f.Authorize(context.Background(), in.ID, Card{Number: CardInsufficientFunds}); !errors.Is(err, ErrInsufficientFunds) {
			t.Fatal(err)
		}
		var raw string
		if err := d.QueryRowContext(context.Background(), `SELECT payload FROM events_outbox WHERE type = $1`, EventFailed).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`\"code\":\"insufficient_funds\"`, `\"order_id\":\"` + in.OrderID, `\"amount\":1500`} {
			if !strings.Contains(raw, want) && !strings.Contains(raw, strings.ReplaceAll(want, `\"`, `"`)) {
				t.Errorf("payment.failed payload %s lacks %s", raw, want)
			}
		}
		if _, err := f.Authorize(context.Background(), in.ID, Card{Number: CardSucceeds}); err != nil {
			t.Fatal(err)
		}
		if eventCount(t, d, EventAuthorized) != 1 || eventCount(t, d, EventFailed) != 1 {
			t.Fatalf("authorized %d, failed %d; want 1 and 1", eventCount(t, d, EventAuthorized), eventCount(t, d, EventFailed))
		}
	})
}
