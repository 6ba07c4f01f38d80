package inventory

import (
	"net/http"
	"strconv"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// Handler serves the inventory's HTTP API on any Service.
type Handler struct {
	svc Service
}

// NewHandler returns the HTTP API of svc.
func NewHandler(svc Service) *Handler { return &Handler{svc: svc} }

// Routes registers the public stock reads, the admin API and the reservation API (both of which
// need auth.InventoryWrite).
func (h *Handler) Routes(r *httpx.Router) {
	r.HandleFunc("GET /api/v1/inventory/{sku}", h.get)
	r.Handle("PUT /api/v1/admin/inventory/{sku}", auth.RequireFunc(auth.InventoryWrite, h.adjust))
	r.Handle("GET /api/v1/admin/inventory/{sku}", auth.RequireFunc(auth.InventoryWrite, h.adminGet))
	r.Handle("GET /api/v1/admin/inventory", auth.RequireFunc(auth.InventoryWrite, h.lowStock))
	r.Handle("GET /api/v1/admin/inventory/{sku}/adjustments", auth.RequireFunc(auth.InventoryWrite, h.adjustments))
	h.internalRoutes(r)
}

// publicStock is what anyone may read about a SKU: its counts, without the per-warehouse split.
type publicStock struct {
	SKU       string `json:"sku"`
	Available int64  `json:"available"`
	OnHand    int64  `json:"on_hand"`
	Reserved  int64  `json:"reserved"`
	InStock   bool   `json:"in_stock"`
	LowStock  bool   `json:"low_stock"`
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	s, err := h.svc.Get(r.Context(), r.PathValue("sku"))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store") // stock moves with every checkout
	httpx.JSON(w, http.StatusOK, publicStock{SKU: s.SKU, Available: s.Available, OnHand: s.OnHand,
		Reserved: s.Reserved, InStock: s.InStock, LowStock: s.LowStock})
}

func (h *Handler) adminGet(w http.ResponseWriter, r *http.Request) {
	s, err := h.svc.Get(r.Context(), r.PathValue("sku"))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, s)
}

// adjustBody is the body of PUT /api/v1/admin/inventory/{sku}. Pointers tell a missing count
// from zero.
type adjustBody struct {
	Warehouse         string `json:"warehouse"`
	OnHand            *int64 `json:"on_hand"`
	Reason            string `json:"reason"`
	LowStockThreshold *int64 `json:"low_stock_threshold"`
}

func (h *Handler) adjust(w http.ResponseWriter, r *http.Request) {
	var b adjustBody
	if err := httpx.Decode(w, r, &b); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if b.OnHand == nil {
		httpx.WriteError(w, r, apperr.Invalid(apperr.FieldError{Field: "on_hand", Detail: "is required"}))
		return
	}
	s, err := h.svc.Adjust(r.Context(), Adjustment{SKU: r.PathValue("sku"), Warehouse: b.Warehouse,
		OnHand: *b.OnHand, Reason: b.Reason, LowStockThreshold: b.LowStockThreshold})
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, s)
}

func (h *Handler) adjustments(w http.ResponseWriter, r *http.Request) {
	limit := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			httpx.WriteError(w, r, apperr.Invalid(apperr.FieldError{Field: "limit", Detail: "must be an integer from 1 to 500"}))
			return
		}
		limit = n
	}
	list, err := h.svc.Adjustments(r.Context(), r.PathValue("sku"), limit)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if list == nil {
		list = []AdjustmentRecord{}
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"items": list})
}

// lowStock serves GET /api/v1/admin/inventory?low_stock=true&limit=: the SKUs at or below their
// threshold. low_stock=true is required, so the collection can grow other listings later.
func (h *Handler) lowStock(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("low_stock") != "true" {
		httpx.WriteError(w, r, apperr.Invalid(apperr.FieldError{Field: "low_stock", Detail: "must be true: the low-stock SKUs are the list served here"}))
		return
	}
	limit := 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLowStockLimit {
			httpx.WriteError(w, r, apperr.Invalid(apperr.FieldError{Field: "limit", Detail: "must be an integer from 1 to " + strconv.Itoa(MaxLowStockLimit)}))
			return
		}
		limit = n
	}
	list, err := h.svc.LowStock(r.Context(), limit)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, map[string]any{"items": list})
}
