package inventory

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/auth/authtest"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// serve starts the inventory API on c behind the real middleware and token verification.
func serve(t *testing.T, c *Core) (*httptest.Server, *authtest.Issuer) {
	t.Helper()
	iss := authtest.New(t)
	rt := httpx.NewRouter(nil)
	NewHandler(c).Routes(rt)
	srv := httptest.NewServer(httpx.Middleware(auth.Middleware(iss.Verifier(), rt), httpx.Options{}))
	t.Cleanup(srv.Close)
	return srv, iss
}

func do(t *testing.T, method, url, token, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s %s: %d %q is not JSON", method, url, resp.StatusCode, raw)
	}
	if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != httpx.ContentTypeProblem {
		t.Errorf("%s %s: error with content type %q", method, url, resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode, v
}

// namesField reports whether a problem document lists field among its errors.
func namesField(p map[string]any, field string) bool {
	errs, _ := p["errors"].([]any)
	for _, e := range errs {
		if m, _ := e.(map[string]any); m["field"] == field {
			return true
		}
	}
	return false
}

func TestHTTPStockAndAdjust(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		c, _ := newCore(t, d)
		srv, iss := serve(t, c)
		staffTok := iss.Token(t, auth.Staff)
		code, body := do(t, "PUT", srv.URL+"/api/v1/admin/inventory/MUG-1", staffTok,
			`{"warehouse":"main","on_hand":5,"reason":"delivery","low_stock_threshold":2}`)
		if code != 200 || body["available"] != 5.0 {
			t.Fatalf("adjust: %d %v", code, body)
		}
		code, body = do(t, "GET", srv.URL+"/api/v1/inventory/MUG-1", "", "")
		want := map[string]any{"sku": "MUG-1", "available": 5.0, "on_hand": 5.0, "reserved": 0.0, "in_stock": true, "low_stock": false}
		if code != 200 || len(body) != len(want) {
			t.Fatalf("get: %d %v", code, body)
		}
		for k, v := range want {
			if body[k] != v {
				t.Errorf("%s = %v, want %v", k, body[k], v)
			}
		}
		code, body = do(t, "GET", srv.URL+"/api/v1/admin/inventory/MUG-1/adjustments", staffTok, "")
		if items, _ := body["items"].([]any); code != 200 || len(items) != 1 {
			t.Fatalf("trail: %d %v", code, body)
		}
	})
}

func TestHTTPRejects(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, db.SQLite)
	c, _ := newCore(t, d)
	srv, iss := serve(t, c)
	staffTok := iss.Token(t, auth.Staff)
	good := `{"on_hand":1,"reason":"r"}`
	reserve := `{"lines":[{"sku":"A","quantity":1}]}`
	svcTok := iss.ServiceToken("order", auth.InventoryWrite)
	tests := []struct {
		name, method, path, token, body string
		wantStatus                      int
		wantField                       string
	}{
		{"unknown sku", "GET", "/api/v1/inventory/NOPE", "", "", 404, ""},
		{"anonymous adjust", "PUT", "/api/v1/admin/inventory/A", "", good, 401, ""},
		{"customer adjust", "PUT", "/api/v1/admin/inventory/A", iss.Token(t, auth.Customer), good, 403, ""},
		{"bad token", "PUT", "/api/v1/admin/inventory/A", "not-a-token", good, 401, ""},
		{"missing on_hand", "PUT", "/api/v1/admin/inventory/A", staffTok, `{"reason":"r"}`, 422, "on_hand"},
		{"negative on_hand", "PUT", "/api/v1/admin/inventory/A", staffTok, `{"on_hand":-2,"reason":"r"}`, 422, "on_hand"},
		{"huge on_hand", "PUT", "/api/v1/admin/inventory/A", staffTok, `{"on_hand":1e30,"reason":"r"}`, 400, "on_hand"},
		{"overflowing on_hand", "PUT", "/api/v1/admin/inventory/A", staffTok, `{"on_hand":99999999999999999999,"reason":"r"}`, 400, "on_hand"},
		{"string on_hand", "PUT", "/api/v1/admin/inventory/A", staffTok, `{"on_hand":"5","reason":"r"}`, 400, "on_hand"},
		{"missing reason", "PUT", "/api/v1/admin/inventory/A", staffTok, `{"on_hand":5}`, 422, "reason"},
		{"unknown field", "PUT", "/api/v1/admin/inventory/A", staffTok, `{"on_hand":5,"reason":"r","qty":1}`, 400, "qty"},
		{"malformed", "PUT", "/api/v1/admin/inventory/A", staffTok, `{"on_hand":`, 400, ""},
		{"bad limit", "GET", "/api/v1/admin/inventory/A/adjustments?limit=0", staffTok, "", 422, "limit"},
		{"available without sku", "GET", "/api/v1/inventory", "", "", 422, "sku"},
		{"anonymous reserve", "PUT", "/api/v1/internal/inventory/reservations/o1", "", reserve, 401, ""},
		{"customer reserve", "PUT", "/api/v1/internal/inventory/reservations/o1", iss.Token(t, auth.Customer), reserve, 403, ""},
		{"customer release", "DELETE", "/api/v1/internal/inventory/reservations/o1", iss.Token(t, auth.Customer), "", 403, ""},
		{"negative quantity", "PUT", "/api/v1/internal/inventory/reservations/o1", svcTok, `{"lines":[{"sku":"A","quantity":-1}]}`, 422, "lines[0].quantity"},
		{"huge quantity", "PUT", "/api/v1/internal/inventory/reservations/o1", svcTok, `{"lines":[{"sku":"A","quantity":10000000}]}`, 422, "lines[0].quantity"},
		{"no lines", "PUT", "/api/v1/internal/inventory/reservations/o1", svcTok, `{"lines":[]}`, 422, "lines"},
		{"bad ttl", "PUT", "/api/v1/internal/inventory/reservations/o1", svcTok, `{"lines":[{"sku":"A","quantity":1}],"ttl_seconds":-5}`, 422, "ttl_seconds"},
		{"unknown sku reserve", "PUT", "/api/v1/internal/inventory/reservations/o1", svcTok, reserve, 404, "lines[0].sku"},
		{"unknown reservation", "GET", "/api/v1/internal/inventory/reservations/o1", svcTok, "", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, p := do(t, tt.method, srv.URL+tt.path, tt.token, tt.body)
			if code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %v", code, tt.wantStatus, p)
			}
			if tt.wantField != "" && !namesField(p, tt.wantField) {
				t.Fatalf("problem %v does not name %s", p, tt.wantField)
			}
		})
	}
}
