package notification

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/auth/authtest"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

func TestWebhookAPI(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := newService(t, d, Options{Mailer: &FileMailer{Dir: t.TempDir()}})
		r := httpx.NewRouter(nil)
		s.Routes(r)
		do := func(ctx context.Context, method, path, body string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(method, path, strings.NewReader(body)).WithContext(ctx)
			if body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, req)
			return rec
		}
		fields := func(rec *httptest.ResponseRecorder) []string {
			var p struct {
				Errors []struct{ Field string } `json:"errors"`
			}
			json.Unmarshal(rec.Body.Bytes(), &p)
			var out []string
			for _, e := range p.Errors {
				out = append(out, e.Field)
			}
			return out
		}
		staff := auth.WithPrincipal(context.Background(), authtest.Principal(auth.Staff))
		bad := []struct {
			name, body string
			status     int
			fields     []string
		}{
			{"ftp url", `{"url":"ftp://x.test/h","event_types":["order.paid"]}`, 422, []string{"url"}},
			{"relative url", `{"url":"/hooks","event_types":["*"]}`, 422, []string{"url"}},
			{"no types", `{"url":"https://x.test/h","event_types":[]}`, 422, []string{"event_types"}},
			{"unknown type", `{"url":"https://x.test/h","event_types":["order.paid","user.password_reset_requested"]}`, 422, []string{"event_types[1]"}},
			{"bad secret", `{"url":"https://x.test/h","event_types":["*"],"secret":"hunter2"}`, 422, []string{"secret"}},
			{"unknown field", `{"url":"https://x.test/h","event_types":["*"],"colour":"red"}`, 400, nil},
			{"not json", `{"url":`, 400, nil},
			// Internal targets, by class (names that resolve to them are refused when dialled).
			{"loopback", `{"url":"http://127.0.0.1:8080/h","event_types":["*"]}`, 422, []string{"url"}},
			{"loopback v6", `{"url":"http://[::1]/h","event_types":["*"]}`, 422, []string{"url"}},
			{"localhost", `{"url":"http://localhost/h","event_types":["*"]}`, 422, []string{"url"}},
			{"private", `{"url":"https://10.1.2.3/h","event_types":["*"]}`, 422, []string{"url"}},
			{"private 192.168", `{"url":"https://192.168.1.20/h","event_types":["*"]}`, 422, []string{"url"}},
			{"cloud metadata", `{"url":"http://169.254.169.254/latest/meta-data/","event_types":["*"]}`, 422, []string{"url"}},
			{"link-local v6", `{"url":"http://[fe80::1]/h","event_types":["*"]}`, 422, []string{"url"}},
			{"unique local", `{"url":"http://[fd12:3456::1]/h","event_types":["*"]}`, 422, []string{"url"}},
			{"multicast", `{"url":"http://224.0.0.251/h","event_types":["*"]}`, 422, []string{"url"}},
			{"unspecified", `{"url":"http://0.0.0.0:8080/h","event_types":["*"]}`, 422, []string{"url"}},
			{"mapped loopback", `{"url":"http://[::ffff:127.0.0.1]/h","event_types":["*"]}`, 422, []string{"url"}},
		}
		for _, b := range bad {
			rec := do(admin(), "POST", "/api/v1/admin/webhooks", b.body)
			if rec.Code != b.status || (b.fields != nil && !slices.Equal(fields(rec), b.fields)) {
				t.Errorf("%s: %d %s", b.name, rec.Code, rec.Body)
			}
		}
		if rec := do(staff, "POST", "/api/v1/admin/webhooks", `{"url":"https://x.test/h","event_types":["*"]}`); rec.Code != 403 {
			t.Errorf("staff registers: %d", rec.Code)
		}
		rec := do(admin(), "POST", "/api/v1/admin/webhooks", `{"url":"https://x.test/h","event_types":["order.paid","*"],"description":"ERP"}`)
		if rec.Code != 201 {
			t.Fatalf("create: %d %s", rec.Code, rec.Body)
		}
		var ep Endpoint
		json.Unmarshal(rec.Body.Bytes(), &ep)
		if _, err := secretKey(ep.Secret); err != nil || !slices.Equal(ep.EventTypes, []string{"*"}) || rec.Header().Get("Location") == "" {
			t.Fatalf("created %+v: %v", ep, err)
		}
		rec = do(admin(), "GET", "/api/v1/admin/webhooks", "")
		if rec.Code != 200 || strings.Contains(rec.Body.String(), ep.Secret) || !strings.Contains(rec.Body.String(), ep.ID) {
			t.Errorf("list: %d %s", rec.Code, rec.Body)
		}
		if rec := do(admin(), "GET", "/api/v1/admin/webhooks/"+ep.ID, ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), ep.Secret) {
			t.Errorf("get: %d %s", rec.Code, rec.Body)
		}
		if rec := do(admin(), "GET", "/api/v1/admin/webhooks/"+ep.ID+"/deliveries?limit=0", ""); rec.Code != 422 {
			t.Errorf("limit 0: %d", rec.Code)
		}
		if rec := do(admin(), "DELETE", "/api/v1/admin/webhooks/"+ep.ID, ""); rec.Code != 204 {
			t.Errorf("delete: %d %s", rec.Code, rec.Body)
		}
		for _, p := range []string{"/api/v1/admin/webhooks/" + ep.ID, "/api/v1/admin/webhooks/ep_nope/deliveries"} {
			if rec := do(admin(), "GET", p, ""); rec.Code != 404 {
				t.Errorf("GET %s: %d", p, rec.Code)
			}
		}
		if rec := do(admin(), "DELETE", "/api/v1/admin/webhooks/"+ep.ID, ""); rec.Code != 404 {
			t.Errorf("delete again: %d", rec.Code)
		}
		// A deleted endpoint's log stays readable.
		if rec := do(admin(), "GET", "/api/v1/admin/webhooks/"+ep.ID+"/deliveries", ""); rec.Code != 200 {
			t.Errorf("deleted endpoint's log: %d %s", rec.Code, rec.Body)
		}
	})
}
