package catalog

import (
	"net/http"
	"strconv"
	"time"

	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// HandlerOptions tunes the HTTP API.
type HandlerOptions struct {
	// MaxAge is how long shared caches (a CDN) may serve public catalog reads; default 60s.
	MaxAge time.Duration
}

// Handler serves the catalog's public and admin HTTP API on a Service. Public reads come from a
// DocSource as pre-encoded bytes, so a cached read costs a map lookup and a write.
type Handler struct {
	svc          Service
	docs         DocSource
	cacheControl []string
}

// Header values shared by every response; net/http only reads them.
var (
	jsonContentType = []string{"application/json"}
	privateNoCache  = []string{"private, no-cache"}
)

// NewHandler returns the HTTP API of svc. When svc also serves pre-encoded documents (the
// Cache does), reads use them.
func NewHandler(svc Service, o HandlerOptions) *Handler {
	if o.MaxAge <= 0 {
		o.MaxAge = time.Minute
	}
	docs, ok := svc.(DocSource)
	if !ok {
		docs = Encoder{svc}
	}
	return &Handler{svc: svc, docs: docs,
		cacheControl: []string{"public, max-age=" + strconv.Itoa(int(o.MaxAge.Seconds()))}}
}

// Routes registers the public API, the placeholder images and the admin API on r.
func (h *Handler) Routes(r *httpx.Router) {
	r.HandleFunc("GET /api/v1/products", h.listProducts)
	r.HandleFunc("GET /api/v1/products/{key}", h.getProduct)
	r.HandleFunc("GET /api/v1/categories", h.getCategories)
	r.HandleFunc("GET /images/placeholder/{name}", servePlaceholder)
	h.adminRoutes(r)
	h.internalRoutes(r)
}

func (h *Handler) getProduct(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	if len(key) > 200 {
		httpx.WriteError(w, r, ErrNotFound)
		return
	}
	doc, err := h.docs.ProductDoc(r.Context(), key)
	if err == nil && !doc.Active {
		err = ErrNotFound // drafts and archived products exist only for the admin API
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	serveDoc(w, r, doc, h.cacheControl)
}

func (h *Handler) listProducts(w http.ResponseWriter, r *http.Request) {
	q, err := parseQuery(r.URL.RawQuery, false)
	if err == nil {
		q.Status = Active
		err = checkQuery(&q)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	doc, err := h.docs.ProductsDoc(r.Context(), q)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	serveDoc(w, r, doc, h.cacheControl)
}

func (h *Handler) getCategories(w http.ResponseWriter, r *http.Request) {
	if r.URL.RawQuery != "" {
		if _, err := parseQuery(r.URL.RawQuery, false); err != nil {
			httpx.WriteError(w, r, err)
			return
		}
	}
	doc, err := h.docs.CategoriesDoc(r.Context())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	serveDoc(w, r, doc, h.cacheControl)
}

// serveDoc answers with doc, or 304 when the client already holds it. Header values are the
// doc's prepared slices, so this path allocates nothing.
func serveDoc(w http.ResponseWriter, r *http.Request, doc *Doc, cacheControl []string) {
	hd := w.Header()
	hd["Etag"] = doc.etagHeader
	hd["Cache-Control"] = cacheControl
	if inm := r.Header["If-None-Match"]; len(inm) > 0 && etagListMatches(inm, doc.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd["Content-Type"] = jsonContentType
	hd["Content-Length"] = doc.lengthHeader
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(doc.Body)
	}
}

// etagListMatches reports whether an If-None-Match header lists etag, comparing weakly as RFC
// 9110 says for that header ("*" matches anything).
func etagListMatches(values []string, etag string) bool {
	for _, v := range values {
		for v != "" {
			var tag string
			for len(v) > 0 && (v[0] == ' ' || v[0] == ',') {
				v = v[1:]
			}
			if len(v) >= 2 && v[0] == 'W' && v[1] == '/' {
				v = v[2:]
			}
			if len(v) > 0 && v[0] == '*' {
				return true
			}
			if len(v) == 0 || v[0] != '"' {
				break
			}
			end := 1
			for end < len(v) && v[end] != '"' {
				end++
			}
			if end == len(v) {
				break
			}
			tag, v = v[:end+1], v[end+1:]
			if tag == etag {
				return true
			}
		}
	}
	return false
}
