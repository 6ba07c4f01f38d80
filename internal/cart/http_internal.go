package cart

import (
	"net/http"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// internalRoutes registers what the order service calls across processes. The quote answers
// the caller as Get does (a customer's cart is theirs only); deleting a cart and redeeming a
// code follow a paid order, so they need auth.OrdersManage.
func (h *Handler) internalRoutes(r *httpx.Router) {
	r.HandleFunc("GET /api/v1/internal/carts/{id}/quote", h.quote)
	r.Handle("DELETE /api/v1/internal/carts/{id}", auth.RequireFunc(auth.OrdersManage, h.delete))
	r.Handle("POST /api/v1/internal/discounts/{code}/redemptions", auth.RequireFunc(auth.OrdersManage, h.redeem))
}

func (h *Handler) quote(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v, err := h.s.Quote(r.Context(), r.PathValue("id"), Destination{ShippingMethod: q.Get("shipping_method"),
		Country: q.Get("country"), Region: q.Get("region")})
	httpx.Reply(w, r, http.StatusOK, v, err)
}

func (h *Handler) delete(w http.ResponseWriter, r *http.Request) {
	if err := h.s.Delete(r.Context(), r.PathValue("id")); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// redemptionBody is the body of POST /api/v1/internal/discounts/{code}/redemptions.
type redemptionBody struct {
	Customer string `json:"customer"`
	OrderID  string `json:"order_id"`
}

func (h *Handler) redeem(w http.ResponseWriter, r *http.Request) {
	var b redemptionBody
	if err := httpx.Decode(w, r, &b); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if b.OrderID == "" {
		httpx.WriteError(w, r, invalid("order_id", "is required"))
		return
	}
	if err := h.s.Redeem(r.Context(), r.PathValue("code"), b.Customer, b.OrderID); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
