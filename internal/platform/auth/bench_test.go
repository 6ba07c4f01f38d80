package auth_test

import (
	"context"
	"crypto/ed25519"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/platform/auth"
)

// The token verification benchmarks: the hot path of every authenticated request. The
// baseline is a bare ed25519.Verify of the same bytes, so the ratio shows what parsing and
// claim checks add to the signature check itself.
//
//	go test -run '^$' -bench 'Verify|Sign' -benchmem ./internal/platform/auth/

func benchToken(b *testing.B, cache int) (*auth.KeySet, auth.SigningKey, string) {
	k, err := auth.NewSigningKey()
	if err != nil {
		b.Fatal(err)
	}
	ks := auth.NewKeySet(auth.KeySourceFunc(func(context.Context) (auth.JWKS, error) {
		return auth.JWKS{Keys: []auth.JWK{k.PublicJWK()}}, nil
	}), auth.KeySetOptions{Issuer: "pasar", CacheSize: cache})
	p := auth.Principal{Subject: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", Email: "ann@example.com",
		Role: auth.Admin, Permissions: auth.PermissionsOf(auth.Admin)}
	tok, err := auth.Sign(k, auth.NewClaims(p, "pasar", time.Now(), time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	return ks, k, tok
}

func BenchmarkEd25519VerifyBaseline(b *testing.B) {
	_, k, tok := benchToken(b, -1)
	i := strings.LastIndexByte(tok, '.')
	msg := []byte(tok[:i])
	sig := ed25519.Sign(k.Private, msg)
	pub := k.Private.Public().(ed25519.PublicKey)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if !ed25519.Verify(pub, msg, sig) {
				b.Fatal("verify failed")
			}
		}
	})
}

// BenchmarkVerify checks every token's signature (each request brings a token not seen before).
func BenchmarkVerify(b *testing.B) {
	ks, _, tok := benchToken(b, -1)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := ks.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkVerifyCached is the usual case: a client presents the same token until it expires.
func BenchmarkVerifyCached(b *testing.B) {
	ks, _, tok := benchToken(b, 0)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := ks.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkSign(b *testing.B) {
	_, k, _ := benchToken(b, -1)
	c := auth.NewClaims(auth.Principal{Subject: "u", Role: auth.Admin, Permissions: auth.PermissionsOf(auth.Admin)},
		"pasar", time.Now(), time.Hour)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := auth.Sign(k, c); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkMiddleware is what authentication adds to a request that carries a token the
// process has seen before, against the same request without a token (the baseline).
func BenchmarkMiddleware(b *testing.B) {
	ks, _, tok := benchToken(b, 0)
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if auth.FromContext(r.Context()).IsAnonymous() == (r.Header.Get("Authorization") != "") {
			b.Fatal("principal does not match the request")
		}
	})
	h := auth.Middleware(ks, ok)
	for _, bc := range []struct{ name, header string }{{"anonymous-baseline", ""}, {"bearer", "Bearer " + tok}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				req := httptest.NewRequest("GET", "/api/v1/admin/products", nil)
				if bc.header != "" {
					req.Header.Set("Authorization", bc.header)
				}
				w := httptest.NewRecorder()
				for pb.Next() {
					h.ServeHTTP(w, req)
				}
			})
		})
	}
}
