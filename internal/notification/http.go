package notification

import (
	"net/http"
	"strconv"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// Routes registers the webhook admin API on r, behind auth.WebhooksManage.
func (s *Service) Routes(r *httpx.Router) {
	h := func(pattern string, f http.HandlerFunc) { r.Handle(pattern, auth.RequireFunc(auth.WebhooksManage, f)) }
	h("POST /api/v1/admin/webhooks", s.create)
	h("GET /api/v1/admin/webhooks", s.list)
	h("GET /api/v1/admin/webhooks/{id}", s.get)
	h("DELETE /api/v1/admin/webhooks/{id}", s.delete)
	h("GET /api/v1/admin/webhooks/{id}/deliveries", s.deliveries)
}

func (s *Service) create(w http.ResponseWriter, r *http.Request) {
	var b EndpointRequest
	if err := httpx.Decode(w, r, &b); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	e, err := s.CreateEndpoint(r.Context(), b)
	if err == nil {
		w.Header().Set("Location", "/api/v1/admin/webhooks/"+e.ID)
	}
	httpx.Reply(w, r, http.StatusCreated, e, err)
}

func (s *Service) list(w http.ResponseWriter, r *http.Request) {
	es, err := s.Endpoints(r.Context())
	httpx.Reply(w, r, http.StatusOK, map[string][]Endpoint{"endpoints": es}, err)
}

func (s *Service) get(w http.ResponseWriter, r *http.Request) {
	e, err := s.Endpoint(r.Context(), r.PathValue("id"))
	httpx.Reply(w, r, http.StatusOK, e, err)
}

func (s *Service) delete(w http.ResponseWriter, r *http.Request) {
	if err := s.DeleteEndpoint(r.Context(), r.PathValue("id")); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) deliveries(w http.ResponseWriter, r *http.Request) {
	limit := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLimit {
			httpx.WriteError(w, r, apperr.Invalid(apperr.FieldError{Field: "limit", Detail: "must be a number from 1 to " + strconv.Itoa(MaxLimit)}))
			return
		}
		limit = n
	}
	ds, err := s.Deliveries(r.Context(), r.PathValue("id"), limit)
	httpx.Reply(w, r, http.StatusOK, map[string][]Delivery{"deliveries": ds}, err)
}
