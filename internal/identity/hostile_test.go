package identity

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// TestHostileText sends NUL bytes and invalid UTF-8 (which PostgreSQL refuses to store or
// compare) to every endpoint that takes text: each must answer 4xx, never 500.
func TestHostileText(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		admin := e.admin("boss@example.com")
		r := e.do("POST", "/api/v1/admin/service-clients", admin, ServiceClientInput{"svc", nil})
		svcTok := e.do("POST", "/api/v1/auth/token", "", tokenBody{"client_credentials", r.str("client_id"), r.str("client_secret")}).str("access_token")
		for _, bad := range []string{"a\x00b", "\xff\xfe", "ann\x00@example.com"} {
			q := url.QueryEscape(bad)
			cases := []struct {
				method, path, token string
				body                any
			}{
				{"POST", "/api/v1/auth/register", "", Credentials{bad, goodPassword}},
				{"POST", "/api/v1/auth/login", "", Credentials{bad, goodPassword}},
				{"POST", "/api/v1/auth/session", "", Credentials{bad, goodPassword}},
				{"POST", "/api/v1/auth/refresh", "", refreshBody{bad}},
				{"POST", "/api/v1/auth/logout", "", refreshBody{bad}}, // 204: signing out an unknown token is no error
				{"POST", "/api/v1/auth/token", "", tokenBody{"client_credentials", bad, bad}},
				{"POST", "/api/v1/auth/password-reset", "", resetRequestBody{bad}},
				{"POST", "/api/v1/auth/password-reset/confirm", "", PasswordReset{bad, goodPassword}},
				{"PATCH", "/api/v1/admin/users/" + url.PathEscape(bad), admin, map[string]any{"disabled": true}},
				{"GET", "/api/v1/admin/users?email=" + q + "&role=" + q, admin, nil},
				{"GET", "/api/v1/admin/users?cursor=" + url.QueryEscape(cursor{at: 1, id: bad}.String()), admin, nil},
				{"GET", "/api/v1/admin/audit?actor=" + q + "&action=" + q + "&target=" + q + "&service=" + q + "&outcome=" + q, admin, nil},
				{"GET", "/api/v1/admin/audit?cursor=" + url.QueryEscape(cursor{at: 1, id: bad}.String()), admin, nil},
				{"POST", "/api/v1/admin/service-clients", admin, ServiceClientInput{bad, []auth.Permission{auth.Permission(bad)}}},
				{"POST", "/api/v1/internal/audit", svcTok, auth.AuditEntry{Service: bad, Action: bad, Actor: bad, Target: bad,
					ClientIP: bad, RequestID: bad, Detail: map[string]string{bad: bad}}},
			}
			for _, c := range cases {
				r := e.do(c.method, c.path, c.token, c.body) // fails the test on any 5xx
				// JSON bodies carry invalid UTF-8 as U+FFFD, which is fine text; NUL is not.
				if r.status < 400 && c.method != "GET" && c.path != "/api/v1/auth/logout" && strings.ContainsRune(bad, 0) {
					t.Errorf("%s %s with %q: %d", c.method, c.path, bad, r.status)
				}
				if r.status >= 400 && r.status != http.StatusTooManyRequests && r.str("code") == "" {
					t.Errorf("%s %s: problem without code: %s", c.method, c.path, r.raw)
				}
			}
		}
	})
}
