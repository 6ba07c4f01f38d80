package catalog

import (
	"net/http"
	"strconv"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// maxScan bounds one page of GET /api/v1/internal/catalog/scan.
const maxScan = 1000

// internalRoutes registers what other services call across processes: the scan that fills a
// search index or a cart's copy of the variants, which includes drafts and so needs
// auth.CatalogWrite.
func (h *Handler) internalRoutes(r *httpx.Router) {
	r.Handle("GET /api/v1/internal/catalog/scan", auth.RequireFunc(auth.CatalogWrite, h.scan))
}

func (h *Handler) scan(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxScan {
			httpx.WriteError(w, r, apperr.Invalid(apperr.FieldError{Field: "limit",
				Detail: "must be a whole number from 1 to " + strconv.Itoa(maxScan)}))
			return
		}
		limit = n
	}
	items, err := h.svc.ScanProducts(r.Context(), q.Get("after"), limit)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if items == nil {
		items = []ProductUpserted{}
	}
	w.Header()["Cache-Control"] = privateNoCache
	httpx.JSON(w, http.StatusOK, map[string]any{"items": items})
}
