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

func TestHTTPInternalRejects(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dbtest.Open(t, db.SQLite))
	srv, iss := serve(t, f)
	in := f.authorized(t, 1000)
	order := iss.ServiceToken("order", auth.OrdersManage)
	base := srv.URL + "/api/v1/internal/payments"
	tests := []struct {
		name, path, token, body string
		wantStatus              int
		wantField               string
	}{
		{"anonymous create", "/intents", "", `{"order_id":"o","amount":1,"currency":"USD"}`, 401, ""},
		{"customer create", "/intents", iss.Token(t, auth.Customer), `{"order_id":"o","amount":1,"currency":"USD"}`, 403, ""},
		{"negative amount", "/intents", order, `{"order_id":"o","amount":-1,"currency":"USD"}`, 422, "amount"},
		{"huge amount", "/intents", order, `{"order_id":"o","amount":1e40,"currency":"USD"}`, 400, "amount"},
		{"bad currency", "/intents", order, `{"order_id":"o","amount":1,"currency":"usd"}`, 422, "currency"},
		{"unknown field", "/intents", order, `{"order_id":"o","amount":1,"currency":"USD","tip":5}`, 400, "tip"},
		{"card as number", "/intents/" + in.ID + "/authorize", order, `{"card_number":4242424242424242}`, 400, "card_number"},
		{"unknown intent", "/intents/pi_x/authorize", order, `{"card_number":"4242"}`, 404, ""},
		{"negative capture", "/intents/" + in.ID + "/capture", order, `{"amount":-5}`, 422, "amount"},
		{"staff refund", "/intents/" + in.ID + "/refund", iss.Token(t, auth.Staff), `{"amount":1}`, 403, ""},
		{"order refund without permission", "/intents/" + in.ID + "/refund", order, `{"amount":1}`, 403, ""},
		{"refund of uncaptured", "/intents/" + in.ID + "/refund", iss.Token(t, auth.Admin), `{"amount":1}`, 409, ""},
		{"anonymous pay", "/pay", "", `{"order_id":"o","amount":1,"currency":"USD","card":{"card_number":"4242424242424242"}}`, 401, ""},
		{"customer pay", "/pay", iss.Token(t, auth.Customer), `{"order_id":"o","amount":1,"currency":"USD","card":{"card_number":"4242424242424242"}}`, 403, ""},
		{"pay a negative amount", "/pay", order, `{"order_id":"o","amount":-1,"currency":"USD","card":{"card_number":"4242424242424242"}}`, 422, "amount"},
		{"pay with a card as number", "/pay", order, `{"order_id":"o","amount":1,"currency":"USD","card":{"card_number":4242424242424242}}`, 400, "card.card_number"},
		{"pay with an unknown field", "/pay", order, `{"order_id":"o","amount":1,"currency":"USD","card":{"card_number":"4242424242424242"},"tip":5}`, 400, "tip"},
		{"pay with an invalid card", "/pay", order, `{"order_id":"o","amount":1,"currency":"USD","card":{"card_number":"1234"}}`, 422, "card_number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest("POST", base+tt.path, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			code, p := send(t, req)
			if code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %v", code, tt.wantStatus, p)
			}
			if tt.wantField != "" && !namesField(p, tt.wantField) {
				t.Fatalf("problem %v does not name %s", p, tt.wantField)
			}
		})
	}
	// A declined card is a 402 problem the checkout can show.
	fresh := f.intent(t, 700)
	req, _ := http.NewRequest("POST", base+"/intents/"+fresh.ID+"/authorize", strings.NewReader(`{"card_number":"4000000000000002"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+order)
	if code, p := send(t, req); code != 402 || p["code"] != "card_declined" {
		t.Fatalf("declined: %d %v", code, p)
	}
	// A declined pay is the same 402, naming the intent it recorded so the caller can void it.
	req, _ = http.NewRequest("POST", base+"/pay", strings.NewReader(
		`{"order_id":"o-402","amount":700,"currency":"USD","card":{"card_number":"4000000000000002"},"capture":true}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+order)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	id := resp.Header.Get("Pasar-Payment-Intent")
	if got, err := f.Get(context.Background(), id); resp.StatusCode != 402 || err != nil || got.OrderID != "o-402" || got.Status != RequiresPayment {
		t.Fatalf("declined pay: %d, intent %q: %+v, %v", resp.StatusCode, id, got, err)
	}
}

func namesField(p map[string]any, field string) bool {
	errs, _ := p["errors"].([]any)
	for _, e := range errs {
		if m, _ := e.(map[string]any); m["field"] == field {
			return true
		}
	}
	return false
}
