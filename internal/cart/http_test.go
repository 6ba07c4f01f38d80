package cart

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/auth/authtest"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

type api struct {
	t   *testing.T
	srv *httptest.Server
	iss *authtest.Issuer
}

func newAPI(t *testing.T, st Store, d *db.DB) *api {
	rt := httpx.NewRouter(nil)
	NewHandler(newService(st, d, testCatalog())).Routes(rt)
	iss := authtest.New(t)
	srv := httptest.NewServer(httpx.Middleware(auth.Middleware(iss.Verifier(), rt), httpx.Options{}))
	t.Cleanup(srv.Close)
	return &api{t: t, srv: srv, iss: iss}
}

// do sends a request (body "" for none) with token (if any) and returns the status and the
// decoded JSON answer.
func (a *api) do(method, path, token, body string) (int, map[string]any) {
	a.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, a.srv.URL+path, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			a.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
	}
	if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
		a.t.Fatalf("%s %s: %d with content type %q", method, path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode, out
}

// problemField returns the first field a problem names.
func problemField(p map[string]any) string {
	for _, key := range []string{"errors", "fields"} {
		if fs, ok := p[key].([]any); ok && len(fs) > 0 {
			f, _ := fs[0].(map[string]any)
			s, _ := f["field"].(string)
			return s
		}
	}
	return ""
}

func TestHTTP(t *testing.T) {
	t.Parallel()
	storeKinds(t, func(t *testing.T, st Store, d *db.DB) {
		a := newAPI(t, st, d)
		status, c := a.do("POST", "/api/v1/carts", "", `{"currency":"USD"}`)
		if status != 201 || c["currency"] != "USD" || c["totals"] == nil {
			t.Fatalf("create: %d %v", status, c)
		}
		if items, ok := c["items"].([]any); !ok || len(items) != 0 {
			t.Fatalf("items of a new cart: %v", c["items"])
		}
		id := c["id"].(string)
		if status, c := a.do("POST", "/api/v1/carts", "", ""); status != 201 || c["currency"] != "USD" {
			t.Fatalf("create without body: %d %v", status, c)
		}

		status, c = a.do("POST", "/api/v1/carts/"+id+"/items", "", `{"sku":"TEE-M","quantity":2}`)
		if status != 200 || c["totals"].(map[string]any)["subtotal"].(float64) != 3998 {
			t.Fatalf("add: %d %v", status, c)
		}
		if status, c = a.do("PATCH", "/api/v1/carts/"+id+"/items/TEE-M", "", `{"quantity":1}`); status != 200 {
			t.Fatalf("patch: %d %v", status, c)
		}
		if status, c = a.do("GET", "/api/v1/carts/"+id, "", ""); status != 200 || c["items"].([]any)[0].(map[string]any)["quantity"].(float64) != 1 {
			t.Fatalf("get: %d %v", status, c)
		}
		if status, c = a.do("DELETE", "/api/v1/carts/"+id+"/items/TEE-M", "", ""); status != 200 || len(c["items"].([]any)) != 0 {
			t.Fatalf("delete: %d %v", status, c)
		}

		t.Run("bad input", func(t *testing.T) {
			cases := []struct {
				name, method, path, body string
				status                   int
				field                    string
			}{
				{"zero quantity", "POST", "/items", `{"sku":"TEE-M","quantity":0}`, 422, "quantity"},
				{"negative quantity", "POST", "/items", `{"sku":"TEE-M","quantity":-1}`, 422, "quantity"},
				{"huge quantity", "POST", "/items", `{"sku":"TEE-M","quantity":99999999999}`, 422, "quantity"},
				{"beyond int64", "POST", "/items", `{"sku":"TEE-M","quantity":1e30}`, 400, "quantity"},
				{"fractional", "POST", "/items", `{"sku":"TEE-M","quantity":1.5}`, 400, "quantity"},
				{"quantity as string", "POST", "/items", `{"sku":"TEE-M","quantity":"2"}`, 400, "quantity"},
				{"missing quantity", "POST", "/items", `{"sku":"TEE-M"}`, 422, "quantity"},
				{"unknown sku", "POST", "/items", `{"sku":"NOPE","quantity":1}`, 422, "sku"},
				{"empty sku", "POST", "/items", `{"sku":"","quantity":1}`, 422, "sku"},
				{"currency mismatch", "POST", "/items", `{"sku":"EURO-1","quantity":1}`, 422, "sku"},
				{"out of stock", "POST", "/items", `{"sku":"LIMITED-1","quantity":4}`, 409, "quantity"},
				{"unknown field", "POST", "/items", `{"sku":"TEE-M","quantity":1,"price":1}`, 400, "price"},
				{"patch zero", "PATCH", "/items/TEE-M", `{"quantity":0}`, 422, "quantity"},
				{"patch unknown field", "PATCH", "/items/TEE-M", `{"qty":2}`, 400, "qty"},
				{"bad discount", "POST", "/discount", `{"code":"NOPE"}`, 422, "code"},
				{"empty discount", "POST", "/discount", `{"code":""}`, 422, "code"},
				{"bad country", "PATCH", "", `{"country":"Germany"}`, 422, "country"},
				{"bad method", "PATCH", "", `{"shipping_method":"teleport"}`, 422, "shipping_method"},
				{"bad currency", "POST", "!create", `{"currency":"XYZ"}`, 422, "currency"},
				{"create unknown field", "POST", "!create", `{"currency":"USD","owner":"me"}`, 400, "owner"},
				{"malformed id", "GET", "!/api/v1/carts/not-an-id", "", 400, "id"},
				{"malformed id on add", "POST", "!/api/v1/carts/xyz/items", `{"sku":"TEE-M","quantity":1}`, 400, "id"},
				{"merge as guest", "POST", "/merge", "", 401, ""},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					path := "/api/v1/carts/" + id + tc.path
					switch {
					case tc.path == "!create":
						path = "/api/v1/carts"
					case strings.HasPrefix(tc.path, "!"):
						path = tc.path[1:]
					}
					status, p := a.do(tc.method, path, "", tc.body)
					if status != tc.status || problemField(p) != tc.field {
						t.Fatalf("%d %v; want %d naming %q", status, p, tc.status, tc.field)
					}
				})
			}
		})

		t.Run("customer and merge", func(t *testing.T) {
			alice := a.iss.Token(t, auth.Customer)
			status, mine := a.do("POST", "/api/v1/carts", alice, `{}`)
			if status != 201 {
				t.Fatalf("%d %v", status, mine)
			}
			mineID := mine["id"].(string)
			if status, _ := a.do("GET", "/api/v1/carts/"+mineID, "", ""); status != 404 {
				t.Fatalf("guest reads a customer's cart: %d", status)
			}
			if status, _ := a.do("GET", "/api/v1/carts/"+mineID, a.iss.Token(t, auth.Customer), ""); status != 404 {
				t.Fatalf("another customer reads it: %d", status)
			}
			_, guest := a.do("POST", "/api/v1/carts", "", "")
			gid := guest["id"].(string)
			a.do("POST", "/api/v1/carts/"+gid+"/items", "", `{"sku":"MUG-1","quantity":1}`)
			status, merged := a.do("POST", "/api/v1/carts/"+gid+"/merge", alice, "")
			if status != 200 || merged["id"] != mineID || len(merged["items"].([]any)) != 1 {
				t.Fatalf("merge: %d %v", status, merged)
			}
		})

		t.Run("discount admin", func(t *testing.T) {
			admin := a.iss.Token(t, auth.Admin)
			body := `{"code":"WELCOME","kind":"percent","percent":10}`
			if status, _ := a.do("POST", "/api/v1/admin/discounts", "", body); status != 401 {
				t.Fatalf("anonymous: %d", status)
			}
			if status, _ := a.do("POST", "/api/v1/admin/discounts", a.iss.Token(t, auth.Customer), body); status != 403 {
				t.Fatalf("customer: %d", status)
			}
			if status, p := a.do("POST", "/api/v1/admin/discounts", admin, body); status != 201 {
				t.Fatalf("create: %d %v", status, p)
			}
			if status, p := a.do("POST", "/api/v1/admin/discounts", admin, body); status != 409 || problemField(p) != "code" {
				t.Fatalf("duplicate: %d %v", status, p)
			}
			if status, p := a.do("POST", "/api/v1/admin/discounts", admin, `{"code":"X","kind":"percent","percent":10,"bogus":1}`); status != 400 || problemField(p) != "bogus" {
				t.Fatalf("unknown field: %d %v", status, p)
			}
			if status, p := a.do("POST", "/api/v1/admin/discounts", admin, `{"code":"X","kind":"fixed","amount_off":5}`); status != 422 || problemField(p) != "currency" {
				t.Fatalf("invalid: %d %v", status, p)
			}
			if status, p := a.do("GET", "/api/v1/admin/discounts", admin, ""); status != 200 || len(p["items"].([]any)) != 1 {
				t.Fatalf("list: %d %v", status, p)
			}
			a.do("POST", "/api/v1/carts/"+id+"/items", "", `{"sku":"MUG-1","quantity":2}`)
			if status, c := a.do("POST", "/api/v1/carts/"+id+"/discount", "", `{"code":"welcome"}`); status != 200 || c["totals"].(map[string]any)["discount"].(float64) != 250 {
				t.Fatalf("apply: %d %v", status, c)
			}
			if status, _ := a.do("DELETE", "/api/v1/admin/discounts/WELCOME", admin, ""); status != 204 {
				t.Fatalf("delete: %d", status)
			}
			if status, _ := a.do("DELETE", "/api/v1/admin/discounts/WELCOME", admin, ""); status != 404 {
				t.Fatalf("delete again: %d", status)
			}
		})
	})
}

// TestHTTPHostileText sends NUL bytes, invalid UTF-8 and oversized text wherever a client can put
// text: every answer is a 4xx, on every store (PostgreSQL rejects such text with an error that
// would otherwise be a 500).
func TestHTTPHostileText(t *testing.T) {
	t.Parallel()
	storeKinds(t, func(t *testing.T, st Store, d *db.DB) {
		a := newAPI(t, st, d)
		_, c := a.do("POST", "/api/v1/carts", "", "")
		id := c["id"].(string)
		admin := a.iss.Token(t, auth.Admin)
		hostile := []string{`\u0000`, "\xff\xfe", `A\u0000B`, strings.Repeat("x", 5000)}
		for i, h := range hostile {
			// Written into the JSON string as they are: \u0000 escapes and raw invalid bytes.
			jh := []byte(`"` + h + `"`)
			esc := strings.ReplaceAll(strings.ReplaceAll(h, `\u0000`, "%00"), "\xff\xfe", "%FF%FE")
			cases := []struct{ method, path, token, body string }{
				{"POST", "/api/v1/carts", "", `{"currency":` + string(jh) + `}`},
				{"POST", "/api/v1/carts/" + id + "/items", "", `{"sku":` + string(jh) + `,"quantity":1}`},
				{"PATCH", "/api/v1/carts/" + id + "/items/" + esc, "", `{"quantity":1}`},
				{"DELETE", "/api/v1/carts/" + id + "/items/" + esc, "", ""},
				{"GET", "/api/v1/carts/" + esc, "", ""},
				{"POST", "/api/v1/carts/" + id + "/discount", "", `{"code":` + string(jh) + `}`},
				{"PATCH", "/api/v1/carts/" + id, "", `{"country":` + string(jh) + `}`},
				{"PATCH", "/api/v1/carts/" + id, "", `{"region":` + string(jh) + `}`},
				{"PATCH", "/api/v1/carts/" + id, "", `{"shipping_method":` + string(jh) + `}`},
				{"POST", "/api/v1/admin/discounts", admin, `{"code":` + string(jh) + `,"kind":"percent","percent":5}`},
				{"POST", "/api/v1/admin/discounts", admin, `{"code":"OK` + strconv.Itoa(i) + `","kind":"fixed","amount_off":5,"currency":` + string(jh) + `}`},
				{"GET", "/api/v1/admin/discounts/" + esc, admin, ""},
				{"DELETE", "/api/v1/admin/discounts/" + esc, admin, ""},
			}
			for _, tc := range cases {
				status, p := a.do(tc.method, tc.path, tc.token, tc.body)
				if status < 400 || status >= 500 {
					t.Errorf("%s %.80q %.80q: %d %v", tc.method, tc.path, tc.body, status, p)
				}
			}
		}
	})
}
