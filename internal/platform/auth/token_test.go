package auth_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/auth/authtest"
)

func staticSource(keys ...auth.SigningKey) auth.KeySource {
	var s auth.JWKS
	for _, k := range keys {
		s.Keys = append(s.Keys, k.PublicJWK())
	}
	return auth.KeySourceFunc(func(context.Context) (auth.JWKS, error) { return s, nil })
}

func mustKey(t *testing.T) auth.SigningKey {
	t.Helper()
	k, err := auth.NewSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func b64(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestVerifyRejectsForgedTokens(t *testing.T) {
	t.Parallel()
	key, other := mustKey(t), mustKey(t)
	ks := auth.NewKeySet(staticSource(key), auth.KeySetOptions{Issuer: "pasar"})
	now := time.Now()
	p := auth.Principal{Subject: "u1", Role: auth.Admin, Permissions: auth.PermissionsOf(auth.Admin)}
	good := auth.NewClaims(p, "pasar", now, time.Minute)
	sign := func(k auth.SigningKey, c auth.Claims) string {
		tok, err := auth.Sign(k, c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	valid := sign(key, good)
	parts := strings.Split(valid, ".")
	expired := good
	expired.IssuedAt, expired.NotBefore, expired.ExpiresAt = now.Add(-2*time.Hour).Unix(), now.Add(-2*time.Hour).Unix(), now.Add(-time.Hour).Unix()
	future := good
	future.NotBefore = now.Add(time.Hour).Unix()
	otherIss := good
	otherIss.Issuer = "evil"
	tampered := good
	tampered.Role, tampered.Subject = auth.Admin, "u2"
	noneHeader := b64(map[string]string{"alg": "none", "typ": "JWT", "kid": key.ID})
	hsHeader := b64(map[string]string{"alg": "HS256", "typ": "JWT", "kid": key.ID})
	critHeader := b64(map[string]any{"alg": "EdDSA", "kid": key.ID, "crit": []string{"exp"}})

	tests := []struct {
		name, token string
		wantErr     error
	}{
		{"signed by another key with our kid", sign(auth.SigningKey{ID: key.ID, Private: other.Private}, good), auth.ErrInvalidToken},
		{"unknown kid", sign(other, good), auth.ErrInvalidToken},
		{"alg none", noneHeader + "." + parts[1] + ".", auth.ErrInvalidToken},
		{"alg none with signature", noneHeader + "." + parts[1] + "." + parts[2], auth.ErrInvalidToken},
		{"alg HS256", hsHeader + "." + parts[1] + "." + parts[2], auth.ErrInvalidToken},
		{"crit header", critHeader + "." + parts[1] + "." + parts[2], auth.ErrInvalidToken},
		{"expired", sign(key, expired), auth.ErrInvalidToken},
		{"not yet valid", sign(key, future), auth.ErrInvalidToken},
		{"other issuer", sign(key, otherIss), auth.ErrInvalidToken},
		{"tampered payload", parts[0] + "." + b64(tampered) + "." + parts[2], auth.ErrInvalidToken},
		{"two parts", parts[0] + "." + parts[1], auth.ErrInvalidToken},
		{"four parts", valid + ".x", auth.ErrInvalidToken},
		{"padded base64", parts[0] + "=." + parts[1] + "." + parts[2], auth.ErrInvalidToken},
		{"garbage", "not-a-token", auth.ErrInvalidToken},
		{"huge", strings.Repeat("a", 9000), auth.ErrInvalidToken},
		{"valid", valid, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ks.Verify(context.Background(), tc.token)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err == nil && (got.Subject != "u1" || !got.Can(auth.UsersManage)) {
				t.Fatalf("principal = %+v", got)
			}
		})
	}
}

func TestLeeway(t *testing.T) {
	t.Parallel()
	key := mustKey(t)
	now := time.Now()
	ks := auth.NewKeySet(staticSource(key), auth.KeySetOptions{Leeway: 30 * time.Second,
		Now: func() time.Time { return now }})
	c := auth.NewClaims(auth.Principal{Subject: "u"}, "", now.Add(-70*time.Second), time.Minute) // expired 10 s ago
	tok, _ := auth.Sign(key, c)
	if _, err := ks.Verify(context.Background(), tok); err != nil {
		t.Fatalf("within leeway: %v", err)
	}
	c = auth.NewClaims(auth.Principal{Subject: "u"}, "", now.Add(-2*time.Minute), time.Minute)
	tok, _ = auth.Sign(key, c)
	if _, err := ks.Verify(context.Background(), tok); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("past leeway: %v", err)
	}
}

func TestKeySetRefreshesOnUnknownKidAtMostOncePerInterval(t *testing.T) {
	t.Parallel()
	k1, k2 := mustKey(t), mustKey(t)
	var fetches atomic.Int32
	var published atomic.Pointer[auth.JWKS]
	published.Store(&auth.JWKS{Keys: []auth.JWK{k1.PublicJWK()}})
	src := auth.KeySourceFunc(func(context.Context) (auth.JWKS, error) {
		fetches.Add(1)
		return *published.Load(), nil
	})
	now := time.Now()
	clock := func() time.Time { return now }
	ks := auth.NewKeySet(src, auth.KeySetOptions{MinRefresh: 10 * time.Second, Now: clock})
	tok := func(k auth.SigningKey) string {
		s, _ := auth.Sign(k, auth.NewClaims(auth.Principal{Subject: "u"}, "", now, time.Hour))
		return s
	}
	ctx := context.Background()
	if _, err := ks.Verify(ctx, tok(k1)); err != nil {
		t.Fatal(err)
	}
	for range 50 { // forged kids: one fetch, not fifty
		if _, err := ks.Verify(ctx, tok(k2)); !errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("unknown key accepted: %v", err)
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Fatalf("fetches = %d, want 1 (the first verification)", n)
	}
	published.Store(&auth.JWKS{Keys: []auth.JWK{k1.PublicJWK(), k2.PublicJWK()}}) // rotation
	now = now.Add(11 * time.Second)
	if _, err := ks.Verify(ctx, tok(k2)); err != nil {
		t.Fatalf("rotated key after refresh interval: %v", err)
	}
	if _, err := ks.Verify(ctx, tok(k1)); err != nil {
		t.Fatalf("old key still published: %v", err)
	}
	if n := fetches.Load(); n != 2 {
		t.Fatalf("fetches = %d, want 2", n)
	}
}

func TestKeySetUnavailableIsNotUnauthenticated(t *testing.T) {
	t.Parallel()
	k := mustKey(t)
	ks := auth.NewKeySet(auth.KeySourceFunc(func(context.Context) (auth.JWKS, error) {
		return auth.JWKS{}, errors.New("identity down")
	}), auth.KeySetOptions{})
	tok, _ := auth.Sign(k, auth.NewClaims(auth.Principal{Subject: "u"}, "", time.Now(), time.Minute))
	_, err := ks.Verify(context.Background(), tok)
	if apperr.KindOf(err) != apperr.Unavailable {
		t.Fatalf("err = %v, want Unavailable", err)
	}
}

func TestAuthtestIssuer(t *testing.T) {
	t.Parallel()
	iss, other := authtest.New(t), authtest.New(t)
	ctx := context.Background()
	p, err := iss.Verifier().Verify(ctx, iss.Token(t, auth.Staff))
	if err != nil || p.Role != auth.Staff || !p.Can(auth.CatalogWrite) || p.Can(auth.UsersManage) {
		t.Fatalf("staff token: %+v, %v", p, err)
	}
	p, err = iss.Verifier().Verify(ctx, iss.ServiceToken("search", auth.OrdersRead))
	if err != nil || !p.Service || p.Subject != "service:search" || !p.Can(auth.OrdersRead) {
		t.Fatalf("service token: %+v, %v", p, err)
	}
	if _, err := iss.Verifier().Verify(ctx, other.Token(t, auth.Admin)); err == nil {
		t.Fatal("another issuer's token accepted")
	}
}

func TestJWKSURLAndMiddleware(t *testing.T) {
	t.Parallel()
	iss := authtest.New(t)
	var down atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		json.NewEncoder(w).Encode(iss.KeySet())
	}))
	t.Cleanup(srv.Close)
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	call := func(v auth.Verifier, token string) int {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		auth.Middleware(v, ok).ServeHTTP(rec, req)
		return rec.Code
	}
	remote := auth.NewKeySet(auth.JWKSURL{URL: srv.URL}, auth.KeySetOptions{Issuer: authtest.IssuerName})
	if got := call(remote, iss.Token(t, auth.Customer)); got != http.StatusNoContent {
		t.Fatalf("valid token over JWKS URL: %d", got)
	}
	down.Store(true)
	cold := auth.NewKeySet(auth.JWKSURL{URL: srv.URL}, auth.KeySetOptions{})
	if got := call(cold, iss.Token(t, auth.Customer)); got != http.StatusServiceUnavailable {
		t.Fatalf("keys unavailable: %d, want 503", got)
	}
	if got := call(remote, iss.Token(t, auth.Customer)); got != http.StatusNoContent {
		t.Fatalf("cached keys while JWKS is down: %d", got)
	}
}

func TestKeySetRefetchesStaleKeys(t *testing.T) {
	t.Parallel()
	k := mustKey(t)
	var fetches atomic.Int32
	src := auth.KeySourceFunc(func(context.Context) (auth.JWKS, error) {
		fetches.Add(1)
		return auth.JWKS{Keys: []auth.JWK{k.PublicJWK()}}, nil
	})
	var now atomic.Int64
	now.Store(time.Now().UnixNano())
	ks := auth.NewKeySet(src, auth.KeySetOptions{MaxAge: time.Minute, CacheSize: -1,
		Now: func() time.Time { return time.Unix(0, now.Load()) }})
	tok, _ := auth.Sign(k, auth.NewClaims(auth.Principal{Subject: "u"}, "", time.Now(), time.Hour))
	for range 3 {
		if _, err := ks.Verify(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
	}
	now.Add(int64(2 * time.Minute))
	if _, err := ks.Verify(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	if n := fetches.Load(); n != 2 {
		t.Fatalf("fetches = %d, want 2 (first use, then once stale)", n)
	}
}
