package payment

import (
	"context"
	"errors"
	"strings"
	"sync"
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
			t.Run(s.name, func(t *testing.T) {
				contract(t, s.svc, s.ctx, s.name)
				payContract(t, f, s.svc, s.ctx, s.name)
			})
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

// payContract holds Pay to what CreateIntent then Authorize or Charge answer, with the provider's
// count of authorizations (f's provider answers both shapes) showing what was charged.
func payContract(t *testing.T, f *fixture, svc Service, ctx context.Context, key string) {
	card := Card{Number: CardSucceeds, ExpMonth: 12, ExpYear: 2099, CVC: "123"}
	holds := func() int { made, _ := f.prov.Holds(); return made }

	// Taken at once: authorized and captured, both steps recorded; a replay charges nothing more.
	sale := IntentRequest{OrderID: "pay-sale-" + key, Amount: 2500, Currency: "USD", IdempotencyKey: "pay-sale-" + key}
	before, authorized := holds(), eventCount(t, f.d, EventAuthorized)
	in, err := svc.Pay(ctx, sale, card, true)
	if err != nil || in.ID == "" || in.Status != Captured || in.Captured != 2500 || in.CardLast4 != "4242" || in.Provider != TestProviderName {
		t.Fatalf("pay and capture: %+v, %v", in, err)
	}
	if n := eventCount(t, f.d, EventAuthorized); n != authorized+1 {
		t.Fatalf("%d payment.authorized events after pay, want %d", n, authorized+1)
	}
	for range 2 {
		if again, err := svc.Pay(ctx, sale, card, true); err != nil || again.ID != in.ID || again.Status != Captured {
			t.Fatalf("pay replayed: %+v, %v", again, err)
		}
	}
	if again, err := svc.CreateIntent(ctx, sale); err != nil || again.ID != in.ID {
		t.Fatalf("create intent with a paid key: %+v, %v", again, err)
	}
	if n := holds(); n != before+1 {
		t.Fatalf("the provider made %d authorizations for one paid order", n-before)
	}
	got, err := svc.Get(ctx, in.ID)
	if err != nil || got.Status != Captured || len(got.Steps) != 2 || got.Steps[0].Kind != StepAuthorize || !got.Steps[0].Succeeded ||
		got.Steps[1].Kind != StepCapture || !got.Steps[1].Succeeded || got.Steps[1].Amount != 2500 {
		t.Fatalf("paid intent: %+v, %v", got, err)
	}
	for _, other := range []IntentRequest{
		{OrderID: sale.OrderID, Amount: 2501, Currency: "USD", IdempotencyKey: sale.IdempotencyKey},
		{OrderID: "another", Amount: 2500, Currency: "USD", IdempotencyKey: sale.IdempotencyKey},
	} {
		if _, err := svc.Pay(ctx, other, card, true); !errors.Is(err, ErrIdempotencyMismatch) || apperr.KindOf(err) != apperr.Conflict {
			t.Fatalf("pay with a used key and another request: %v", err)
		}
	}
	if _, err := svc.Pay(ctx, IntentRequest{OrderID: "o", Amount: -1, Currency: "EUR"}, card, true); apperr.KindOf(err) != apperr.InvalidInput {
		t.Fatalf("pay a negative amount: %v", err)
	}

	// Authorization only: held, nothing captured; a replay returns it as it is; it can be voided.
	hold := IntentRequest{OrderID: "pay-hold-" + key, Amount: 700, Currency: "EUR", IdempotencyKey: "pay-hold-" + key}
	in, err = svc.Pay(ctx, hold, card, false)
	if err != nil || in.Status != Authorized || in.Captured != 0 {
		t.Fatalf("pay without capture: %+v, %v", in, err)
	}
	if again, err := svc.Pay(ctx, hold, card, false); err != nil || again.ID != in.ID || again.Status != Authorized {
		t.Fatalf("pay without capture replayed: %+v, %v", again, err)
	}
	if got, err := svc.Void(ctx, in.ID); err != nil || got.Status != Voided {
		t.Fatalf("void a paid hold: %+v, %v", got, err)
	}

	// Declines: the intent is recorded, payable, with the failed step and payment.failed, and
	// comes back with the error so the caller can cancel it, or pay again with another card.
	for _, tc := range []struct {
		pan  string
		want error
	}{{CardDeclined, ErrDeclined}, {CardInsufficientFunds, ErrInsufficientFunds}} {
		code := tc.want.(*apperr.Error).Code // not the number, which must appear nowhere in the store
		r := IntentRequest{OrderID: "pay-" + code + "-" + key, Amount: 900, Currency: "USD", IdempotencyKey: "pay-" + code + "-" + key}
		failed := eventCount(t, f.d, EventFailed)
		in, err := svc.Pay(ctx, r, Card{Number: tc.pan}, true)
		if !errors.Is(err, tc.want) || apperr.KindOf(err) != apperr.PaymentRequired || in.ID == "" {
			t.Fatalf("pay with %s: %+v, %v", tc.pan, in, err)
		}
		if n := eventCount(t, f.d, EventFailed); n != failed+1 {
			t.Fatalf("%d payment.failed events after a decline, want %d", n, failed+1)
		}
		got, err := svc.Get(ctx, in.ID)
		if err != nil || got.Status != RequiresPayment || got.LastError != code || got.CardLast4 != "" ||
			len(got.Steps) != 1 || got.Steps[0].Succeeded || got.Steps[0].Code != got.LastError {
			t.Fatalf("declined intent: %+v, %v", got, err)
		}
		if tc.pan == CardDeclined { // the shopper tries another card under the same key
			paid, err := svc.Pay(ctx, r, card, true)
			if err != nil || paid.ID != in.ID || paid.Status != Captured {
				t.Fatalf("pay again after a decline: %+v, %v", paid, err)
			}
			continue
		}
		if got, err := svc.Void(ctx, in.ID); err != nil || got.Status != Voided {
			t.Fatalf("cancel a declined intent: %+v, %v", got, err)
		}
	}

	// A capture the provider refused leaves the intent authorized, returned with the error; the
	// replay captures what is held.
	flaky := IntentRequest{OrderID: "pay-flaky-" + key, Amount: 1200, Currency: "USD", IdempotencyKey: "pay-flaky-" + key}
	f.prov.failNext()
	in, err = svc.Pay(ctx, flaky, card, true)
	if !errors.Is(err, errProvider) || in.ID == "" {
		t.Fatalf("pay with a refused capture: %+v, %v", in, err)
	}
	if got, err := svc.Get(ctx, in.ID); err != nil || got.Status != Authorized || len(got.Steps) != 2 || got.Steps[1].Succeeded {
		t.Fatalf("intent of a refused capture: %+v, %v", got, err)
	}
	if got, err := svc.Pay(ctx, flaky, card, true); err != nil || got.ID != in.ID || got.Status != Captured {
		t.Fatalf("pay replayed after a refused capture: %+v, %v", got, err)
	}

	// Concurrent pays with one key: one intent, one hold left at the provider, the same answer.
	race := IntentRequest{OrderID: "pay-race-" + key, Amount: 3100, Currency: "USD", IdempotencyKey: "pay-race-" + key}
	_, liveBefore := f.prov.Holds()
	ids := make([]string, 8)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			in, err := svc.Pay(ctx, race, card, true)
			if err != nil || in.Status != Captured {
				t.Errorf("concurrent pay: %+v, %v", in, err)
			}
			ids[i] = in.ID
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("concurrent pays answered intents %v", ids)
		}
	}
	if _, live := f.prov.Holds(); live != liveBefore+1 {
		t.Fatalf("%d live holds at the provider after concurrent pays of one order, want 1", live-liveBefore)
	}
	if got, err := svc.Get(ctx, ids[0]); err != nil || len(got.Steps) != 2 || got.Captured != 3100 {
		t.Fatalf("raced intent: %+v, %v", got, err)
	}
}
