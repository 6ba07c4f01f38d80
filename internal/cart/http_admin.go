package cart

import (
	"net/http"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/httpx"
	"github.com/pasarhq/pasar/internal/pricing"
)

var errNoDiscounts = apperr.New(apperr.NotFound, "discounts_disabled", "Discount codes are not enabled.")

func (h *Handler) discounts() (*Discounts, error) {
	if h.s.o.Discounts == nil {
		return nil, errNoDiscounts
	}
	return h.s.o.Discounts, nil
}

func (h *Handler) createDiscount(w http.ResponseWriter, r *http.Request) {
	ds, err := h.discounts()
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var d pricing.Discount
	if err := httpx.Decode(w, r, &d); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	rec, err := ds.Create(r.Context(), d)
	httpx.Reply(w, r, http.StatusCreated, rec, err)
}

func (h *Handler) listDiscounts(w http.ResponseWriter, r *http.Request) {
	ds, err := h.discounts()
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	list, err := ds.List(r.Context())
	httpx.Reply(w, r, http.StatusOK, struct {
		Items []DiscountRecord `json:"items"`
	}{list}, err)
}

func (h *Handler) getDiscount(w http.ResponseWriter, r *http.Request) {
	ds, err := h.discounts()
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	rec, err := ds.Get(r.Context(), r.PathValue("code"))
	if err != nil {
		err = notFoundDiscount(err)
	}
	httpx.Reply(w, r, http.StatusOK, rec, err)
}

func (h *Handler) deleteDiscount(w http.ResponseWriter, r *http.Request) {
	ds, err := h.discounts()
	if err == nil {
		err = ds.Delete(r.Context(), r.PathValue("code"))
	}
	if err != nil {
		httpx.WriteError(w, r, notFoundDiscount(err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// notFoundDiscount turns "no such code" into a 404 for the admin API (a shopper's unknown code
// is a 422 on the code field of their request).
func notFoundDiscount(err error) error {
	if err == pricing.ErrDiscountUnknown {
		return apperr.New(apperr.NotFound, "discount_not_found", "No such discount code.")
	}
	return err
}
