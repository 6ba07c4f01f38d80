package cart

import (
	"net/http"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// Handler serves the cart API on a Core, and the discount admin API on its Discounts.
type Handler struct {
	s *Core
}

// NewHandler returns the HTTP face of s.
func NewHandler(s *Core) *Handler { return &Handler{s: s} }

// Routes registers the cart API on r.
func (h *Handler) Routes(r *httpx.Router) {
	h.internalRoutes(r)
	r.HandleFunc("POST /api/v1/carts", h.create)
	r.HandleFunc("GET /api/v1/carts/{id}", h.get)
	r.HandleFunc("PATCH /api/v1/carts/{id}", h.setDestination)
	r.HandleFunc("POST /api/v1/carts/{id}/items", h.addItem)
	r.HandleFunc("PATCH /api/v1/carts/{id}/items/{sku}", h.setQuantity)
	r.HandleFunc("DELETE /api/v1/carts/{id}/items/{sku}", h.removeItem)
	r.HandleFunc("POST /api/v1/carts/{id}/discount", h.applyDiscount)
	r.HandleFunc("DELETE /api/v1/carts/{id}/discount", h.removeDiscount)
	r.HandleFunc("POST /api/v1/carts/{id}/merge", h.merge)
	r.Handle("POST /api/v1/admin/discounts", auth.RequireFunc(auth.CatalogWrite, h.createDiscount))
	r.Handle("GET /api/v1/admin/discounts", auth.RequireFunc(auth.CatalogWrite, h.listDiscounts))
	r.Handle("GET /api/v1/admin/discounts/{code}", auth.RequireFunc(auth.CatalogWrite, h.getDiscount))
	r.Handle("DELETE /api/v1/admin/discounts/{code}", auth.RequireFunc(auth.CatalogWrite, h.deleteDiscount))
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Currency string `json:"currency"`
	}
	// The body is optional: an empty POST makes a cart in the store's currency.
	if r.ContentLength != 0 {
		if err := httpx.Decode(w, r, &body); err != nil {
			httpx.WriteError(w, r, err)
			return
		}
	}
	v, err := h.s.Create(r.Context(), body.Currency)
	if err == nil {
		w.Header().Set("Location", "/api/v1/carts/"+v.ID)
	}
	httpx.Reply(w, r, http.StatusCreated, v, err)
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	v, err := h.s.Get(r.Context(), r.PathValue("id"))
	httpx.Reply(w, r, http.StatusOK, v, err)
}

func (h *Handler) setDestination(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ShippingMethod string `json:"shipping_method"`
		Country        string `json:"country"`
		Region         string `json:"region"`
	}
	if err := httpx.Decode(w, r, &body); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	v, err := h.s.SetDestination(r.Context(), r.PathValue("id"), Destination(body))
	httpx.Reply(w, r, http.StatusOK, v, err)
}

func (h *Handler) addItem(w http.ResponseWriter, r *http.Request) {
	var body struct {
		SKU      string `json:"sku"`
		Quantity *int64 `json:"quantity"`
	}
	if err := httpx.Decode(w, r, &body); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if body.Quantity == nil {
		httpx.WriteError(w, r, invalid("quantity", "is required"))
		return
	}
	v, err := h.s.AddItem(r.Context(), r.PathValue("id"), body.SKU, *body.Quantity)
	httpx.Reply(w, r, http.StatusOK, v, err)
}

func (h *Handler) setQuantity(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Quantity *int64 `json:"quantity"`
	}
	if err := httpx.Decode(w, r, &body); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if body.Quantity == nil {
		httpx.WriteError(w, r, invalid("quantity", "is required"))
		return
	}
	v, err := h.s.SetQuantity(r.Context(), r.PathValue("id"), r.PathValue("sku"), *body.Quantity)
	httpx.Reply(w, r, http.StatusOK, v, err)
}

func (h *Handler) removeItem(w http.ResponseWriter, r *http.Request) {
	v, err := h.s.RemoveItem(r.Context(), r.PathValue("id"), r.PathValue("sku"))
	httpx.Reply(w, r, http.StatusOK, v, err)
}

func (h *Handler) applyDiscount(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Code string `json:"code"`
	}
	if err := httpx.Decode(w, r, &body); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	v, err := h.s.ApplyDiscount(r.Context(), r.PathValue("id"), body.Code)
	httpx.Reply(w, r, http.StatusOK, v, err)
}

func (h *Handler) removeDiscount(w http.ResponseWriter, r *http.Request) {
	v, err := h.s.RemoveDiscount(r.Context(), r.PathValue("id"))
	httpx.Reply(w, r, http.StatusOK, v, err)
}

// merge moves a guest cart into the signed-in customer's; identity's sign-in flow (or the
// storefront right after it) calls it with the guest cart it had.
func (h *Handler) merge(w http.ResponseWriter, r *http.Request) {
	p := auth.FromContext(r.Context())
	if p.IsAnonymous() || p.Service {
		httpx.WriteError(w, r, ErrMergeNeedsCustomer)
		return
	}
	v, err := h.s.Merge(r.Context(), r.PathValue("id"), p.Subject)
	httpx.Reply(w, r, http.StatusOK, v, err)
}
