package payment

import (
	"context"
	"net/http"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// internalRoutes registers the API the order service takes payments through when the payment
// service runs in another process. Taking payments needs auth.OrdersManage (the order service's
// token); refunds need auth.PaymentsRefund, as in the core.
func (h *Handler) internalRoutes(r *httpx.Router) {
	manage := func(pattern string, f http.HandlerFunc) { r.Handle(pattern, auth.RequireFunc(auth.OrdersManage, f)) }
	manage("POST /api/v1/internal/payments/intents", h.createIntent)
	manage("POST /api/v1/internal/payments/pay", h.pay)
	manage("POST /api/v1/internal/payments/intents/{id}/authorize", h.cardStep(h.svc.Authorize))
	manage("POST /api/v1/internal/payments/intents/{id}/charge", h.cardStep(h.svc.Charge))
	manage("POST /api/v1/internal/payments/intents/{id}/capture", h.capture)
	manage("POST /api/v1/internal/payments/intents/{id}/void", h.void)
	r.Handle("POST /api/v1/internal/payments/intents/{id}/refund", auth.RequireFunc(auth.PaymentsRefund, h.refund))
}

// cardBody is a card on the wire. It is its own type because Card's JSON form hides the number.
type cardBody struct {
	Number   string `json:"card_number"`
	ExpMonth int    `json:"exp_month,omitempty"`
	ExpYear  int    `json:"exp_year,omitempty"`
	CVC      string `json:"cvc,omitempty"`
}

func bodyOf(c Card) cardBody {
	return cardBody{Number: c.Number, ExpMonth: c.ExpMonth, ExpYear: c.ExpYear, CVC: c.CVC}
}

func (b cardBody) card() Card {
	return Card{Number: b.Number, ExpMonth: b.ExpMonth, ExpYear: b.ExpYear, CVC: b.CVC}
}

// cardStep decodes a card and hands it to step (authorize or charge) with the intent id.
func (h *Handler) cardStep(step func(context.Context, string, Card) (Intent, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var c cardBody
		if err := httpx.Decode(w, r, &c); err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		h.answer(w, r)(step(r.Context(), r.PathValue("id"), c.card()))
	}
}

// payBody is the body of pay: the intent request's fields, the card and whether to capture.
type payBody struct {
	IntentRequest
	Card    cardBody `json:"card"`
	Capture bool     `json:"capture,omitempty"`
}

// intentHeader names, on a failed pay's problem answer, the intent the service recorded anyway
// (a decline, a refused capture), so the caller can void it.
const intentHeader = "Pasar-Payment-Intent"

func (h *Handler) pay(w http.ResponseWriter, r *http.Request) {
	var b payBody
	if err := httpx.Decode(w, r, &b); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	in, err := h.svc.Pay(r.Context(), b.IntentRequest, b.Card.card(), b.Capture)
	if err != nil && in.ID != "" {
		w.Header().Set(intentHeader, in.ID)
	}
	h.answer(w, r)(in, err)
}

// amountBody is the body of capture and refund.
type amountBody struct {
	Amount int64  `json:"amount"` // 0: all
	Reason string `json:"reason,omitempty"`
}

func (h *Handler) createIntent(w http.ResponseWriter, r *http.Request) {
	var in IntentRequest
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	h.answer(w, r)(h.svc.CreateIntent(r.Context(), in))
}

func (h *Handler) capture(w http.ResponseWriter, r *http.Request) {
	var b amountBody
	if err := httpx.Decode(w, r, &b); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	h.answer(w, r)(h.svc.Capture(r.Context(), r.PathValue("id"), b.Amount))
}

func (h *Handler) void(w http.ResponseWriter, r *http.Request) {
	h.answer(w, r)(h.svc.Void(r.Context(), r.PathValue("id")))
}

func (h *Handler) refund(w http.ResponseWriter, r *http.Request) {
	var b amountBody
	if err := httpx.Decode(w, r, &b); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	h.answer(w, r)(h.svc.Refund(r.Context(), r.PathValue("id"), b.Amount, b.Reason))
}

// answer writes an intent, or the error that stopped it.
func (h *Handler) answer(w http.ResponseWriter, r *http.Request) func(Intent, error) {
	return func(in Intent, err error) {
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, in)
	}
}
