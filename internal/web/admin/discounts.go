package admin

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pasarhq/pasar/internal/cart"
	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/pricing"
)

type discountsPage struct {
	Enabled bool
	Codes   []cart.DiscountRecord
}

func (h *Handler) discountList(w http.ResponseWriter, r *http.Request) {
	h.showDiscounts(w, r, http.StatusOK, newForm(nil))
}

func (h *Handler) showDiscounts(w http.ResponseWriter, r *http.Request, status int, f *form) {
	pg := discountsPage{Enabled: h.o.Discounts != nil}
	if pg.Enabled {
		var err error
		if pg.Codes, err = h.o.Discounts.List(r.Context()); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	h.render(w, r, status, "discounts", view{Title: "Discount codes", Nav: "discounts", Form: f, Page: pg})
}

func (h *Handler) discountCreate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, err)
		return
	}
	f := newForm(r.PostForm)
	if h.o.Discounts == nil {
		f.Message = "Discount codes are not enabled."
		h.showDiscounts(w, r, http.StatusNotFound, f)
		return
	}
	d := pricing.Discount{Code: strings.TrimSpace(f.Get("code")), Kind: pricing.DiscountKind(f.Get("kind")),
		Currency: strings.ToUpper(strings.TrimSpace(f.Get("currency")))}
	whole := func(name string) int64 {
		s := strings.TrimSpace(f.Get(name))
		if s == "" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			f.Add(name, "Enter a whole number.")
		}
		return n
	}
	amount := func(name string) int64 {
		s := strings.TrimSpace(f.Get(name))
		if s == "" {
			return 0
		}
		n, ok := parseMoney(s)
		if !ok {
			f.Add(name, "Enter an amount such as 5.00.")
		}
		return n
	}
	date := func(name string) *time.Time {
		s := strings.TrimSpace(f.Get(name))
		if s == "" {
			return nil
		}
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			f.Add(name, "Enter a date as YYYY-MM-DD.")
			return nil
		}
		return &t
	}
	if d.Kind == pricing.Percent {
		d.Percent = whole("percent")
	} else {
		d.AmountOff = amount("amount_off")
	}
	d.MinSubtotal = amount("min_subtotal")
	d.UsageLimit = whole("usage_limit")
	d.PerCustomerLimit = whole("per_customer_limit")
	d.StartsAt, d.EndsAt = date("starts_at"), date("ends_at")
	if f.Bad() {
		h.showDiscounts(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	if _, err := h.o.Discounts.Create(r.Context(), d); err != nil {
		h.showDiscounts(w, r, f.absorb(err), f)
		return
	}
	done(w, r, "/admin/discounts", "created")
}

func (h *Handler) discountDelete(w http.ResponseWriter, r *http.Request) {
	if h.o.Discounts == nil {
		h.showDiscounts(w, r, http.StatusNotFound, &form{Message: "Discount codes are not enabled."})
		return
	}
	if err := h.o.Discounts.Delete(r.Context(), r.PathValue("code")); err != nil {
		if errors.Is(err, pricing.ErrDiscountUnknown) {
			// A shopper's unknown code is a field error; here it is a page that is not there.
			err = apperr.New(apperr.NotFound, "discount_not_found", "No such discount code.")
		}
		f := newForm(nil)
		h.showDiscounts(w, r, f.absorb(err), f)
		return
	}
	done(w, r, "/admin/discounts", "deleted")
}
