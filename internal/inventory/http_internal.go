package inventory

import (
	"fmt"
	"net/http"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// internalRoutes registers what other services call across processes: availability for carts
// (public: it shows no more than the stock page does) and reservations for the order service,
// which need auth.InventoryWrite, because anyone able to reserve could hold all the stock.
func (h *Handler) internalRoutes(r *httpx.Router) {
	r.HandleFunc("GET /api/v1/inventory", h.available)
	res := func(pattern string, f http.HandlerFunc) { r.Handle(pattern, auth.RequireFunc(auth.InventoryWrite, f)) }
	res("PUT /api/v1/internal/inventory/reservations/{order}", h.reserve)
	res("GET /api/v1/internal/inventory/reservations/{order}", h.reservation)
	res("DELETE /api/v1/internal/inventory/reservations/{order}", h.release)
	res("POST /api/v1/internal/inventory/reservations/{order}/commit", h.commit)
	res("POST /api/v1/internal/inventory/reservations/{order}/restock", h.restock)
}

// maxQuerySKUs bounds GET /api/v1/inventory?sku=...: a cart, not a catalog dump.
const maxQuerySKUs = 200

func (h *Handler) available(w http.ResponseWriter, r *http.Request) {
	skus := r.URL.Query()["sku"]
	if len(skus) == 0 || len(skus) > maxQuerySKUs {
		httpx.WriteError(w, r, apperr.Invalid(apperr.FieldError{Field: "sku",
			Detail: fmt.Sprintf("give 1 to %d sku parameters", maxQuerySKUs)}))
		return
	}
	m, err := h.svc.Available(r.Context(), skus)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, map[string]any{"available": m})
}

// reserveBody is the body of PUT /api/v1/internal/inventory/reservations/{order}.
type reserveBody struct {
	Lines      []Line `json:"lines"`
	TTLSeconds int64  `json:"ttl_seconds"` // 0: DefaultTTL
}

func (h *Handler) reserve(w http.ResponseWriter, r *http.Request) {
	var b reserveBody
	if err := httpx.Decode(w, r, &b); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	ttl := DefaultTTL
	if b.TTLSeconds != 0 {
		if b.TTLSeconds < 0 || b.TTLSeconds > int64(MaxTTL/time.Second) {
			httpx.WriteError(w, r, apperr.Invalid(apperr.FieldError{Field: "ttl_seconds",
				Detail: fmt.Sprintf("must be between 1 and %d", int64(MaxTTL/time.Second))}))
			return
		}
		ttl = time.Duration(b.TTLSeconds) * time.Second
	}
	res, err := h.svc.Reserve(r.Context(), r.PathValue("order"), b.Lines, ttl)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, res)
}

func (h *Handler) reservation(w http.ResponseWriter, r *http.Request) {
	res, err := h.svc.Reservation(r.Context(), r.PathValue("order"))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, res)
}

func (h *Handler) release(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.Release(r.Context(), r.PathValue("order")); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) commit(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.Commit(r.Context(), r.PathValue("order")); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) restock(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.Restock(r.Context(), r.PathValue("order")); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
