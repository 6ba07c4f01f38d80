package app

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// adminPrefix is where every service's admin API lives.
const adminPrefix = "/api/v1/admin/"

// selfAuditing lists admin areas whose service writes richer audit entries itself (identity
// records role changes and disables with their before and after), so they are not logged twice.
var selfAuditing = map[string]bool{"users": true, "service-clients": true}

// auditAdminWrites records every admin write of every service in the audit log, whatever the
// service: one place, so a new admin endpoint cannot forget it. It wraps the router directly, so
// the request it sees is the one the router matched (its Pattern names the route) and the
// caller is already known.
func (a *App) auditAdminWrites(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		area, isAdmin := adminArea(r)
		if !isAdmin || a.auditor == nil || selfAuditing[area] {
			next.ServeHTTP(w, r)
			return
		}
		sw := httpx.NewStatusWriter(w)
		next.ServeHTTP(sw, r)
		unmatched := r.Pattern == "" || r.Pattern == "/" // "/" is the router's 404/405 fallback
		if sw.Status == http.StatusUnauthorized || unmatched {
			return // nobody known acted, or no admin endpoint was there to act on
		}
		e := auth.AuditOf(r, area, r.Method+" "+routeOf(r), r.URL.Path)
		if sw.Status >= 400 {
			e.Outcome = auth.Failure
		}
		e.Detail = map[string]string{"status": strconv.Itoa(sw.Status)}
		if err := a.auditor.Record(r.Context(), e); err != nil {
			a.log.Error("audit entry not recorded", "action", e.Action, "target", e.Target, "err", err)
		}
	})
}

// adminArea returns the first path segment after the admin prefix ("products", "inventory",
// "orders", ...) for a request that changes something.
func adminArea(r *http.Request) (string, bool) {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return "", false
	}
	rest, ok := strings.CutPrefix(r.URL.Path, adminPrefix)
	if !ok {
		return "", false
	}
	area, _, _ := strings.Cut(rest, "/")
	return area, true
}

// routeOf is the matched route without its method, e.g. /api/v1/admin/products/{id}.
func routeOf(r *http.Request) string {
	if _, path, ok := strings.Cut(r.Pattern, " "); ok {
		return path
	}
	if r.Pattern != "" {
		return r.Pattern
	}
	return r.URL.Path
}
