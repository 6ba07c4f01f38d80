package order

import (
	"net/http"
	"strconv"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// Handler serves the checkout and order API on a Core.
type Handler struct {
	c *Core
}

// NewHandler returns the HTTP face of c.
func NewHandler(c *Core) *Handler { return &Handler{c: c} }

// Routes registers the order API on r.
func (h *Handler) Routes(r *httpx.Router) {
	r.HandleFunc("POST /api/v1/checkout", h.checkout)
	r.HandleFunc("GET /api/v1/orders", h.mine)
	r.HandleFunc("GET /api/v1/orders/{id}", h.get)
	r.Handle("GET /api/v1/admin/orders", auth.RequireFunc(auth.OrdersRead, h.list))
	r.Handle("GET /api/v1/admin/orders/{id}", auth.RequireFunc(auth.OrdersRead, h.get))
	r.Handle("POST /api/v1/admin/orders/{id}/ship", auth.RequireFunc(auth.OrdersManage, h.ship))
	r.Handle("POST /api/v1/admin/orders/{id}/deliver", auth.RequireFunc(auth.OrdersManage, h.deliver))
	r.Handle("POST /api/v1/admin/orders/{id}/cancel", auth.RequireFunc(auth.OrdersManage, h.cancel))
	r.Handle("POST /api/v1/admin/orders/{id}/refund", auth.RequireFunc(auth.OrdersManage, h.refund))
}

func (h *Handler) checkout(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		httpx.WriteError(w, r, ErrMissingKey)
		return
	}
	var body CheckoutRequest
	if err := httpx.Decode(w, r, &body); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	o, err := h.c.Checkout(r.Context(), key, body)
	if err == nil {
		w.Header().Set("Location", "/api/v1/orders/"+o.ID)
	}
	httpx.Reply(w, r, http.StatusCreated, o, err)
}

func limitOf(r *http.Request) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxLimit {
		return 0, apperr.Invalid(apperr.FieldError{Field: "limit", Detail: "must be a number from 1 to " + strconv.Itoa(MaxLimit)})
	}
	return n, nil
}

func (h *Handler) mine(w http.ResponseWriter, r *http.Request) {
	n, err := limitOf(r)
	var os []Order
	if err == nil {
		os, err = h.c.Mine(r.Context(), n)
	}
	httpx.Reply(w, r, http.StatusOK, map[string][]Order{"orders": os}, err)
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	o, err := h.c.Get(r.Context(), r.PathValue("id"))
	httpx.Reply(w, r, http.StatusOK, o, err)
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	n, err := limitOf(r)
	var os []Order
	if err == nil {
		os, err = h.c.List(r.Context(), Filter{Status: Status(r.URL.Query().Get("status")), Limit: n})
	}
	httpx.Reply(w, r, http.StatusOK, map[string][]Order{"orders": os}, err)
}

// actionBody is the body of the admin actions; each reads the fields it needs.
type actionBody struct {
	TrackingNumber string `json:"tracking_number"`
	Reason         string `json:"reason"`
}

func (h *Handler) action(w http.ResponseWriter, r *http.Request) (actionBody, bool) {
	var b actionBody
	if r.ContentLength != 0 {
		if err := httpx.Decode(w, r, &b); err != nil {
			httpx.WriteError(w, r, err)
			return b, false
		}
	}
	if len(b.Reason) > 500 || !printableText(b.Reason) {
		httpx.WriteError(w, r, apperr.Invalid(apperr.FieldError{Field: "reason", Detail: "must be text of at most 500 bytes"}))
		return b, false
	}
	return b, true
}

func (h *Handler) ship(w http.ResponseWriter, r *http.Request) {
	if b, ok := h.action(w, r); ok {
		o, err := h.c.Ship(r.Context(), r.PathValue("id"), b.TrackingNumber)
		httpx.Reply(w, r, http.StatusOK, o, err)
	}
}

func (h *Handler) deliver(w http.ResponseWriter, r *http.Request) {
	if b, ok := h.action(w, r); ok {
		o, err := h.c.Deliver(r.Context(), r.PathValue("id"), b.Reason)
		httpx.Reply(w, r, http.StatusOK, o, err)
	}
}

func (h *Handler) cancel(w http.ResponseWriter, r *http.Request) {
	if b, ok := h.action(w, r); ok {
		o, err := h.c.Cancel(r.Context(), r.PathValue("id"), b.Reason)
		httpx.Reply(w, r, http.StatusOK, o, err)
	}
}

func (h *Handler) refund(w http.ResponseWriter, r *http.Request) {
	if b, ok := h.action(w, r); ok {
		o, err := h.c.Refund(r.Context(), r.PathValue("id"), b.Reason)
		httpx.Reply(w, r, http.StatusOK, o, err)
	}
}
