package identity

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the argon2id cost parameters new password hashes use. Hashes carry their own
// parameters, so changing these only affects new hashes, and a login with an older hash rehashes
// it with these.
type Argon2Params struct {
	MemoryKiB  uint32
	Iterations uint32
	Threads    uint8
}

// DefaultArgon2 is OWASP's first recommended argon2id configuration (19 MiB, 2 passes, 1 lane).
var DefaultArgon2 = Argon2Params{MemoryKiB: 19 * 1024, Iterations: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32

	// MinPasswordLength and MaxPasswordLength bound a password in characters; the upper bound
	// keeps one login from costing more than hashing needs.
	MinPasswordLength = 10
	MaxPasswordLength = 256
)

// hashPassword returns the PHC string of pw under p, e.g. $argon2id$v=19$m=19456,t=2,p=1$salt$key.
func hashPassword(pw string, p Argon2Params) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Iterations, p.MemoryKiB, p.Threads, keyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Iterations,
		p.Threads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

var errBadHash = errors.New("stored password hash is not an argon2id PHC string")

// checkPassword reports whether pw matches hash, and whether hash was made with parameters other
// than want (so the caller should store a new one).
func checkPassword(pw, hash string, want Argon2Params) (ok, stale bool, err error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, false, errBadHash
	}
	var v int
	var p Argon2Params
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, false, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Iterations, &p.Threads); err != nil {
		return false, false, errBadHash
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	key, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(key) == 0 {
		return false, false, errBadHash
	}
	got := argon2.IDKey([]byte(pw), salt, p.Iterations, p.MemoryKiB, p.Threads, uint32(len(key)))
	ok = subtle.ConstantTimeCompare(got, key) == 1
	return ok, p != want || len(salt) != saltLen || len(key) != keyLen, nil
}

//go:embed common_passwords.txt
var commonPasswordList string

// commonPasswords holds the lowercased list, built once per Core.
func loadCommonPasswords() map[string]struct{} {
	m := make(map[string]struct{}, 1024)
	s := bufio.NewScanner(strings.NewReader(commonPasswordList))
	for s.Scan() {
		if w := strings.TrimSpace(s.Text()); w != "" && !strings.HasPrefix(w, "#") {
			m[strings.ToLower(w)] = struct{}{}
		}
	}
	return m
}

// passwordProblem says what is wrong with pw as a new password, or "" when it is acceptable.
func passwordProblem(pw, email string, common map[string]struct{}) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case !utf8.ValidString(pw):
		return "must be valid UTF-8 text"
	case n < MinPasswordLength:
		return fmt.Sprintf("must be at least %d characters", MinPasswordLength)
	case n > MaxPasswordLength:
		return fmt.Sprintf("must be at most %d characters", MaxPasswordLength)
	}
	lower := strings.ToLower(pw)
	if _, ok := common[lower]; ok {
		return "is too common; choose one that is not on lists of leaked passwords"
	}
	if local, _, _ := strings.Cut(email, "@"); local != "" && strings.Contains(lower, local) && len(local) >= 4 {
		return "must not contain the email address"
	}
	return ""
}
