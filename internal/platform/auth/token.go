package auth

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Claims is the payload of a Pasar access token: the registered JWT claims (RFC 7519) and the
// Principal they stand for.
type Claims struct {
	Issuer      string       `json:"iss,omitempty"`
	Subject     string       `json:"sub"`
	ExpiresAt   int64        `json:"exp"`
	NotBefore   int64        `json:"nbf,omitempty"`
	IssuedAt    int64        `json:"iat"`
	ID          string       `json:"jti,omitempty"`
	Email       string       `json:"email,omitempty"`
	Role        Role         `json:"role,omitempty"`
	Permissions []Permission `json:"perms,omitempty"`
	Service     bool         `json:"svc,omitempty"`
	SessionID   string       `json:"sid,omitempty"`
	Actor       *Actor       `json:"act,omitempty"`
}

// Actor is the "act" claim of a token one party holds for another (RFC 8693): the service that
// acts for the subject, e.g. the page server holding a browser's session.
type Actor struct {
	Subject string `json:"sub"`
}

// NewClaims returns the claims of a token for p issued by issuer at now, valid for ttl.
func NewClaims(p Principal, issuer string, now time.Time, ttl time.Duration) Claims {
	c := Claims{
		Issuer: issuer, Subject: p.Subject,
		IssuedAt: now.Unix(), NotBefore: now.Unix(), ExpiresAt: now.Add(ttl).Unix(),
		Email: p.Email, Role: p.Role, Permissions: p.Permissions, Service: p.Service, SessionID: p.SessionID,
	}
	if p.Actor != "" {
		c.Actor = &Actor{Subject: p.Actor}
	}
	return c
}

// Principal returns the caller the claims were issued to.
func (c Claims) Principal() Principal {
	p := Principal{Subject: c.Subject, Email: c.Email, Role: c.Role, Permissions: c.Permissions,
		Service: c.Service, SessionID: c.SessionID}
	if c.Actor != nil {
		p.Actor = c.Actor.Subject
	}
	return p
}

// maxTokenBytes bounds what a verifier will even try to decode, so a huge header costs nothing.
const maxTokenBytes = 8 << 10

type header struct {
	Alg  string          `json:"alg"`
	Typ  string          `json:"typ,omitempty"`
	Kid  string          `json:"kid"`
	Crit json.RawMessage `json:"crit,omitempty"`
}

// Sign returns claims as a compact JWS signed with k.
func Sign(k SigningKey, c Claims) (string, error) {
	if len(k.Private) != ed25519.PrivateKeySize || k.ID == "" {
		return "", errors.New("sign token: signing key without id or Ed25519 private key")
	}
	h, err := json.Marshal(header{Alg: Algorithm, Typ: "JWT", Kid: k.ID})
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	p, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	enc := base64.RawURLEncoding
	var b strings.Builder
	b.Grow(enc.EncodedLen(len(h)) + enc.EncodedLen(len(p)) + enc.EncodedLen(ed25519.SignatureSize) + 2)
	b.WriteString(enc.EncodeToString(h))
	b.WriteByte('.')
	b.WriteString(enc.EncodeToString(p))
	sig := ed25519.Sign(k.Private, []byte(b.String()))
	b.WriteByte('.')
	b.WriteString(enc.EncodeToString(sig))
	return b.String(), nil
}

// Why a token was refused; they are the internal cause of ErrInvalidToken, for logs and tests.
var (
	errMalformed   = errors.New("malformed token")
	errAlgorithm   = errors.New("token algorithm not accepted")
	errUnknownKey  = errors.New("token signed by an unknown key")
	errSignature   = errors.New("token signature does not verify")
	errExpired     = errors.New("token expired")
	errNotYetValid = errors.New("token not valid yet")
	errIssuer      = errors.New("token from another issuer")
)

// parsed is a token whose header and signature input are decoded but whose signature is not
// yet checked.
type parsed struct {
	header  header
	signed  []byte // header.payload, the signature input
	payload []byte
	sig     []byte
}

func parse(token string) (parsed, error) {
	if len(token) > maxTokenBytes {
		return parsed{}, errMalformed
	}
	h64, rest, ok1 := strings.Cut(token, ".")
	p64, s64, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(s64, ".") {
		return parsed{}, errMalformed
	}
	enc := base64.RawURLEncoding.Strict()
	hb, err1 := enc.DecodeString(h64)
	pb, err2 := enc.DecodeString(p64)
	sb, err3 := enc.DecodeString(s64)
	if err1 != nil || err2 != nil || err3 != nil {
		return parsed{}, errMalformed
	}
	var h header
	if err := strictJSON(hb, &h); err != nil {
		return parsed{}, errMalformed
	}
	// "none", HS256 with the public key as secret, and every other trick end here: only the
	// one algorithm we sign with is accepted, whatever the header asks for.
	if h.Alg != Algorithm && h.Alg != "Ed25519" {
		return parsed{}, fmt.Errorf("%w: %q", errAlgorithm, h.Alg)
	}
	if len(h.Crit) > 0 || h.Kid == "" || len(sb) != ed25519.SignatureSize {
		return parsed{}, errMalformed
	}
	return parsed{header: h, signed: []byte(token[:len(h64)+1+len(p64)]), payload: pb, sig: sb}, nil
}

// check validates the time claims and issuer of c at now, allowing leeway for clock skew.
func (c Claims) check(now time.Time, leeway time.Duration, issuer string) error {
	n, l := now.Unix(), int64(leeway/time.Second)
	switch {
	case c.Subject == "" || c.ExpiresAt == 0 || c.IssuedAt == 0:
		return errMalformed
	case n > c.ExpiresAt+l:
		return errExpired
	case c.NotBefore != 0 && n < c.NotBefore-l, c.IssuedAt > n+l:
		return errNotYetValid
	case issuer != "" && c.Issuer != issuer:
		return errIssuer
	}
	return nil
}

func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errMalformed
	}
	return nil
}
