package app

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// recordingAuditor keeps entries in memory; the identity service's real Auditor has its own tests.
type recordingAuditor struct {
	mu      sync.Mutex
	entries []auth.AuditEntry
}

func (r *recordingAuditor) Record(_ context.Context, e auth.AuditEntry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries = append(r.entries, e)
	return nil
}

func TestAuditAdminWrites(t *testing.T) {
	t.Parallel()
	rt := httpx.NewRouter(nil)
	ok := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(status) }
	}
	rt.Handle("PUT /api/v1/admin/products/{id}", ok(http.StatusOK))
	rt.Handle("POST /api/v1/admin/inventory/{sku}", ok(http.StatusUnprocessableEntity))
	rt.Handle("GET /api/v1/admin/products", ok(http.StatusOK))
	rt.Handle("PATCH /api/v1/admin/users/{id}", ok(http.StatusOK))
	rt.Handle("POST /api/v1/carts", ok(http.StatusCreated))

	tests := []struct {
		name, method, path  string
		wantAction, outcome string // empty action: nothing recorded
	}{
		{"admin write", "PUT", "/api/v1/admin/products/p1", "PUT /api/v1/admin/products/{id}", auth.Success},
		{"rejected admin write", "POST", "/api/v1/admin/inventory/SKU-1", "POST /api/v1/admin/inventory/{sku}", auth.Failure},
		{"admin read", "GET", "/api/v1/admin/products", "", ""},
		{"identity audits itself", "PATCH", "/api/v1/admin/users/u1", "", ""},
		{"shopper write", "POST", "/api/v1/carts", "", ""},
		{"unknown admin path", "DELETE", "/api/v1/admin/nothing", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &recordingAuditor{}
			a := &App{auditor: rec, log: slog.New(slog.DiscardHandler)}
			h := a.auditAdminWrites(rt)
			req := httptest.NewRequest(tc.method, tc.path, nil)
			req = req.WithContext(auth.WithPrincipal(req.Context(), auth.Principal{Subject: "admin-1"}))
			h.ServeHTTP(httptest.NewRecorder(), req)
			if tc.wantAction == "" {
				if len(rec.entries) != 0 {
					t.Fatalf("recorded %+v, want nothing", rec.entries)
				}
				return
			}
			if len(rec.entries) != 1 {
				t.Fatalf("recorded %d entries, want 1", len(rec.entries))
			}
			e := rec.entries[0]
			if e.Action != tc.wantAction || e.Outcome != tc.outcome || e.Actor != "admin-1" || e.Target != tc.path {
				t.Fatalf("entry %+v", e)
			}
		})
	}
}
