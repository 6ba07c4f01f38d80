package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
)

// Algorithm is the one JWS algorithm Pasar signs and accepts: EdDSA over Ed25519 (RFC 8037).
// "Ed25519", its fully specified name (RFC 9864), is accepted on verification too.
const Algorithm = "EdDSA"

// SigningKey is an Ed25519 private key with the id ("kid") tokens it signs carry in their
// header, so verifiers pick the matching public key while several are published.
type SigningKey struct {
	ID      string
	Private ed25519.PrivateKey
}

// NewSigningKey generates a key with a random id.
func NewSigningKey() (SigningKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return SigningKey{}, fmt.Errorf("generate signing key: %w", err)
	}
	id := make([]byte, 12)
	if _, err := rand.Read(id); err != nil {
		return SigningKey{}, fmt.Errorf("generate key id: %w", err)
	}
	return SigningKey{ID: base64.RawURLEncoding.EncodeToString(id), Private: priv}, nil
}

// PublicJWK returns k's public half as a JWK.
func (k SigningKey) PublicJWK() JWK {
	return NewJWK(k.ID, k.Private.Public().(ed25519.PublicKey))
}

// JWK is a public key in JSON Web Key form (RFC 7517), as an Ed25519 "OKP" key (RFC 8037).
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Alg string `json:"alg,omitempty"`
	Use string `json:"use,omitempty"`
}

// JWKS is a JSON Web Key Set, the document served at /.well-known/jwks.json.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// NewJWK returns the JWK of public key pub with id kid.
func NewJWK(kid string, pub ed25519.PublicKey) JWK {
	return JWK{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(pub),
		Kid: kid, Alg: Algorithm, Use: "sig"}
}

// PublicKey returns the Ed25519 key j describes, or an error if j is not one.
func (j JWK) PublicKey() (ed25519.PublicKey, error) {
	if j.Kty != "OKP" || j.Crv != "Ed25519" {
		return nil, fmt.Errorf("jwk %q: kty %q crv %q is not an Ed25519 key", j.Kid, j.Kty, j.Crv)
	}
	if j.Use != "" && j.Use != "sig" {
		return nil, fmt.Errorf("jwk %q: use %q is not sig", j.Kid, j.Use)
	}
	if j.Kid == "" {
		return nil, errors.New("jwk without kid")
	}
	b, err := base64.RawURLEncoding.DecodeString(j.X)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("jwk %q: x is not a %d-byte base64url key", j.Kid, ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}

// publicKeys indexes the usable keys of s by id; keys of other types are skipped, so a set that
// also publishes, say, an RSA key still works.
func (s JWKS) publicKeys() map[string]ed25519.PublicKey {
	m := make(map[string]ed25519.PublicKey, len(s.Keys))
	for _, j := range s.Keys {
		if pub, err := j.PublicKey(); err == nil {
			m[j.Kid] = pub
		}
	}
	return m
}
