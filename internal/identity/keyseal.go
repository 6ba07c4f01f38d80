package identity

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// sealedPrefix marks a private key stored encrypted with the signing key secret.
const sealedPrefix = "aesgcm:"

// keySeal encrypts private signing keys at rest with AES-256-GCM under a key derived from the
// operator's secret, bound to the key id, so a copy of the store or a backup alone does not
// let anyone sign tokens. A nil *keySeal stores keys in the clear.
type keySeal struct{ aead cipher.AEAD }

// newKeySeal returns the seal for secret, or nil when secret is empty.
func newKeySeal(secret string) (*keySeal, error) {
	if secret == "" {
		return nil, nil
	}
	k := sha256.Sum256([]byte(secret)) // the secret is random and long; a KDF adds nothing
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &keySeal{aead}, nil
}

// seal returns how seed is stored for kid.
func (s *keySeal) seal(kid string, seed []byte) string {
	if s == nil {
		return base64.RawStdEncoding.EncodeToString(seed)
	}
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(s.aead.Seal(nonce, nonce, seed, []byte(kid)))
}

// ErrKeysSealed says the store's signing keys are encrypted and the secret is missing or wrong.
var ErrKeysSealed = errors.New("identity signing keys are encrypted: set PASAR_SIGNING_KEY_SECRET to the secret they were stored with")

// open returns the seed stored for kid.
func (s *keySeal) open(kid, stored string) ([]byte, error) {
	rest, sealed := strings.CutPrefix(stored, sealedPrefix)
	b, err := base64.RawStdEncoding.DecodeString(rest)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: stored private key is not base64", kid)
	}
	if sealed {
		if s == nil || len(b) < s.aead.NonceSize() {
			return nil, ErrKeysSealed
		}
		n := s.aead.NonceSize()
		if b, err = s.aead.Open(nil, b[:n], b[n:], []byte(kid)); err != nil {
			return nil, ErrKeysSealed
		}
	}
	if len(b) != ed25519.SeedSize {
		return nil, fmt.Errorf("signing key %s: stored private key is not an Ed25519 seed", kid)
	}
	return b, nil
}
