package payment

import (
	"context"
	"io"
	"net/http"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// CallbackReceiver applies provider callbacks; the Core is one.
type CallbackReceiver interface {
	HandleCallback(ctx context.Context, provider, signature string, body []byte) (bool, error)
}

// Handler serves the payment service's HTTP API: provider callbacks, intents for staff, and the
// internal API the order service takes payments through from another process (see Client).
type Handler struct {
	svc       Service
	callbacks CallbackReceiver
}

// NewHandler returns the HTTP API of svc, handing callbacks to cb.
func NewHandler(svc Service, cb CallbackReceiver) *Handler { return &Handler{svc: svc, callbacks: cb} }

// maxCallbackBody bounds a callback body; providers send small JSON documents.
const maxCallbackBody = 64 << 10

// Routes registers the callback endpoint (authenticated by signature, not by token), the staff
// read of an intent (auth.OrdersRead) and the internal API.
func (h *Handler) Routes(r *httpx.Router) {
	r.HandleFunc("POST /api/v1/payments/callbacks/{provider}", h.callback)
	r.Handle("GET /api/v1/admin/payments/{id}", auth.RequireFunc(auth.OrdersRead, h.get))
	h.internalRoutes(r)
}

func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCallbackBody))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	fresh, err := h.callbacks.HandleCallback(r.Context(), r.PathValue("provider"), r.Header.Get(SignatureHeader), body)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]bool{"received": true, "duplicate": !fresh})
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	in, err := h.svc.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, in)
}
