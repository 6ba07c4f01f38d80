package catalog

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// adminRoutes registers the write API; every route needs auth.CatalogWrite.
func (h *Handler) adminRoutes(r *httpx.Router) {
	admin := func(pattern string, f http.HandlerFunc) { r.Handle(pattern, auth.Require(auth.CatalogWrite, f)) }
	admin("GET /api/v1/admin/products", h.adminList)
	admin("GET /api/v1/admin/products/{id}", h.adminGet)
	admin("POST /api/v1/admin/products", h.create)
	admin("PUT /api/v1/admin/products/{id}", h.update)
	admin("DELETE /api/v1/admin/products/{id}", h.delete)
	admin("POST /api/v1/admin/products/import", h.importLines)
	admin("POST /api/v1/admin/categories", h.createCategory)
	admin("PUT /api/v1/admin/categories/{slug}", h.updateCategory)
	admin("DELETE /api/v1/admin/categories/{slug}", h.deleteCategory)
}

var errNoIfMatch = apperr.New(apperr.PreconditionFailed, "if_match_required",
	"Send the product's ETag in If-Match (or * to overwrite whatever is stored).")

// ifMatch reads the version an If-Match header asks for: 0 for "*". A tag of another product
// can never match, so it is stale too.
func ifMatch(r *http.Request, id string) (int64, error) {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	switch {
	case v == "":
		return 0, errNoIfMatch
	case v == "*":
		return 0, nil
	}
	tag := strings.Trim(v, `"`)
	tagID, ver, ok := strings.Cut(tag, ".")
	n, err := strconv.ParseInt(ver, 10, 64)
	if !ok || err != nil || n < 1 || tagID != id {
		return 0, ErrStale
	}
	return n, nil
}

func writeProduct(w http.ResponseWriter, status int, p Product) {
	w.Header().Set("ETag", ProductETag(p.ID, p.Version))
	w.Header()["Cache-Control"] = privateNoCache
	httpx.JSON(w, status, p)
}

func (h *Handler) adminList(w http.ResponseWriter, r *http.Request) {
	q, err := parseQuery(r.URL.RawQuery, true)
	if err == nil {
		err = checkQuery(&q)
	}
	var doc *Doc
	if err == nil {
		doc, err = h.docs.ProductsDoc(r.Context(), q)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	serveDoc(w, r, doc, privateNoCache)
}

func (h *Handler) adminGet(w http.ResponseWriter, r *http.Request) {
	doc, err := h.docs.ProductDoc(r.Context(), r.PathValue("id"))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	serveDoc(w, r, doc, privateNoCache)
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	var p Product
	if err := httpx.Decode(w, r, &p); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	out, err := h.svc.CreateProduct(r.Context(), p)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/admin/products/"+out.ID)
	writeProduct(w, http.StatusCreated, out)
}

func (h *Handler) update(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	version, err := ifMatch(r, id)
	var p Product
	if err == nil {
		err = httpx.Decode(w, r, &p)
	}
	if err == nil && p.ID != "" && p.ID != id {
		err = apperr.Invalid(apperr.FieldError{Field: "id", Detail: "must be the id in the path (or left out)"})
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	p.ID = id
	out, err := h.svc.UpdateProduct(r.Context(), p, version)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	writeProduct(w, http.StatusOK, out)
}

func (h *Handler) delete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	version, err := ifMatch(r, id)
	if err == nil {
		err = h.svc.DeleteProduct(r.Context(), id, version)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// importLines streams the import's progress as JSON lines ({"progress": ...} at most every
// half second) and ends with {"report": ...}, or {"error": ...} if the import had to stop.
func (h *Handler) importLines(w http.ResponseWriter, r *http.Request) {
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	switch strings.TrimSpace(strings.ToLower(ct)) {
	case "application/x-ndjson", "application/jsonl", "application/json":
	default:
		httpx.WriteError(w, r, &apperr.Error{Kind: apperr.UnsupportedMediaType, Code: "unsupported_media_type",
			Message: "Send one product per line as application/x-ndjson."})
		return
	}
	rc := http.NewResponseController(w)
	enc := json.NewEncoder(w)
	started := false
	last := time.Now()
	start := func() {
		if !started {
			w.Header().Set("Content-Type", "application/x-ndjson")
			w.WriteHeader(http.StatusOK)
			started = true
		}
	}
	rep, err := h.svc.ImportProducts(r.Context(), r.Body, func(p ImportProgress) {
		if time.Since(last) < 500*time.Millisecond {
			return
		}
		last = time.Now()
		start()
		_ = enc.Encode(map[string]ImportProgress{"progress": p})
		_ = rc.Flush()
	})
	if err != nil && !started {
		httpx.WriteError(w, r, err)
		return
	}
	start()
	if err != nil {
		msg := "The import stopped; lines before it are stored."
		if ae := (*apperr.Error)(nil); errors.As(err, &ae) && ae.Kind != apperr.Internal {
			msg = ae.Message
		}
		_ = enc.Encode(map[string]any{"error": map[string]any{"detail": msg, "request_id": httpx.RequestID(r.Context()),
			"progress": rep.ImportProgress}})
		return
	}
	_ = enc.Encode(map[string]ImportReport{"report": rep})
}

func (h *Handler) createCategory(w http.ResponseWriter, r *http.Request) {
	var c Category
	err := httpx.Decode(w, r, &c)
	if err == nil {
		c, err = h.svc.CreateCategory(r.Context(), c)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/categories")
	httpx.JSON(w, http.StatusCreated, c)
}

func (h *Handler) updateCategory(w http.ResponseWriter, r *http.Request) {
	var c Category
	err := httpx.Decode(w, r, &c)
	if err == nil && c.Slug != "" && c.Slug != r.PathValue("slug") {
		err = apperr.Invalid(apperr.FieldError{Field: "slug", Detail: "must be the slug in the path (or left out)"})
	}
	if err == nil {
		c, err = h.svc.UpdateCategory(r.Context(), r.PathValue("slug"), c)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, c)
}

func (h *Handler) deleteCategory(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.DeleteCategory(r.Context(), r.PathValue("slug")); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
