package identity

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
	"github.com/pasarhq/pasar/internal/platform/events"
)

func TestPasswordReset(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.register("ann@example.com")
		_, refresh := e.login("ann@example.com", goodPassword)
		known := e.do("POST", "/api/v1/auth/password-reset", "", resetRequestBody{"Ann@example.com"})
		unknown := e.do("POST", "/api/v1/auth/password-reset", "", resetRequestBody{"nobody@example.com"})
		if known.status != http.StatusAccepted || unknown.status != known.status || string(unknown.raw) != string(known.raw) {
			t.Fatalf("known %d %s / unknown %d %s", known.status, known.raw, unknown.status, unknown.raw)
		}
		var payload string
		if err := d.QueryRowContext(t.Context(), `SELECT payload FROM events_outbox WHERE type = 'user.password_reset_requested'`).Scan(&payload); err != nil {
			t.Fatalf("reset event: %v", err)
		}
		var ev events.Event
		var mail PasswordResetRequested
		if err := ev.Decode(&mail); err == nil {
			t.Fatal("decoding an empty event should fail")
		}
		if err := jsonUnmarshal(payload, &ev); err != nil {
			t.Fatal(err)
		}
		if err := ev.Decode(&mail); err != nil || mail.Token == "" || mail.Email != "ann@example.com" {
			t.Fatalf("mail %+v, %v", mail, err)
		}
		const newPassword = "a brand new passphrase"
		r := e.do("POST", "/api/v1/auth/password-reset/confirm", "", PasswordReset{mail.Token, "short"})
		if r.status != http.StatusUnprocessableEntity || !r.fieldNamed("password") {
			t.Fatalf("weak new password: %d %s", r.status, r.raw)
		}
		if r = e.do("POST", "/api/v1/auth/password-reset/confirm", "", PasswordReset{mail.Token, newPassword}); r.status != http.StatusNoContent {
			t.Fatalf("confirm: %d %s", r.status, r.raw)
		}
		if r = e.do("POST", "/api/v1/auth/password-reset/confirm", "", PasswordReset{mail.Token, newPassword + "!"}); r.status != http.StatusUnprocessableEntity || !r.fieldNamed("token") {
			t.Fatalf("second use: %d %s", r.status, r.raw)
		}
		if r = e.do("POST", "/api/v1/auth/refresh", "", refreshBody{refresh}); r.status != http.StatusUnauthorized {
			t.Fatalf("old sign-in after reset: %d", r.status)
		}
		e.login("ann@example.com", newPassword)
	})
}

func TestResetTokenExpires(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.register("ann@example.com")
		if err := e.core.RequestPasswordReset(context.Background(), "ann@example.com"); err != nil {
			t.Fatal(err)
		}
		var payload string
		d.QueryRowContext(t.Context(), `SELECT payload FROM events_outbox WHERE type = 'user.password_reset_requested'`).Scan(&payload)
		var ev events.Event
		var mail PasswordResetRequested
		jsonUnmarshal(payload, &ev)
		ev.Decode(&mail)
		e.clock.Add(2 * time.Hour)
		if r := e.do("POST", "/api/v1/auth/password-reset/confirm", "", PasswordReset{mail.Token, "a brand new passphrase"}); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("expired token: %d %s", r.status, r.raw)
		}
	})
}

func TestAdminUsers(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		admin := e.admin("boss@example.com")
		for _, m := range []string{"a@example.com", "b@example.com", "c@example.com"} {
			e.register(m)
		}
		_, custRefresh := e.login("b@example.com", goodPassword)

		r := e.do("GET", "/api/v1/admin/users?limit=2&role=customer", admin, nil)
		users, _ := r.body["users"].([]any)
		if r.status != http.StatusOK || len(users) != 2 || r.str("next") == "" {
			t.Fatalf("page 1: %d %s", r.status, r.raw)
		}
		r = e.do("GET", "/api/v1/admin/users?limit=2&role=customer&cursor="+url.QueryEscape(r.str("next")), admin, nil)
		if users, _ = r.body["users"].([]any); len(users) != 1 || r.str("next") != "" {
			t.Fatalf("page 2: %s", r.raw)
		}
		for _, q := range []string{"limit=0x", "limit=1000", "role=king", "disabled=maybe", "cursor=bm9wZQ"} {
			if r := e.do("GET", "/api/v1/admin/users?"+q, admin, nil); r.status != http.StatusUnprocessableEntity {
				t.Fatalf("%s: %d %s", q, r.status, r.raw)
			}
		}

		bID := e.userID("b@example.com")
		if r = e.do("PATCH", "/api/v1/admin/users/"+bID, admin, map[string]any{"role": "staff"}); r.status != http.StatusOK || r.str("role") != "staff" {
			t.Fatalf("role change: %d %s", r.status, r.raw)
		}
		if r = e.do("PATCH", "/api/v1/admin/users/"+bID, admin, map[string]any{"role": "emperor"}); r.status != http.StatusUnprocessableEntity || !r.fieldNamed("role") {
			t.Fatalf("bad role: %d %s", r.status, r.raw)
		}
		if r = e.do("PATCH", "/api/v1/admin/users/nope", admin, map[string]any{"disabled": true}); r.status != http.StatusNotFound {
			t.Fatalf("unknown user: %d %s", r.status, r.raw)
		}
		access, refresh := e.login("b@example.com", goodPassword)
		if r = e.do("PATCH", "/api/v1/admin/users/"+bID, admin, map[string]any{"disabled": true}); r.status != http.StatusOK || r.body["disabled"] != true {
			t.Fatalf("disable: %d %s", r.status, r.raw)
		}
		for _, tok := range []string{refresh, custRefresh} {
			if r = e.do("POST", "/api/v1/auth/refresh", "", refreshBody{tok}); r.status != http.StatusUnauthorized {
				t.Fatalf("refresh of a disabled account: %d", r.status)
			}
		}
		if r = e.do("GET", "/api/v1/me", access, nil); r.status != http.StatusUnauthorized {
			t.Fatalf("me of a disabled account: %d", r.status)
		}
		if r = e.do("POST", "/api/v1/auth/login", "", Credentials{"b@example.com", goodPassword}); r.status != http.StatusUnauthorized {
			t.Fatalf("login of a disabled account: %d", r.status)
		}

		r = e.do("GET", "/api/v1/admin/audit?action=user.role_change", admin, nil)
		entries, _ := r.body["entries"].([]any)
		if r.status != http.StatusOK || len(entries) != 1 {
			t.Fatalf("audit role changes: %d %s", r.status, r.raw)
		}
		got := entries[0].(map[string]any)
		if got["target"] != "user:"+bID || got["actor"] == "" || got["request_id"] == "" || got["client_ip"] != "127.0.0.1" {
			t.Fatalf("audit entry: %v", got)
		}
		r = e.do("GET", "/api/v1/admin/audit?action=user.login&outcome=failure", admin, nil)
		if entries, _ = r.body["entries"].([]any); len(entries) != 1 {
			t.Fatalf("failed logins: %s", r.raw)
		}
		for _, q := range []string{"since=yesterday", "limit=-1", "until=2026-13-01T00:00:00Z"} {
			if r := e.do("GET", "/api/v1/admin/audit?"+q, admin, nil); r.status != http.StatusUnprocessableEntity {
				t.Fatalf("%s: %d %s", q, r.status, r.raw)
			}
		}
	})
}

func TestServiceClients(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		admin := e.admin("boss@example.com")
		r := e.do("POST", "/api/v1/admin/service-clients", admin, ServiceClientInput{"order", []auth.Permission{auth.InventoryWrite}})
		if r.status != http.StatusCreated || r.str("client_secret") == "" {
			t.Fatalf("create client: %d %s", r.status, r.raw)
		}
		id, secret := r.str("client_id"), r.str("client_secret")
		if r := e.do("POST", "/api/v1/admin/service-clients", admin, ServiceClientInput{"Bad Name", []auth.Permission{"root"}}); r.status != 422 || !r.fieldNamed("name") || !r.fieldNamed("permissions[0]") {
			t.Fatalf("bad client: %d %s", r.status, r.raw)
		}
		if r := e.do("POST", "/api/v1/admin/service-clients", admin, ServiceClientInput{"order", nil}); r.status != http.StatusConflict {
			t.Fatalf("duplicate client: %d %s", r.status, r.raw)
		}
		r = e.do("POST", "/api/v1/auth/token", "", tokenBody{"client_credentials", id, secret})
		if r.status != http.StatusOK || r.str("refresh_token") != "" {
			t.Fatalf("token: %d %s", r.status, r.raw)
		}
		p, err := e.core.Verifier().Verify(t.Context(), r.str("access_token"))
		if err != nil || !p.Service || p.Subject != "service:order" || !p.Can(auth.InventoryWrite) || p.Can(auth.UsersManage) {
			t.Fatalf("service principal %+v, %v", p, err)
		}
		if r := e.do("POST", "/api/v1/auth/token", "", tokenBody{"client_credentials", id, "wrong"}); r.status != http.StatusUnauthorized {
			t.Fatalf("wrong secret: %d", r.status)
		}
		// The service writes its admin actions to the audit log over HTTP.
		entry := auth.AuditEntry{Service: "order", Actor: "user-1", Action: "order.cancel", Target: "order:o1", ClientIP: "203.0.113.9"}
		if r := e.do("POST", "/api/v1/internal/audit", r.str("access_token"), entry); r.status != http.StatusNoContent {
			t.Fatalf("record audit: %d %s", r.status, r.raw)
		}
		if r := e.do("POST", "/api/v1/internal/audit", admin, entry); r.status != http.StatusForbidden {
			t.Fatalf("user token on internal audit: %d", r.status)
		}
		page, err := e.core.ListAudit(adminCtx(), AuditFilter{Service: "order"})
		if err != nil || len(page.Entries) != 1 || page.Entries[0].ClientIP != "203.0.113.9" {
			t.Fatalf("audit %+v %v", page, err)
		}
	})
}
