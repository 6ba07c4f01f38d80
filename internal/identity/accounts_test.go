package identity

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

func TestAccountFlow(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		r := e.do("POST", "/api/v1/auth/register", "", Credentials{"  Ann@Example.COM ", goodPassword})
		if r.status != http.StatusCreated || r.str("email") != "ann@example.com" || r.str("role") != "customer" {
			t.Fatalf("register: %d %s", r.status, r.raw)
		}
		var n int
		if err := d.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM events_outbox WHERE type = 'user.registered'`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("user.registered events = %d, %v", n, err)
		}
		access, refresh := e.login("ANN@example.com", goodPassword)
		if me := e.do("GET", "/api/v1/me", access, nil); me.status != http.StatusOK || me.str("email") != "ann@example.com" {
			t.Fatalf("me: %d %s", me.status, me.raw)
		}
		if me := e.do("GET", "/api/v1/me", "", nil); me.status != http.StatusUnauthorized {
			t.Fatalf("anonymous me: %d", me.status)
		}

		r = e.do("POST", "/api/v1/auth/refresh", "", refreshBody{refresh})
		if r.status != http.StatusOK || r.str("refresh_token") == refresh || r.str("access_token") == "" {
			t.Fatalf("refresh: %d %s", r.status, r.raw)
		}
		refresh2 := r.str("refresh_token")

		const newPassword = "a much better passphrase 42"
		r = e.do("POST", "/api/v1/me/password", access, PasswordChange{"wrong password!", newPassword})
		if r.status != http.StatusUnprocessableEntity || !r.fieldNamed("current_password") {
			t.Fatalf("change with wrong current: %d %s", r.status, r.raw)
		}
		r = e.do("POST", "/api/v1/me/password", access, PasswordChange{goodPassword, "short"})
		if r.status != http.StatusUnprocessableEntity || !r.fieldNamed("new_password") {
			t.Fatalf("change to short: %d %s", r.status, r.raw)
		}
		if r = e.do("POST", "/api/v1/me/password", access, PasswordChange{goodPassword, newPassword}); r.status != http.StatusNoContent {
			t.Fatalf("change password: %d %s", r.status, r.raw)
		}
		// A password change ends every other sign-in.
		if r = e.do("POST", "/api/v1/auth/refresh", "", refreshBody{refresh2}); r.status != http.StatusUnauthorized {
			t.Fatalf("refresh after password change: %d", r.status)
		}
		_, refresh3 := e.login("ann@example.com", newPassword)
		if r = e.do("POST", "/api/v1/auth/logout", "", refreshBody{refresh3}); r.status != http.StatusNoContent {
			t.Fatalf("logout: %d %s", r.status, r.raw)
		}
		if r = e.do("POST", "/api/v1/auth/refresh", "", refreshBody{refresh3}); r.status != http.StatusUnauthorized {
			t.Fatalf("refresh after logout: %d", r.status)
		}
	})
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.register("taken@example.com")
		tests := []struct {
			name, method, path string
			body               any
			want               int
			field              string
		}{
			{"malformed email", "POST", "/api/v1/auth/register", Credentials{"not-an-email", goodPassword}, 422, "email"},
			{"email with name", "POST", "/api/v1/auth/register", Credentials{"Ann <ann@example.com>", goodPassword}, 422, "email"},
			{"empty email", "POST", "/api/v1/auth/register", Credentials{"", goodPassword}, 422, "email"},
			{"huge email", "POST", "/api/v1/auth/register", Credentials{strings.Repeat("a", 300) + "@example.com", goodPassword}, 422, "email"},
			{"short password", "POST", "/api/v1/auth/register", Credentials{"bob@example.com", "short"}, 422, "password"},
			{"common password", "POST", "/api/v1/auth/register", Credentials{"bob@example.com", "Password123"}, 422, "password"},
			{"huge password", "POST", "/api/v1/auth/register", Credentials{"bob@example.com", strings.Repeat("x", 5000)}, 422, "password"},
			{"taken email", "POST", "/api/v1/auth/register", Credentials{"TAKEN@example.com", goodPassword}, 409, "email"},
			{"wrong type", "POST", "/api/v1/auth/register", map[string]any{"email": 5, "password": goodPassword}, 400, "email"},
			{"unknown field", "POST", "/api/v1/auth/register", map[string]any{"email": "x@example.com", "pw": 1}, 400, ""},
			{"login malformed email", "POST", "/api/v1/auth/login", Credentials{"nope", goodPassword}, 422, "email"},
			{"login empty password", "POST", "/api/v1/auth/login", Credentials{"taken@example.com", ""}, 422, "password"},
			{"refresh empty", "POST", "/api/v1/auth/refresh", refreshBody{}, 422, "refresh_token"},
			{"refresh garbage", "POST", "/api/v1/auth/refresh", refreshBody{"garbage"}, 401, ""},
			{"logout empty", "POST", "/api/v1/auth/logout", refreshBody{}, 422, "refresh_token"},
			{"reset malformed email", "POST", "/api/v1/auth/password-reset", resetRequestBody{"@@"}, 422, "email"},
			{"reset confirm bad token", "POST", "/api/v1/auth/password-reset/confirm", PasswordReset{"nope", goodPassword}, 422, "token"},
			{"token wrong grant", "POST", "/api/v1/auth/token", tokenBody{GrantType: "password"}, 422, "grant_type"},
			{"token no client", "POST", "/api/v1/auth/token", tokenBody{GrantType: "client_credentials"}, 422, "client_id"},
			{"token unknown client", "POST", "/api/v1/auth/token", tokenBody{"client_credentials", "c1", "s"}, 401, ""},
			{"session malformed email", "POST", "/api/v1/auth/session", Credentials{"x", "y"}, 422, "email"},
			{"no body", "POST", "/api/v1/auth/login", nil, 415, ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				r := e.do(tc.method, tc.path, "", tc.body)
				if r.status != tc.want {
					t.Fatalf("status %d, want %d: %s", r.status, tc.want, r.raw)
				}
				if tc.field != "" && !r.fieldNamed(tc.field) {
					t.Fatalf("problem does not name %q: %s", tc.field, r.raw)
				}
			})
		}
	})
}

func TestWrongPasswordAndUnknownEmailLookAlike(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.register("ann@example.com")
		wrong := e.do("POST", "/api/v1/auth/login", "", Credentials{"ann@example.com", "not the password"})
		unknown := e.do("POST", "/api/v1/auth/login", "", Credentials{"nobody@example.com", "not the password"})
		for _, r := range []resp{wrong, unknown} {
			if r.status != http.StatusUnauthorized {
				t.Fatalf("status %d: %s", r.status, r.raw)
			}
		}
		for _, k := range []string{"code", "detail", "title"} {
			if wrong.str(k) != unknown.str(k) {
				t.Fatalf("%s differs: %q vs %q", k, wrong.str(k), unknown.str(k))
			}
		}
	})
}
