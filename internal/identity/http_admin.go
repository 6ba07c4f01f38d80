package identity

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// query reads optional query parameters, collecting a field error for each malformed one.
type query struct {
	v      url.Values
	fields []apperr.FieldError
}

func (q *query) int(name string) int {
	s := q.v.Get(name)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		q.fields = append(q.fields, apperr.FieldError{Field: name, Detail: "must be a whole number"})
	}
	return n
}

func (q *query) time(name string) time.Time {
	s := q.v.Get(name)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		q.fields = append(q.fields, apperr.FieldError{Field: name, Detail: "must be an RFC 3339 time like 2026-01-02T15:04:05Z"})
	}
	return t
}

func (q *query) bool(name string) *bool {
	s := q.v.Get(name)
	if s == "" {
		return nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		q.fields = append(q.fields, apperr.FieldError{Field: name, Detail: "must be true or false"})
		return nil
	}
	return &b
}

func (q *query) err() error {
	if len(q.fields) > 0 {
		return apperr.Invalid(q.fields...)
	}
	return nil
}

func (h handlers) listUsers(w http.ResponseWriter, r *http.Request) {
	q := &query{v: r.URL.Query()}
	f := UserFilter{Email: q.v.Get("email"), Role: auth.Role(q.v.Get("role")), Disabled: q.bool("disabled"),
		Limit: q.int("limit"), Cursor: q.v.Get("cursor")}
	if err := q.err(); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	page, err := h.svc.ListUsers(withIP(r), f)
	if err != nil {
		fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, page)
}

func (h handlers) updateUser(w http.ResponseWriter, r *http.Request) {
	var in UserUpdate
	if !decode(w, r, &in) {
		return
	}
	u, err := h.svc.UpdateUser(withIP(r), r.PathValue("id"), in)
	if err != nil {
		fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, u)
}

func (h handlers) createClient(w http.ResponseWriter, r *http.Request) {
	var in ServiceClientInput
	if !decode(w, r, &in) {
		return
	}
	sc, err := h.svc.CreateServiceClient(withIP(r), in)
	if err != nil {
		fail(w, r, err)
		return
	}
	noStore(w)
	httpx.JSON(w, http.StatusCreated, sc)
}

func (h handlers) listAudit(w http.ResponseWriter, r *http.Request) {
	q := &query{v: r.URL.Query()}
	f := AuditFilter{Actor: q.v.Get("actor"), Action: q.v.Get("action"), Target: q.v.Get("target"),
		Service: q.v.Get("service"), Outcome: q.v.Get("outcome"), Since: q.time("since"), Until: q.time("until"),
		Limit: q.int("limit"), Cursor: q.v.Get("cursor")}
	if err := q.err(); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	page, err := h.svc.ListAudit(withIP(r), f)
	if err != nil {
		fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, page)
}

// recordAudit lets services in other processes write to the audit log with their service
// token; the actor, request id and address come from the body because they are the original
// request's, not this call's.
func (h handlers) recordAudit(w http.ResponseWriter, r *http.Request) {
	p := auth.FromContext(r.Context())
	if p.IsAnonymous() {
		fail(w, r, auth.ErrUnauthenticated)
		return
	}
	if !p.Service {
		httpx.WriteError(w, r, auth.ErrForbidden)
		return
	}
	var e auth.AuditEntry
	if !decode(w, r, &e) {
		return
	}
	e.ID = ""
	if err := h.svc.Record(r.Context(), e); err != nil {
		fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
