// Package apperr defines the errors services return to their callers.
//
// An error carries a Kind (what went wrong, which decides the HTTP status in
// one table in package httpx), a stable machine Code, a Message that is safe to
// show a client, optional per-field errors and an internal cause that is never
// shown. Kind and Code travel over HTTP (status and "code" in the problem
// document), so a sentinel compared with errors.Is survives the round trip
// through a service's HTTP client.
package apperr

import (
	"context"
	"errors"
)

// Kind classifies an error by what the caller can do about it.
// The zero value is Internal, so an Error built without a kind never claims
// to be the client's fault and never shows its text.
type Kind uint8

// Kinds, each mapped to one HTTP status by httpx.
const (
	Internal             Kind = iota // 500: a bug or an unexpected failure
	InvalidInput                     // 422: well-formed input that breaks a rule, see Fields (named so because func Invalid builds one)
	BadRequest                       // 400: input that cannot be parsed
	Unauthenticated                  // 401
	Forbidden                        // 403
	NotFound                         // 404
	Conflict                         // 409
	PreconditionFailed               // 412
	TooLarge                         // 413
	UnsupportedMediaType             // 415
	RateLimited                      // 429
	Unavailable                      // 503: a dependency is down or the request ran out of time
	PaymentRequired                  // 402: the payment was declined; another method may work
)

var kindNames = [...]string{
	Internal:             "internal",
	InvalidInput:         "invalid",
	BadRequest:           "bad_request",
	Unauthenticated:      "unauthenticated",
	Forbidden:            "forbidden",
	NotFound:             "not_found",
	Conflict:             "conflict",
	PreconditionFailed:   "precondition_failed",
	TooLarge:             "too_large",
	UnsupportedMediaType: "unsupported_media_type",
	RateLimited:          "rate_limited",
	Unavailable:          "unavailable",
	PaymentRequired:      "payment_required",
}

// String returns the kind's snake_case name; it doubles as the default Code.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "internal"
}

// FieldError says what is wrong with one input field.
type FieldError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// Error is an error with a kind, a stable code and a client-safe message.
type Error struct {
	Kind    Kind
	Code    string       // stable machine code, e.g. "product_not_found"
	Message string       // safe to show a client
	Fields  []FieldError // per-field problems, for InvalidInput (and BadRequest naming a field)
	Err     error        // internal cause: logged, never shown to a client
}

// New returns an Error of kind k. Package-level results of New make good
// sentinels: errors.Is matches on Kind and Code, not on identity.
func New(k Kind, code, msg string) *Error {
	return &Error{Kind: k, Code: code, Message: msg}
}

// Invalid returns an InvalidInput error listing what is wrong with each field.
func Invalid(fields ...FieldError) *Error {
	return &Error{Kind: InvalidInput, Code: "invalid", Message: "The request has invalid fields.", Fields: fields}
}

// WithCause returns a copy of e that wraps err, so a sentinel can carry the
// internal cause without being modified (sentinels are shared).
func (e *Error) WithCause(err error) *Error {
	c := *e
	c.Err = err
	return &c
}

// WithMessage returns a copy of e with a more specific client-safe message.
func (e *Error) WithMessage(msg string) *Error {
	c := *e
	c.Message = msg
	return &c
}

// Error formats the error for logs: code, message and cause.
func (e *Error) Error() string {
	s := e.Code
	if s == "" {
		s = e.Kind.String()
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same Kind and Code.
// Identity is not required because an error rebuilt from an HTTP answer is a
// new value; Kind and Code are what crosses the wire.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.Code == e.Code
}

// KindOf returns the kind of the first *Error in err's chain. Errors without
// one are Internal, except that an expired or cancelled context is
// Unavailable: the request ran out of time, nothing is broken.
func KindOf(err error) Kind {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e.Kind
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return Unavailable
	default:
		return Internal
	}
}
