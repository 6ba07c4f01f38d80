package identity

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

func TestKeyRotation(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.register("ann@example.com")
		oldAccess, _ := e.login("ann@example.com", goodPassword)
		oldKid := kidOf(t, oldAccess)

		// A service in another process verifies from the JWKS endpoint.
		remote := auth.NewKeySet(auth.JWKSURL{URL: e.srv.URL + "/.well-known/jwks.json"},
			auth.KeySetOptions{Issuer: "pasar", MinRefresh: time.Millisecond, Now: e.clock.Now})
		if _, err := remote.Verify(t.Context(), oldAccess); err != nil {
			t.Fatalf("remote verify: %v", err)
		}

		res, err := RotateKeys(context.Background(), d, e.clock.Now(), "")
		if err != nil || res.Added == "" || len(res.Retired) != 0 {
			t.Fatalf("rotate: %+v, %v", res, err)
		}
		e.clock.Add(keyReload) // processes reread keys every keyReload
		r := e.do("GET", "/.well-known/jwks.json", "", nil)
		if keys, _ := r.body["keys"].([]any); r.status != http.StatusOK || len(keys) != 2 || r.header.Get("Cache-Control") == "" {
			t.Fatalf("jwks after rotation: %d %s", r.status, r.raw)
		}
		access, _ := e.login("ann@example.com", goodPassword)
		if kidOf(t, access) != oldKid {
			t.Fatal("a new key signed before it was published for publishDelay")
		}
		e.clock.Add(publishDelay)
		access, _ = e.login("ann@example.com", goodPassword)
		if kidOf(t, access) != res.Added {
			t.Fatalf("signing kid %s, want the new key %s", kidOf(t, access), res.Added)
		}
		for _, tok := range []string{oldAccess, access} {
			if _, err := remote.Verify(t.Context(), tok); err != nil {
				t.Fatalf("remote verify after rotation: %v", err)
			}
		}

		// Once the successor has signed for longer than any token lives, the old key goes.
		e.clock.Add(keyRetention + time.Minute)
		res2, err := RotateKeys(context.Background(), d, e.clock.Now(), "")
		if err != nil || len(res2.Retired) != 1 || res2.Retired[0] != oldKid {
			t.Fatalf("second rotation: %+v, %v", res2, err)
		}
	})
}

func kidOf(t *testing.T, token string) string {
	t.Helper()
	h, _, _ := strings.Cut(token, ".")
	var hdr struct{ Kid string }
	if err := jsonUnmarshal(string(mustB64(t, h)), &hdr); err != nil {
		t.Fatal(err)
	}
	return hdr.Kid
}

func TestRehashOnLogin(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.register("ann@example.com")
		before, _ := userByEmail(t.Context(), d, "ann@example.com")
		e.core.opts.Argon2 = Argon2Params{MemoryKiB: 128, Iterations: 1, Threads: 1}
		e.login("ann@example.com", goodPassword)
		after, _ := userByEmail(t.Context(), d, "ann@example.com")
		if before.hash == after.hash || !strings.Contains(after.hash, "m=128,") {
			t.Fatalf("hash not upgraded: %s", after.hash)
		}
		e.login("ann@example.com", goodPassword)
	})
}

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	h, err := hashPassword("pässwörd with ümlauts", testArgon2)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, pw, hash string
		ok, stale      bool
		wantErr        bool
	}{
		{"right", "pässwörd with ümlauts", h, true, false, false},
		{"wrong", "passwörd with ümlauts", h, false, false, false},
		{"not phc", "x", "plain", false, false, true},
		{"bcrypt", "x", "$2a$10$abcdefghijklmnopqrstuv", false, false, true},
		{"bad params", "x", "$argon2id$v=19$m=x,t=1,p=1$c2FsdA$a2V5", false, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ok, stale, err := checkPassword(tc.pw, tc.hash, testArgon2)
			if ok != tc.ok || stale != tc.stale || (err != nil) != tc.wantErr {
				t.Fatalf("ok=%v stale=%v err=%v", ok, stale, err)
			}
		})
	}
}

func TestSweep(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.register("ann@example.com")
		e.login("ann@example.com", goodPassword)
		e.do("POST", "/api/v1/auth/session", "", Credentials{"ann@example.com", goodPassword})
		e.do("POST", "/api/v1/auth/login", "", Credentials{"ann@example.com", "wrong password"})
		if n, err := e.core.Sweep(t.Context()); err != nil || n != 0 {
			t.Fatalf("sweep of live rows: %d, %v", n, err)
		}
		e.clock.Add(31*24*time.Hour + time.Minute)
		// The refresh token, the session, the failure counters of the account and the address,
		// and the address's sign-up counter.
		if n, err := e.core.Sweep(t.Context()); err != nil || n != 5 {
			t.Fatalf("sweep after expiry: %d, %v", n, err)
		}
	})
}

func TestSigningKeysEncryptedAtRest(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		const secret = "0123456789abcdef0123456789abcdef"
		e := newEnv(t, d, func(o *Options) { o.KeySecret = secret })
		if _, err := RotateKeys(t.Context(), d, e.clock.Now(), secret); err != nil {
			t.Fatal(err)
		}
		rows, err := d.QueryContext(t.Context(), `SELECT private_key FROM signing_keys`)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var priv string
			rows.Scan(&priv)
			if !strings.HasPrefix(priv, sealedPrefix) {
				t.Fatalf("private key stored in the clear: %q", priv)
			}
			n++
		}
		rows.Close()
		if n != 2 {
			t.Fatalf("%d keys", n)
		}
		e.register("ann@example.com")
		access, _ := e.login("ann@example.com", goodPassword)
		if r := e.do("GET", "/api/v1/me", access, nil); r.status != http.StatusOK {
			t.Fatalf("me: %d", r.status)
		}
		for _, wrong := range []string{"", "another secret of thirty-two chars!"} {
			o := Options{Argon2: testArgon2, KeySecret: wrong}
			if _, err := New(t.Context(), d, nil, o); !errors.Is(err, ErrKeysSealed) {
				t.Fatalf("secret %q: %v, want ErrKeysSealed", wrong, err)
			}
		}
	})
}
