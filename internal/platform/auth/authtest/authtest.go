// Package authtest signs real access tokens with an ephemeral key, so a service's tests exercise
// the same verification path as production for any role or permission set, without the
// identity service.
//
//	iss := authtest.New(t)
//	h := auth.Middleware(iss.Verifier(), handler)
//	req.Header.Set("Authorization", "Bearer "+iss.Token(t, auth.Admin))
package authtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/platform/auth"
)

// IssuerName is the "iss" of the tokens an Issuer signs.
const IssuerName = "pasar-test"

// Issuer signs tokens with a key that exists only for one test.
type Issuer struct {
	key      auth.SigningKey
	verifier *auth.KeySet
	TTL      time.Duration // lifetime of the tokens signed; default 5 min
}

// New returns an Issuer with a fresh key.
func New(t testing.TB) *Issuer {
	t.Helper()
	k, err := auth.NewSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	set := auth.JWKS{Keys: []auth.JWK{k.PublicJWK()}}
	v := auth.NewKeySet(auth.KeySourceFunc(func(context.Context) (auth.JWKS, error) { return set, nil }),
		auth.KeySetOptions{Issuer: IssuerName})
	return &Issuer{key: k, verifier: v, TTL: 5 * time.Minute}
}

// Verifier returns the verifier that accepts this Issuer's tokens (and nobody else's).
func (i *Issuer) Verifier() auth.Verifier { return i.verifier }

// KeySet returns the Issuer's public keys, as a JWKS endpoint would serve them.
func (i *Issuer) KeySet() auth.JWKS { return auth.JWKS{Keys: []auth.JWK{i.key.PublicJWK()}} }

// Principal returns a new user principal of role r with a random subject and that role's
// permissions.
func Principal(r auth.Role) auth.Principal {
	id := randomHex(8)
	return auth.Principal{Subject: "user-" + id, Email: id + "@example.test", Role: r,
		Permissions: auth.PermissionsOf(r)}
}

// Token returns a token for a new user of role r.
func (i *Issuer) Token(t testing.TB, r auth.Role) string {
	t.Helper()
	return i.TokenFor(Principal(r))
}

// TokenFor returns a token for p exactly (its permissions are used as given).
func (i *Issuer) TokenFor(p auth.Principal) string {
	// Sign fails only for a key without id or private half, and New made a whole one; claims
	// always marshal.
	tok, _ := auth.Sign(i.key, auth.NewClaims(p, IssuerName, time.Now(), i.TTL))
	return tok
}

// ServiceToken returns a token for service name holding perms.
func (i *Issuer) ServiceToken(name string, perms ...auth.Permission) string {
	return i.TokenFor(auth.Principal{Subject: "service:" + name, Service: true, Permissions: perms})
}

// Sign signs arbitrary claims, for tests of expired or otherwise odd tokens.
func (i *Issuer) Sign(t testing.TB, c auth.Claims) string {
	t.Helper()
	tok, err := auth.Sign(i.key, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
