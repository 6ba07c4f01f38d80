package httpx

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/apperr"
)

// TestProblemAsPage checks that a browser's page request gets the problem as an HTML page (with
// its status, escaped text and request id) while API calls and non-browsers keep problem+json.
func TestProblemAsPage(t *testing.T) {
	t.Parallel()
	fields := []apperr.FieldError{{Field: "email", Detail: "is not <an> email address"}}
	tests := []struct {
		name, path, accept string
		html               bool
	}{
		{"browser form post", "/cart", "text/html,application/xhtml+xml,*/*;q=0.8", true},
		{"browser on an API path", "/api/v1/carts", "text/html,*/*", false},
		{"API client", "/cart", "application/json", false},
		{"no Accept", "/cart", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, tc.path, nil)
			if tc.accept != "" {
				r.Header.Set("Accept", tc.accept)
			}
			w := httptest.NewRecorder()
			WriteProblem(w, r, Problem{Status: 403, Title: "Forbidden", Detail: "The form has expired.",
				RequestID: "req-1", Errors: fields})
			if w.Code != 403 {
				t.Fatalf("status %d, want 403", w.Code)
			}
			ct, body := w.Header().Get("Content-Type"), w.Body.String()
			if !tc.html {
				if ct != ContentTypeProblem {
					t.Errorf("Content-Type %q, want %q", ct, ContentTypeProblem)
				}
				return
			}
			if ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q, want HTML", ct)
			}
			for _, want := range []string{"<title>Forbidden</title>", "The form has expired.", "req-1", "email: is not &lt;an&gt; email address", `href="/"`} {
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %q:\n%s", want, body)
				}
			}
			if w.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q", w.Header().Get("Cache-Control"))
			}
		})
	}
}
