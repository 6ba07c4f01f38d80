package httpx_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/httpx"
)

type item struct {
	Name  string   `json:"name"`
	Price int64    `json:"price"`
	Tags  []string `json:"tags"`
}

func createItem(w http.ResponseWriter, r *http.Request) {
	var in item
	if err := httpx.Decode(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusCreated, in)
}

func TestDecode(t *testing.T) {
	t.Parallel()
	s := newStack(httpx.Options{MaxBodyBytes: 64})
	s.router.HandleFunc("POST /items", createItem)

	tests := []struct {
		name        string
		contentType string
		body        string
		wantStatus  int
		wantCode    string
		wantField   string // in the problem's errors
		wantDetail  string // substring of the detail
	}{
		{"valid", "application/json", `{"name":"mug","price":1250}`, 201, "", "", ""},
		{"charset parameter", "application/json; charset=utf-8", `{"name":"mug"}`, 201, "", "", ""},
		{"structured +json type", "application/merge-patch+json", `{"name":"mug"}`, 201, "", "", ""},
		{"malformed", "application/json", `{"name": }`, 400, "malformed_json", "", "at byte 10"},
		{"truncated", "application/json", `{"name":"mug"`, 400, "malformed_json", "", "ends in the middle"},
		{"not json at all", "application/json", `<item/>`, 400, "malformed_json", "", "at byte 1: invalid character"},
		{"unknown field", "application/json", `{"name":"mug","colour":"red"}`, 400, "unknown_field", "colour", `"colour"`},
		{"wrong type", "application/json", `{"price":"12"}`, 400, "wrong_type", "price", "must be an integer, not string"},
		{"wrong type in array", "application/json", `{"tags":[1]}`, 400, "wrong_type", "tags", "must be a string"},
		{"empty body", "application/json", "", 400, "empty_body", "", "empty"},
		{"whitespace body", "application/json", "  \n", 400, "empty_body", "", "empty"},
		{"trailing garbage", "application/json", `{"name":"mug"} xyz`, 400, "trailing_data", "", "after the JSON value"},
		{"two values", "application/json", `{} {}`, 400, "trailing_data", "", "after the JSON value"},
		{"oversized", "application/json", `{"name":"` + strings.Repeat("a", 100) + `"}`, 413, "body_too_large", "", "64 bytes"},
		{"oversized after the value", "application/json", `{"name":"mug"}` + strings.Repeat(" ", 100), 413, "body_too_large", "", "64 bytes"},
		{"wrong content type", "text/plain", `{"name":"mug"}`, 415, "unsupported_media_type", "", "JSON"},
		{"form content type", "application/x-www-form-urlencoded", `name=mug`, 415, "unsupported_media_type", "", ""},
		{"no content type", "", `{"name":"mug"}`, 415, "unsupported_media_type", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := s.do(http.MethodPost, "/items", tt.contentType, tt.body)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.wantStatus < 400 {
				if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
				return
			}
			p := problem(t, rec.Code, rec.Header(), rec.Body.Bytes())
			if p.Code != tt.wantCode {
				t.Errorf("code %q, want %q", p.Code, tt.wantCode)
			}
			if !strings.Contains(p.Detail, tt.wantDetail) {
				t.Errorf("detail %q lacks %q", p.Detail, tt.wantDetail)
			}
			if tt.wantField != "" && (len(p.Errors) != 1 || p.Errors[0].Field != tt.wantField) {
				t.Errorf("errors %+v, want one for field %q", p.Errors, tt.wantField)
			}
			if p.RequestID == "" || p.RequestID != rec.Header().Get("X-Request-Id") {
				t.Errorf("request_id %q, header %q", p.RequestID, rec.Header().Get("X-Request-Id"))
			}
		})
	}
}

// TestDecodeWithoutMiddleware checks the default cap applies when nothing
// else limits the body.
func TestDecodeWithoutMiddleware(t *testing.T) {
	t.Parallel()
	body := `{"name":"` + strings.Repeat("a", httpx.DefaultMaxBodyBytes) + `"}`
	r := httptest.NewRequest(http.MethodPost, "/items", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	createItem(rec, r)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", rec.Code)
	}
	problem(t, rec.Code, rec.Header(), rec.Body.Bytes())
}

func TestJSONEncodingFailure(t *testing.T) {
	t.Parallel()
	s := newStack(httpx.Options{})
	s.router.HandleFunc("GET /bad", func(w http.ResponseWriter, r *http.Request) {
		httpx.JSON(w, http.StatusOK, map[string]any{"c": make(chan int)})
	})
	rec := s.do(http.MethodGet, "/bad", "", "")
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", rec.Code)
	}
	p := problem(t, rec.Code, rec.Header(), rec.Body.Bytes())
	if p.RequestID != rec.Header().Get("X-Request-Id") {
		t.Errorf("request_id %q, header %q", p.RequestID, rec.Header().Get("X-Request-Id"))
	}
	if len(s.log.lines(t, "encode response")) != 1 {
		t.Errorf("encoding failure not logged: %s", s.log)
	}
}
