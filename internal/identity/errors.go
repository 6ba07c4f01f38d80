package identity

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pasarhq/pasar/internal/platform/apperr"
)

// Errors identity returns. Sign-in failures share one message, so an answer never tells whether
// an email has an account.
var (
	ErrInvalidCredentials = apperr.New(apperr.Unauthenticated, "invalid_credentials", "The email or password is wrong.")
	ErrInvalidRefresh     = apperr.New(apperr.Unauthenticated, "invalid_refresh_token", "The refresh token is invalid, expired or revoked. Sign in again.")
	ErrInvalidClient      = apperr.New(apperr.Unauthenticated, "invalid_client", "The client id or secret is wrong.")
	ErrNoSession          = apperr.New(apperr.Unauthenticated, "no_session", "The session has ended. Sign in again.")
	ErrTooManyAttempts    = apperr.New(apperr.RateLimited, "too_many_attempts", "Too many attempts. Wait a while and try again.")
	ErrUserNotFound       = apperr.New(apperr.NotFound, "user_not_found", "There is no such user.")
	ErrEmailTaken         = &apperr.Error{Kind: apperr.Conflict, Code: "email_taken",
		Message: "An account with this email exists. Sign in or reset the password.",
		Fields:  []apperr.FieldError{{Field: "email", Detail: "is already registered"}}}
	ErrClientNameTaken = &apperr.Error{Kind: apperr.Conflict, Code: "client_name_taken",
		Message: "A service client with this name exists.",
		Fields:  []apperr.FieldError{{Field: "name", Detail: "is already registered"}}}
	ErrSelfChange = apperr.New(apperr.Conflict, "self_change", "Admins cannot change their own role or disable themselves.")
)

// RetryAfter is the cause of ErrTooManyAttempts: how long the caller must wait.
type RetryAfter time.Duration

// Error says how long the lock lasts, for logs.
func (r RetryAfter) Error() string { return fmt.Sprintf("locked for %s", time.Duration(r)) }

// Seconds returns the wait in whole seconds, at least 1, for a Retry-After header.
func (r RetryAfter) Seconds() int {
	s := int((time.Duration(r) + time.Second - 1) / time.Second)
	return max(s, 1)
}

// plainText reports whether s can be stored and compared as text on every engine: valid UTF-8
// without NUL bytes, which PostgreSQL refuses.
func plainText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// textFields returns a field error for each named value that is not plainText.
func textFields(kv ...string) []apperr.FieldError {
	var fe []apperr.FieldError
	for i := 0; i+1 < len(kv); i += 2 {
		if !plainText(kv[i+1]) {
			fe = append(fe, apperr.FieldError{Field: kv[i], Detail: "must be UTF-8 text without NUL characters"})
		}
	}
	return fe
}

func invalid(field, detail string) *apperr.Error {
	return apperr.Invalid(apperr.FieldError{Field: field, Detail: detail})
}
