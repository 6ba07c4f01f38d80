package identity

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/auth/authtest"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

func TestForgedAccessTokens(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.register("ann@example.com")
		access, _ := e.login("ann@example.com", goodPassword)
		parts := strings.Split(access, ".")
		var claims auth.Claims
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		json.Unmarshal(payload, &claims)

		key, _ := e.core.keys.signing(t.Context())
		expired := claims
		expired.IssuedAt, expired.NotBefore, expired.ExpiresAt = 1, 1, time.Now().Add(-time.Hour).Unix()
		expiredTok, _ := auth.Sign(key, expired)
		elevated := claims
		elevated.Role, elevated.Permissions = auth.Admin, auth.PermissionsOf(auth.Admin)
		elevatedB, _ := json.Marshal(elevated)
		none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT","kid":"` + key.ID + `"}`))
		otherKey := authtest.New(t)

		tests := []struct{ name, token string }{
			{"signed by another key", otherKey.TokenFor(userPrincipal(User{ID: claims.Subject, Role: auth.Admin}))},
			{"alg none", none + "." + parts[1] + "."},
			{"expired", expiredTok},
			{"tampered payload", parts[0] + "." + base64.RawURLEncoding.EncodeToString(elevatedB) + "." + parts[2]},
			{"truncated", parts[0] + "." + parts[1]},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				if r := e.do("GET", "/api/v1/me", tc.token, nil); r.status != http.StatusUnauthorized {
					t.Fatalf("status %d: %s", r.status, r.raw)
				}
				if r := e.do("GET", "/api/v1/admin/users", tc.token, nil); r.status != http.StatusUnauthorized {
					t.Fatalf("admin status %d: %s", r.status, r.raw)
				}
			})
		}
		t.Run("customer on admin endpoint", func(t *testing.T) {
			t.Parallel()
			for _, p := range []string{"/api/v1/admin/users", "/api/v1/admin/audit"} {
				if r := e.do("GET", p, access, nil); r.status != http.StatusForbidden {
					t.Fatalf("%s: status %d: %s", p, r.status, r.raw)
				}
			}
		})
	})
}

func TestRefreshReuseRevokesFamily(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.register("ann@example.com")
		_, first := e.login("ann@example.com", goodPassword)
		_, other := e.login("ann@example.com", goodPassword) // another device: another family
		r := e.do("POST", "/api/v1/auth/refresh", "", refreshBody{first})
		if r.status != http.StatusOK {
			t.Fatalf("refresh: %d %s", r.status, r.raw)
		}
		second := r.str("refresh_token")
		if r = e.do("POST", "/api/v1/auth/refresh", "", refreshBody{first}); r.status != http.StatusUnauthorized {
			t.Fatalf("reuse: %d %s", r.status, r.raw)
		}
		if r = e.do("POST", "/api/v1/auth/refresh", "", refreshBody{second}); r.status != http.StatusUnauthorized {
			t.Fatalf("successor after reuse: %d, want 401 (family revoked)", r.status)
		}
		if r = e.do("POST", "/api/v1/auth/refresh", "", refreshBody{other}); r.status != http.StatusOK {
			t.Fatalf("other family: %d %s", r.status, r.raw)
		}
		page, err := e.core.ListAudit(adminCtx(), AuditFilter{Action: "token.reuse"})
		if err != nil || len(page.Entries) != 1 {
			t.Fatalf("token.reuse audit entries: %+v, %v", page.Entries, err)
		}
	})
}

func TestConcurrentRefreshOneWins(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.register("ann@example.com")
		_, refresh := e.login("ann@example.com", goodPassword)
		var wg sync.WaitGroup
		codes := make([]int, 4)
		for i := range codes {
			wg.Go(func() { codes[i] = e.do("POST", "/api/v1/auth/refresh", "", refreshBody{refresh}).status })
		}
		wg.Wait()
		ok := 0
		for _, c := range codes {
			if c == http.StatusOK {
				ok++
			}
		}
		if ok > 1 {
			t.Fatalf("%d concurrent refreshes with one token succeeded: %v", ok, codes)
		}
	})
}

func TestLoginLockout(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.register("ann@example.com")
		for i := 1; i <= 10; i++ {
			if r := e.do("POST", "/api/v1/auth/login", "", Credentials{"ann@example.com", "wrong " + strconv.Itoa(i)}); r.status != http.StatusUnauthorized {
				t.Fatalf("failure %d: status %d", i, r.status)
			}
		}
		r := e.do("POST", "/api/v1/auth/login", "", Credentials{"ann@example.com", goodPassword})
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
			t.Fatalf("11th attempt: %d Retry-After %q: %s", r.status, r.header.Get("Retry-After"), r.raw)
		}
		if strings.Contains(string(r.raw), "ann@") {
			t.Fatalf("429 names the account: %s", r.raw)
		}
		e.clock.Add(1100 * time.Millisecond) // past the first lock
		if r = e.do("POST", "/api/v1/auth/login", "", Credentials{"ann@example.com", "wrong again"}); r.status != http.StatusUnauthorized {
			t.Fatalf("after lock: %d", r.status)
		}
		r = e.do("POST", "/api/v1/auth/login", "", Credentials{"ann@example.com", goodPassword})
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "2" {
			t.Fatalf("second lock should be longer: %d Retry-After %q", r.status, r.header.Get("Retry-After"))
		}
		e.clock.Add(2100 * time.Millisecond)
		e.login("ann@example.com", goodPassword) // success clears the account's counter
		if r = e.do("POST", "/api/v1/auth/login", "", Credentials{"ann@example.com", "wrong"}); r.status != http.StatusUnauthorized {
			t.Fatalf("after success: %d", r.status)
		}
	})
}

func TestLockoutPerAddress(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, func(o *Options) {
			o.Limits = Limits{AccountFree: 100, AddressFree: 3, ResetFree: 5, Base: time.Second, Max: time.Minute, Window: time.Minute}
		})
		for i := range 3 { // spraying many accounts from one address
			e.do("POST", "/api/v1/auth/login", "", Credentials{"user" + strconv.Itoa(i) + "@example.com", "guess guess guess"})
		}
		if r := e.do("POST", "/api/v1/auth/login", "", Credentials{"fresh@example.com", "guess guess guess"}); r.status != http.StatusTooManyRequests {
			t.Fatalf("4th account from one address: %d", r.status)
		}
	})
}

func TestRegistrationsPerAddress(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, func(o *Options) {
			o.Limits = Limits{AccountFree: 10, AddressFree: 3, ResetFree: 5, Base: time.Second, Max: time.Minute, Window: time.Minute}
		})
		for i := range 3 {
			e.register("user" + strconv.Itoa(i) + "@example.com")
		}
		r := e.do("POST", "/api/v1/auth/register", "", Credentials{"one-more@example.com", goodPassword})
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
			t.Fatalf("4th sign-up from one address: %d %s", r.status, r.raw)
		}
	})
}
