package admin

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// require lets through callers holding perm. Anyone not signed in is sent to the sign-in page
// (and back here afterwards); a signed-in caller without perm gets a 403 page.
func (h *Handler) require(perm auth.Permission, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := auth.FromContext(r.Context())
		if p.IsAnonymous() {
			to := "/admin/login"
			if r.Method == http.MethodGet && r.URL.Path != "/admin/" {
				to += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, to, http.StatusSeeOther)
			return
		}
		if !p.Can(perm) {
			h.render(w, r, http.StatusForbidden, "error", view{Title: "Not allowed",
				Problem: "Your account may not use this page. Ask a shop administrator for access."})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// audited records a page write in the audit log, as the app does for the admin API: who, what
// route, on what path, and whether it worked. A rejected form (4xx) is a failure entry.
func (h *Handler) audited(area, route string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := httpx.NewStatusWriter(w)
		next.ServeHTTP(sw, r)
		e := auth.AuditOf(r, area, route, r.URL.Path)
		e.Detail = map[string]string{"status": strconv.Itoa(sw.Status), "via": "admin-page"}
		if sw.Status >= 400 {
			e.Outcome = auth.Failure
		}
		if err := h.o.Identity.Record(r.Context(), e); err != nil {
			h.o.Logger.Error("audit entry not recorded", "action", e.Action, "target", e.Target, "err", err)
		}
	})
}

// safeNext is where to go after signing in: a path under /admin/ on this site, nothing else, so
// the sign-in page cannot be used to send people to another site.
func safeNext(next string) string {
	if strings.HasPrefix(next, "/admin/") && !strings.HasPrefix(next, "//") && !strings.ContainsAny(next, "\\\r\n") &&
		!strings.HasPrefix(next, "/admin/login") {
		return next
	}
	return "/admin/"
}

// clientIP is the caller's address for identity's abuse limits.
func clientIP(r *http.Request) string { return httpx.ClientIP(r) }
