package admin

import (
	"net/http"
	"strings"

	"github.com/pasarhq/pasar/internal/identity"
	"github.com/pasarhq/pasar/internal/platform/auth"
)

type auditPage struct {
	Entries                []auth.AuditEntry
	Actor, Action, Outcome string
	Next                   string
}

func (h *Handler) auditList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pg := auditPage{Actor: strings.TrimSpace(q.Get("actor")), Action: strings.TrimSpace(q.Get("action")), Outcome: q.Get("outcome")}
	if pg.Outcome != auth.Success && pg.Outcome != auth.Failure {
		pg.Outcome = ""
	}
	page, err := h.o.Identity.ListAudit(r.Context(), identity.AuditFilter{Actor: pg.Actor, Action: pg.Action,
		Outcome: pg.Outcome, Limit: 50, Cursor: q.Get("cursor")})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pg.Entries, pg.Next = page.Entries, page.Next
	h.render(w, r, http.StatusOK, "audit", view{Title: "Audit log", Nav: "audit", Page: pg})
}
