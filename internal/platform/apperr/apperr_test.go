package apperr_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/apperr"
)

var errProductNotFound = apperr.New(apperr.NotFound, "product_not_found", "No such product.")

func TestKindOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want apperr.Kind
	}{
		{"app error", errProductNotFound, apperr.NotFound},
		{"wrapped app error", fmt.Errorf("get product: %w", errProductNotFound), apperr.NotFound},
		{"invalid", apperr.Invalid(apperr.FieldError{Field: "name", Detail: "required"}), apperr.InvalidInput},
		{"unknown error", io.ErrUnexpectedEOF, apperr.Internal},
		{"nil", nil, apperr.Internal},
		{"deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), apperr.Unavailable},
		{"app error wrapping deadline keeps its kind", apperr.New(apperr.Conflict, "c", "m").WithCause(context.DeadlineExceeded), apperr.Conflict},
		{"zero Error is internal", &apperr.Error{}, apperr.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := apperr.KindOf(tt.err); got != tt.want {
				t.Errorf("KindOf = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestIs(t *testing.T) {
	t.Parallel()
	cause := errors.New("sql: no rows")
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"same sentinel", errProductNotFound, true},
		{"copy with cause", errProductNotFound.WithCause(cause), true},
		{"rebuilt from the wire", &apperr.Error{Kind: apperr.NotFound, Code: "product_not_found", Message: "other text"}, true},
		{"wrapped", fmt.Errorf("op: %w", errProductNotFound.WithCause(cause)), true},
		{"other code", apperr.New(apperr.NotFound, "category_not_found", ""), false},
		{"other kind", apperr.New(apperr.Conflict, "product_not_found", ""), false},
		{"plain error", cause, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := errors.Is(tt.err, errProductNotFound); got != tt.want {
				t.Errorf("errors.Is = %v, want %v", got, tt.want)
			}
		})
	}
	if !errors.Is(errProductNotFound.WithCause(cause), cause) {
		t.Error("cause not reachable through Unwrap")
	}
	if errProductNotFound.Err != nil {
		t.Error("WithCause modified the sentinel")
	}
}

func TestErrorString(t *testing.T) {
	t.Parallel()
	err := errProductNotFound.WithCause(errors.New("sql: no rows"))
	if got, want := err.Error(), "product_not_found: No such product.: sql: no rows"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
