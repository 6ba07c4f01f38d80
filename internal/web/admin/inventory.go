package admin

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pasarhq/pasar/internal/inventory"
)

type inventoryPage struct {
	SKU         string
	Stock       *inventory.Stock // nil: the SKU has no stock yet
	Adjustments []inventory.AdjustmentRecord
}

func (h *Handler) inventoryPage(w http.ResponseWriter, r *http.Request) {
	sku := strings.TrimSpace(r.URL.Query().Get("sku"))
	h.showInventory(w, r, http.StatusOK, sku, newForm(url.Values{"sku": {sku}, "warehouse": {inventory.DefaultWarehouse}}))
}

func (h *Handler) showInventory(w http.ResponseWriter, r *http.Request, status int, sku string, f *form) {
	pg := inventoryPage{SKU: sku}
	if sku != "" {
		s, err := h.o.Inventory.Get(r.Context(), sku)
		switch {
		case errors.Is(err, inventory.ErrUnknownSKU):
		case err != nil:
			h.fail(w, r, err)
			return
		default:
			pg.Stock = &s
			if f.Get("low_stock_threshold") == "" {
				f.Values.Set("low_stock_threshold", strconv.FormatInt(s.LowStockThreshold, 10))
			}
			if f.Get("on_hand") == "" && len(s.Warehouses) > 0 {
				f.Values.Set("on_hand", strconv.FormatInt(s.Warehouses[0].OnHand, 10))
			}
			pg.Adjustments, err = h.o.Inventory.Adjustments(r.Context(), sku, 20)
			if err != nil {
				h.fail(w, r, err)
				return
			}
		}
	}
	h.render(w, r, status, "inventory", view{Title: "Inventory", Nav: "inventory", Form: f, Page: pg})
}

func (h *Handler) inventoryAdjust(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, err)
		return
	}
	f := newForm(r.PostForm)
	a := inventory.Adjustment{SKU: strings.TrimSpace(f.Get("sku")), Warehouse: strings.TrimSpace(f.Get("warehouse")),
		Reason: strings.TrimSpace(f.Get("reason"))}
	n, err := strconv.ParseInt(strings.TrimSpace(f.Get("on_hand")), 10, 64)
	if err != nil {
		f.Add("on_hand", "Enter a whole number of units.")
	}
	a.OnHand = n
	if t := strings.TrimSpace(f.Get("low_stock_threshold")); t != "" {
		v, err := strconv.ParseInt(t, 10, 64)
		if err != nil {
			f.Add("low_stock_threshold", "Enter a whole number, or leave it empty.")
		}
		a.LowStockThreshold = &v
	}
	if f.Bad() { // the rest (SKU, warehouse, reason, ranges) the inventory checks and names
		h.showInventory(w, r, http.StatusUnprocessableEntity, a.SKU, f)
		return
	}
	if _, err := h.o.Inventory.Adjust(r.Context(), a); err != nil {
		h.showInventory(w, r, f.absorb(err), a.SKU, f)
		return
	}
	done(w, r, "/admin/inventory?sku="+url.QueryEscape(a.SKU), "adjusted")
}
