package httpx_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

var errProductNotFound = apperr.New(apperr.NotFound, "product_not_found", "No such product.")

func TestWriteError(t *testing.T) {
	t.Parallel()
	const secret = "pq: password authentication failed for user shop_admin"
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantCode   string
		wantDetail string
		wantFields int
		wantLogged bool // the cause is in the log under the request id
	}{
		{"sentinel", errProductNotFound, 404, "product_not_found", "No such product.", 0, false},
		{"wrapped sentinel with cause", fmt.Errorf("get: %w", errProductNotFound.WithCause(errors.New(secret))), 404, "product_not_found", "No such product.", 0, false},
		{"invalid with fields", apperr.Invalid(
			apperr.FieldError{Field: "email", Detail: "is not an email address"},
			apperr.FieldError{Field: "password", Detail: "must be at least 12 characters"}), 422, "invalid", "invalid fields", 2, false},
		{"conflict", apperr.New(apperr.Conflict, "sku_taken", "That SKU exists."), 409, "sku_taken", "That SKU exists.", 0, false},
		{"plain error is internal", errors.New(secret), 500, "internal", "request id", 0, true},
		{"internal app error hides its message", &apperr.Error{Kind: apperr.Internal, Code: "db", Message: secret}, 500, "db", "request id", 0, true},
		{"unavailable hides its cause", apperr.New(apperr.Unavailable, "payments_down", "").WithCause(errors.New(secret)), 503, "payments_down", "request id", 0, true},
		{"deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), 503, "unavailable", "request id", 0, true},
		{"body too large read by hand", fmt.Errorf("read: %w", &http.MaxBytesError{Limit: 10}), 413, "body_too_large", "10 bytes", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(httpx.Options{})
			s.router.HandleFunc("GET /x", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("ETag", `"stale"`) // set for a success that did not happen
				httpx.WriteError(w, r, tt.err)
			})
			rec := s.do(http.MethodGet, "/x", "", "")
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d", rec.Code, tt.wantStatus)
			}
			p := problem(t, rec.Code, rec.Header(), rec.Body.Bytes())
			if p.Code != tt.wantCode || !strings.Contains(p.Detail, tt.wantDetail) || len(p.Errors) != tt.wantFields {
				t.Errorf("problem %+v, want code %q, detail ~%q, %d fields", p, tt.wantCode, tt.wantDetail, tt.wantFields)
			}
			if strings.Contains(rec.Body.String(), "authentication failed") {
				t.Errorf("internal text leaked: %s", rec.Body)
			}
			if rec.Header().Get("ETag") != "" {
				t.Error("problem kept the handler's ETag")
			}
			if p.Instance != "/x" {
				t.Errorf("instance %q", p.Instance)
			}
			logged := s.log.lines(t, "request failed")
			if !tt.wantLogged {
				if len(logged) != 0 {
					t.Errorf("4xx logged as failure: %v", logged)
				}
				return
			}
			if len(logged) != 1 || logged[0]["request_id"] != p.RequestID || !strings.Contains(logged[0]["error"].(string), tt.err.Error()) {
				t.Errorf("cause not logged under request id %q: %v", p.RequestID, logged)
			}
		})
	}
}

func TestStatusTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind   apperr.Kind
		status int
	}{
		{apperr.InvalidInput, 422}, {apperr.BadRequest, 400}, {apperr.Unauthenticated, 401},
		{apperr.Forbidden, 403}, {apperr.NotFound, 404}, {apperr.Conflict, 409},
		{apperr.PreconditionFailed, 412}, {apperr.TooLarge, 413}, {apperr.UnsupportedMediaType, 415},
		{apperr.RateLimited, 429}, {apperr.Unavailable, 503}, {apperr.Internal, 500}, {apperr.Kind(200), 500},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			t.Parallel()
			if got := httpx.StatusOf(tt.kind); got != tt.status {
				t.Errorf("StatusOf = %d, want %d", got, tt.status)
			}
			if tt.kind < apperr.Kind(200) && httpx.KindForStatus(tt.status) != tt.kind {
				t.Errorf("KindForStatus(%d) = %v, want %v", tt.status, httpx.KindForStatus(tt.status), tt.kind)
			}
		})
	}
}

// TestErrorFromResponse is the round trip a service's HTTP client makes:
// the sentinel written by the server is errors.Is-equal to what the client
// rebuilds.
func TestErrorFromResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"sentinel", errProductNotFound.WithCause(errors.New("sql: no rows")), errProductNotFound},
		{"invalid", apperr.Invalid(apperr.FieldError{Field: "name", Detail: "required"}), apperr.Invalid()},
		{"internal", errors.New("boom"), apperr.New(apperr.Internal, "internal", "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(httpx.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				httpx.WriteError(w, r, tt.err)
			}), httpx.Options{}))
			defer srv.Close()
			resp, err := http.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got := httpx.ErrorFromResponse(resp)
			if !errors.Is(got, tt.want) {
				t.Errorf("errors.Is(%v, %v) = false", got, tt.want)
			}
			var want *apperr.Error
			if errors.As(tt.err, &want) && want.Kind != apperr.Internal && len(got.Fields) != len(want.Fields) {
				t.Errorf("fields %v, want %v", got.Fields, want.Fields)
			}
		})
	}
}
