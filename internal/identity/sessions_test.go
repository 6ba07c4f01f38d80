package identity

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// redisEnv points tests at a Redis server.
const redisEnv = "PASAR_TEST_REDIS_URL"

// testRedis returns session storage in the test Redis under a prefix of its own, removed
// afterwards, or skips naming redisEnv.
func testRedis(t *testing.T) SessionStore {
	t.Helper()
	u := os.Getenv(redisEnv)
	if u == "" {
		t.Skipf("Redis session tests skipped: set %s (e.g. redis://127.0.0.1:6379/0)", redisEnv)
	}
	opt, err := redis.ParseURL(u)
	if err != nil {
		t.Fatalf("%s: %v", redisEnv, err)
	}
	rdb := redis.NewClient(opt)
	b := make([]byte, 6)
	rand.Read(b)
	prefix := "pasar-test-" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := rdb.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
		rdb.Close()
	})
	return RedisSessions(rdb, prefix)
}

func TestSessions(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		t.Run("sql", func(t *testing.T) { testSessions(t, newEnv(t, d)) })
	})
	t.Run("redis", func(t *testing.T) {
		store := testRedis(t)
		testSessions(t, newEnv(t, dbtest.Open(t, db.SQLite), func(o *Options) { o.Sessions = store }))
	})
}

func testSessions(t *testing.T, e *env) {
	e.register("ann@example.com")
	r := e.do("POST", "/api/v1/auth/session", "", Credentials{"ann@example.com", goodPassword})
	if r.status != http.StatusOK || r.str("csrf_token") == "" {
		t.Fatalf("start session: %d %s", r.status, r.raw)
	}
	csrf := r.str("csrf_token")
	cookie := r.header.Get("Set-Cookie")
	for _, attr := range []string{SessionCookie + "=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(cookie, attr) {
			t.Fatalf("cookie %q lacks %s", cookie, attr)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Fatalf("Secure cookie over plain HTTP would never come back: %q", cookie)
	}
	behindTLS := e.do("POST", "/api/v1/auth/session", "", Credentials{"ann@example.com", goodPassword}, "X-Forwarded-Proto", "https")
	if !strings.Contains(behindTLS.header.Get("Set-Cookie"), "Secure") {
		t.Fatalf("cookie behind a TLS-ending proxy is not Secure: %q", behindTLS.header.Get("Set-Cookie"))
	}
	jar := strings.SplitN(cookie, ";", 2)[0]
	if r = e.do("GET", "/api/v1/me", "", nil, "Cookie", jar); r.status != http.StatusOK || r.str("email") != "ann@example.com" {
		t.Fatalf("me with cookie: %d %s", r.status, r.raw)
	}
	tests := []struct {
		name    string
		headers []string
		want    int
	}{
		{"no csrf token", []string{"Cookie", jar}, http.StatusForbidden},
		{"wrong csrf token", []string{"Cookie", jar, CSRFHeader, "forged"}, http.StatusForbidden},
		{"right csrf token", []string{"Cookie", jar, CSRFHeader, csrf}, http.StatusNoContent},
	}
	for _, tc := range tests {
		if r = e.do("DELETE", "/api/v1/auth/session", "", nil, tc.headers...); r.status != tc.want {
			t.Fatalf("%s: %d, want %d: %s", tc.name, r.status, tc.want, r.raw)
		}
	}
	if r = e.do("GET", "/api/v1/me", "", nil, "Cookie", jar); r.status != http.StatusUnauthorized {
		t.Fatalf("me after sign-out: %d", r.status)
	}

	// A form post carries the token as a field; disabling the account ends the session.
	r = e.do("POST", "/api/v1/auth/session", "", Credentials{"ann@example.com", goodPassword})
	jar, csrf = strings.SplitN(r.header.Get("Set-Cookie"), ";", 2)[0], r.str("csrf_token")
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/auth/session/end", strings.NewReader(url.Values{CSRFField: {csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", jar)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusNoContent {
		t.Fatalf("form sign-out: %v %v", res.StatusCode, err)
	}
	res.Body.Close()
	r = e.do("POST", "/api/v1/auth/session", "", Credentials{"ann@example.com", goodPassword})
	jar = strings.SplitN(r.header.Get("Set-Cookie"), ";", 2)[0]
	disabled := true
	if _, err := e.core.UpdateUser(adminCtx(), e.userID("ann@example.com"), UserUpdate{Disabled: &disabled}); err != nil {
		t.Fatal(err)
	}
	if r = e.do("GET", "/api/v1/me", "", nil, "Cookie", jar); r.status != http.StatusUnauthorized {
		t.Fatalf("session of a disabled account: %d", r.status)
	}
}
