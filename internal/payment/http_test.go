package payment

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/auth/authtest"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

func serve(t *testing.T, f *fixture) (*httptest.Server, *authtest.Issuer) {
	t.Helper()
	iss := authtest.New(t)
	rt := httpx.NewRouter(nil)
	NewHandler(f.Core, f.Core).Routes(rt)
	srv := httptest.NewServer(httpx.Middleware(auth.Middleware(iss.Verifier(), rt), httpx.Options{}))
	t.Cleanup(srv.Close)
	return srv, iss
}

func post(t *testing.T, url, signature, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set(SignatureHeader, signature)
	}
	return send(t, req)
}

func send(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%d %q is not JSON", resp.StatusCode, raw)
	}
	if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != httpx.ContentTypeProblem {
		t.Errorf("error with content type %q", resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode, v
}

func TestCallbacks(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		srv, _ := serve(t, f)
		url := srv.URL + "/api/v1/payments/callbacks/test"
		in := f.authorized(t, 1000)
		if _, err := f.Capture(context.Background(), in.ID, 0); err != nil {
			t.Fatal(err)
		}
		body := `{"id":"evt_1","type":"charge.refunded","ref":"` + in.ProviderRef + `","amount":250}`
		now := f.clock.Now()
		good := Sign(testSecret, []byte(body), now)

		tests := []struct {
			name, url, sig, body string
			wantStatus           int
		}{
			{"no signature", url, "", body, 401},
			{"wrong secret", url, Sign([]byte("other"), []byte(body), now), body, 401},
			{"tampered body", url, good, strings.Replace(body, "250", "950", 1), 401},
			{"too old", url, Sign(testSecret, []byte(body), now.Add(-10*time.Minute)), body, 401},
			{"from the future", url, Sign(testSecret, []byte(body), now.Add(10*time.Minute)), body, 401},
			{"garbage header", url, "t=abc,v1=zz", body, 401},
			{"unknown provider", srv.URL + "/api/v1/payments/callbacks/acme", good, body, 404},
			{"not json", url, Sign(testSecret, []byte("{"), now), "{", 400},
			{"no id", url, Sign(testSecret, []byte(`{"type":"x"}`), now), `{"type":"x"}`, 422},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if code, p := post(t, tt.url, tt.sig, tt.body); code != tt.wantStatus {
					t.Fatalf("status %d, want %d: %v", code, tt.wantStatus, p)
				}
			})
		}
		if got, _ := f.Get(context.Background(), in.ID); got.Refunded != 0 {
			t.Fatalf("a refused callback refunded %d", got.Refunded)
		}
		for i, wantDup := range []bool{false, true} {
			code, v := post(t, url, good, body)
			if code != 200 || v["duplicate"] != wantDup {
				t.Fatalf("delivery %d: %d %v", i, code, v)
			}
		}
		got, _ := f.Get(context.Background(), in.ID)
		if got.Refunded != 250 || got.Status != PartiallyRefunded || eventCount(t, d, EventRefunded) != 1 {
			t.Fatalf("after refund callback %+v", got)
		}
		if last := got.Steps[len(got.Steps)-1]; last.Kind != StepCallback || !last.Succeeded || last.Code != CallbackRefunded {
			t.Fatalf("callback step %+v", last)
		}

		held := f.authorized(t, 500)
		exp := `{"id":"evt_2","type":"authorization.expired","ref":"` + held.ProviderRef + `"}`
		if code, v := post(t, url, Sign(testSecret, []byte(exp), now), exp); code != 200 {
			t.Fatalf("expiry callback: %d %v", code, v)
		}
		if got, _ := f.Get(context.Background(), held.ID); got.Status != Voided {
			t.Fatalf("after expiry callback %+v", got)
		}
		other := `{"id":"evt_3","type":"something.else","ref":"nobody"}`
		if code, v := post(t, url, Sign(testSecret, []byte(other), now), other); code != 200 {
			t.Fatalf("unknown ref: %d %v", code, v)
		}
	})
}

func TestHTTPAdminGet(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dbtest.Open(t, db.SQLite))
	srv, iss := serve(t, f)
	in := f.authorized(t, 1000)
	tests := []struct {
		name, id, token string
		wantStatus      int
	}{
		{"anonymous", in.ID, "", 401},
		{"customer", in.ID, iss.Token(t, auth.Customer), 403},
		{"staff", in.ID, iss.Token(t, auth.Staff), 200},
		{"unknown", "pi_nope", iss.Token(t, auth.Staff), 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest("GET", srv.URL+"/api/v1/admin/payments/"+tt.id, nil)
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			code, v := send(t, req)
			if code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %v", code, tt.wantStatus, v)
			}
			if code == 200 && (v["card_last4"] != "4242" || v["status"] != "authorized") {
				t.Fatalf("intent %v", v)
			}
		})
	}
}
