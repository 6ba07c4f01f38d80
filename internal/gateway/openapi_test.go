package gateway_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/pasarhq/pasar/internal/app"
	"github.com/pasarhq/pasar/internal/edge"
	"github.com/pasarhq/pasar/internal/edge/waf"
	"github.com/pasarhq/pasar/internal/gateway"
	"github.com/pasarhq/pasar/internal/platform/config"
	"github.com/pasarhq/pasar/internal/platform/httpx"
	"github.com/pasarhq/pasar/internal/platform/observability"
)

type document struct {
	Paths map[string]map[string]json.RawMessage `json:"paths"`
}

func getDocument(t *testing.T, h http.Handler) (document, *httptest.ResponseRecorder) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/openapi.json", nil))
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET /openapi.json: %d %s: %.300s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	var d document
	if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	return d, rec
}

// TestOpenAPIIsTheWholeAPI: a client of the distributed shape reads one document at the
// gateway, with every path the all-in-one process documents and the same operations, except the
// service-to-service paths the gateway refuses; the gateway's own /readyz is described as it
// answers.
func TestOpenAPIIsTheWholeAPI(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.DataDir, cfg.WAF = t.TempDir(), "off"
	a, err := app.New(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	all, _ := getDocument(t, a.Handler())

	reg := observability.NewRegistry()
	g, err := gateway.New(gateway.Options{Upstreams: map[string][]string{"catalog": {"http://127.0.0.1:1"}},
		OpenAPI: app.OpenAPIDocuments(), Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	e, err := edge.New(edge.Options{WAF: waf.Off})
	if err != nil {
		t.Fatal(err)
	}
	srv := gateway.NewServer(g, e, reg, httpx.Options{})
	got, rec := getDocument(t, srv)

	for path, ops := range all.Paths {
		r, _ := gateway.Lookup(path)
		switch {
		case r.Internal:
			if _, ok := got.Paths[path]; ok {
				t.Errorf("%s is service-to-service, refused at the gateway, but its document describes it", path)
			}
		case got.Paths[path] == nil:
			t.Errorf("%s: in the all-in-one document, not in the gateway's", path)
		case operations[path]: // the gateway's own, described as it answers them
			if _, ok := got.Paths[path]["get"]; !ok {
				t.Errorf("the gateway's %s is not described", path)
			}
		case !reflect.DeepEqual(opsOf(ops), opsOf(got.Paths[path])):
			t.Errorf("%s: operations differ from the all-in-one document's", path)
		}
	}
	for path := range got.Paths {
		if all.Paths[path] == nil {
			t.Errorf("%s: in the gateway's document, not the all-in-one's", path)
		}
	}
	if len(got.Paths) < 40 {
		t.Errorf("the gateway's document has only %d paths", len(got.Paths))
	}
	readyz := string(got.Paths["/readyz"]["get"])
	if !json.Valid([]byte(readyz)) || !strings.Contains(readyz, `"services"`) || !strings.Contains(readyz, `"degraded"`) {
		t.Errorf("/readyz described as %.300s; want the gateway's answer (status degraded, services)", readyz)
	}

	etag := rec.Header().Get("ETag")
	req := httptest.NewRequest(http.MethodGet, "/openapi.json", nil)
	req.Header.Set("If-None-Match", etag)
	again := httptest.NewRecorder()
	srv.ServeHTTP(again, req)
	if etag == "" || again.Code != http.StatusNotModified {
		t.Errorf("ETag %q, revalidation answered %d; want 304", etag, again.Code)
	}
}

// opsOf decodes each operation, so the comparison ignores how the JSON was spaced.
func opsOf(ops map[string]json.RawMessage) map[string]any {
	out := map[string]any{}
	for k, v := range ops {
		var x any
		_ = json.Unmarshal(v, &x)
		out[k] = x
	}
	return out
}
