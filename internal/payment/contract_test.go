package payment

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// TestContract runs one suite against the core and against the HTTP client talking to it, so
// the order service sees the same answers and sentinels in both shapes.
func TestContract(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		srv, iss := serve(t, f)
		shapes := []struct {
			name string
			svc  Service
			ctx  context.Context
		}{
			{"core", f.Core, admin()},
			{"client", NewClient(srv.URL, nil), auth.WithBearer(context.Background(),
				iss.ServiceToken("order", auth.OrdersManage, auth.OrdersRead, auth.PaymentsRefund))},
		}
		for _, s := range shapes {
			t.Run(s.name, func(t *testing.T) { contract(t, s.svc, s.ctx, s.name) })
		}
		flat := strings.ReplaceAll(dumpStore(t, d)+f.logs.String(), " ", "")
		for _, pan := range []string{CardSucceeds, CardDeclined, CardInsufficientFunds} {
			if strings.Contains(flat, pan) {
				t.Errorf("card %s stored or logged", pan)
			}
		}
	})
}

func contract(t *testing.T, svc Service, ctx context.Context, key string) {
	req := IntentRequest{OrderID: "order-" + key, Amount: 5000, Currency: "EUR", IdempotencyKey: "checkout-" + key}
	in, err := svc.CreateIntent(ctx, req)
	if err != nil || in.Status != RequiresPayment || in.Provider != TestProviderName {
		t.Fatalf("create: %+v, %v", in, err)
	}
	if again, err := svc.CreateIntent(ctx, req); err != nil || again.ID != in.ID {
		t.Fatalf("same key: %+v, %v", again, err)
	}
	if _, err := svc.CreateIntent(ctx, IntentRequest{OrderID: "o", Amount: -1, Currency: "EUR"}); apperr.KindOf(err) != apperr.InvalidInput {
		t.Fatalf("negative amount: %v", err)
	}
	if _, err := svc.Authorize(ctx, in.ID, Card{Number: CardDeclined}); !errors.Is(err, ErrDeclined) || apperr.KindOf(err) != apperr.PaymentRequired {
		t.Fatalf("declined: %v", err)
	}
	if _, err := svc.Authorize(ctx, in.ID, Card{Number: CardInsufficientFunds}); !errors.Is(err, ErrInsufficientFunds) {
		t.Fatalf("insufficient funds: %v", err)
	}
	var e *apperr.Error
	if _, err := svc.Authorize(ctx, in.ID, Card{Number: "1234"}); !errors.Is(err, ErrInvalidCard) || !errors.As(err, &e) ||
		len(e.Fields) != 1 || e.Fields[0].Field != "card_number" {
		t.Fatalf("invalid card: %v", err)
	}
	got, err := svc.Authorize(ctx, in.ID, Card{Number: CardSucceeds, ExpMonth: 12, ExpYear: 2099, CVC: "123"})
	if err != nil || got.Status != Authorized || got.CardLast4 != "4242" {
		t.Fatalf("authorize: %+v, %v", got, err)
	}
	if got, err = svc.Capture(ctx, in.ID, 3000); err != nil || got.Captured != 3000 {
		t.Fatalf("capture: %+v, %v", got, err)
	}
	if _, err := svc.Capture(ctx, in.ID, 2001); !errors.Is(err, ErrCaptureExceedsAuthorized) {
		t.Fatalf("over-capture: %v", err)
	}
	if got, err = svc.Refund(ctx, in.ID, 1000, "one item back"); err != nil || got.Refunded != 1000 || got.Status != PartiallyRefunded {
		t.Fatalf("refund: %+v, %v", got, err)
	}
	if _, err := svc.Refund(ctx, in.ID, 2001, ""); !errors.Is(err, ErrRefundExceedsCaptured) {
		t.Fatalf("over-refund: %v", err)
	}
	if _, err := svc.Void(ctx, in.ID); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("void after capture: %v", err)
	}
	got, err = svc.Get(ctx, in.ID)
	if err != nil || len(got.Steps) != 6 || got.Steps[0].Succeeded || !got.Steps[5].Succeeded || got.Steps[5].Kind != StepRefund {
		t.Fatalf("get: %+v, %v", got, err)
	}
	other, err := svc.CreateIntent(ctx, IntentRequest{OrderID: "other-" + key, Amount: 100, Currency: "USD"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authorize(ctx, other.ID, Card{Number: CardSucceeds}); err != nil {
		t.Fatal(err)
	}
	if got, err := svc.Void(ctx, other.ID); err != nil || got.Status != Voided {
		t.Fatalf("void: %+v, %v", got, err)
	}
	if _, err := svc.Get(ctx, "pi_none"); !errors.Is(err, ErrIntentNotFound) {
		t.Fatalf("unknown: %v", err)
	}

	// Charge: a decline leaves the intent payable; a success authorizes and captures at once,
	// and a retry charges nothing more.
	sale, err := svc.CreateIntent(ctx, IntentRequest{OrderID: "sale-" + key, Amount: 2500, Currency: "USD"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Charge(ctx, sale.ID, Card{Number: CardDeclined}); !errors.Is(err, ErrDeclined) {
		t.Fatalf("declined charge: %v", err)
	}
	for range 2 {
		got, err := svc.Charge(ctx, sale.ID, Card{Number: CardSucceeds})
		if err != nil || got.Status != Captured || got.Captured != 2500 {
			t.Fatalf("charge: %+v, %v", got, err)
		}
	}
	got, err = svc.Get(ctx, sale.ID)
	if err != nil || len(got.Steps) != 3 || got.Steps[1].Kind != StepAuthorize || got.Steps[2].Kind != StepCapture ||
		!got.Steps[2].Succeeded || got.Steps[2].Amount != 2500 {
		t.Fatalf("charged intent: %+v, %v", got, err)
	}
}
