package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

type staticVerifier map[string]Principal

func (s staticVerifier) Verify(_ context.Context, token string) (Principal, error) {
	if p, ok := s[token]; ok {
		return p, nil
	}
	return Principal{}, errors.New("unknown token")
}

func TestRequire(t *testing.T) {
	t.Parallel()
	v := staticVerifier{
		"admin":    {Subject: "u1", Role: Admin, Permissions: PermissionsOf(Admin)},
		"customer": {Subject: "u2", Role: Customer, Permissions: PermissionsOf(Customer)},
	}
	h := Middleware(v, Require(CatalogWrite, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})))
	tests := []struct {
		name, header string
		want         int
	}{
		{"anonymous", "", http.StatusUnauthorized},
		{"bad token", "Bearer forged", http.StatusUnauthorized},
		{"customer", "Bearer customer", http.StatusForbidden},
		{"admin", "bearer admin", http.StatusNoContent},
		{"basic scheme", "Basic YWRtaW46eA==", http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest("POST", "/api/v1/admin/products", nil)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Fatalf("status %d, want %d", rec.Code, tc.want)
			}
			if tc.want >= 400 && rec.Header().Get("Content-Type") != "application/problem+json" {
				t.Fatalf("content type %q", rec.Header().Get("Content-Type"))
			}
		})
	}
}

func TestRolesTable(t *testing.T) {
	t.Parallel()
	if len(PermissionsOf(Customer)) != 0 {
		t.Error("customers hold admin permissions")
	}
	for _, p := range PermissionsOf(Staff) {
		if !slicesContains(PermissionsOf(Admin), p) {
			t.Errorf("staff may %s but admin may not", p)
		}
	}
	if ValidRole("root") || !ValidRole(Staff) {
		t.Error("ValidRole")
	}
}

func slicesContains(ps []Permission, p Permission) bool {
	for _, x := range ps {
		if x == p {
			return true
		}
	}
	return false
}
