package identity

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/events"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// testArgon2 is cheap, so tests spend their time on behaviour, not hashing.
var testArgon2 = Argon2Params{MemoryKiB: 64, Iterations: 1, Threads: 1}

const goodPassword = "correct horse battery staple"

// clock is a settable time source shared by a test's Core.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is one test's identity service on its own store, served over HTTP.
type env struct {
	t     *testing.T
	d     *db.DB
	core  *Core
	clock *clock
	srv   *httptest.Server
}

func newEnv(t *testing.T, d *db.DB, opts ...func(*Options)) *env {
	t.Helper()
	ctx := context.Background()
	if _, err := db.Migrate(ctx, d, "events", events.Migrations); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx, d, "identity", Migrations); err != nil {
		t.Fatal(err)
	}
	clk := &clock{now: time.Now()}
	o := Options{Argon2: testArgon2, Now: clk.Now}
	for _, f := range opts {
		f(&o)
	}
	core, err := New(ctx, d, events.NewOutbox(d, nil, "identity", nil), o)
	if err != nil {
		t.Fatal(err)
	}
	r := httpx.NewRouter(nil)
	Routes(r, core)
	h := httpx.Middleware(auth.Middleware(core.Verifier(), SessionMiddleware(core, r)), httpx.Options{})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{t: t, d: d, core: core, clock: clk, srv: srv}
}

// resp is an HTTP answer with its decoded JSON body.
type resp struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func (r resp) str(key string) string { s, _ := r.body[key].(string); return s }

// fieldNamed reports whether the problem names field in its errors.
func (r resp) fieldNamed(field string) bool {
	errs, _ := r.body["errors"].([]any)
	for _, e := range errs {
		if m, _ := e.(map[string]any); m["field"] == field {
			return true
		}
	}
	return false
}

// do sends a JSON request (body nil for none) with an optional bearer token and extra headers.
func (e *env) do(method, path, token string, body any, headers ...string) resp {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := resp{status: res.StatusCode, header: res.Header, raw: raw}
	_ = json.Unmarshal(raw, &out.body)
	if res.StatusCode >= 400 && res.Header.Get("Content-Type") != httpx.ContentTypeProblem {
		e.t.Fatalf("%s %s: status %d with content type %q: %s", method, path, res.StatusCode, res.Header.Get("Content-Type"), raw)
	}
	if res.StatusCode >= 500 {
		e.t.Fatalf("%s %s: server error %d: %s", method, path, res.StatusCode, raw)
	}
	return out
}

// register creates an account over HTTP and fails the test unless it worked.
func (e *env) register(email string) {
	e.t.Helper()
	if r := e.do("POST", "/api/v1/auth/register", "", Credentials{email, goodPassword}); r.status != http.StatusCreated {
		e.t.Fatalf("register %s: %d %s", email, r.status, r.raw)
	}
}

// login returns the tokens of a successful login.
func (e *env) login(email, password string) (access, refresh string) {
	e.t.Helper()
	r := e.do("POST", "/api/v1/auth/login", "", Credentials{email, password})
	if r.status != http.StatusOK {
		e.t.Fatalf("login %s: %d %s", email, r.status, r.raw)
	}
	return r.str("access_token"), r.str("refresh_token")
}

// admin creates an admin account directly and returns its access token.
func (e *env) admin(email string) string {
	e.t.Helper()
	ctx := auth.WithPrincipal(context.Background(), operator)
	if _, err := e.core.CreateUser(ctx, Credentials{email, goodPassword}, auth.Admin); err != nil {
		e.t.Fatal(err)
	}
	access, _ := e.login(email, goodPassword)
	return access
}

// operator is the principal `pasar user create` acts as.
var operator = auth.Principal{Subject: "operator", Role: auth.Admin, Permissions: auth.PermissionsOf(auth.Admin)}

// adminCtx is a context acting as the operator.
func adminCtx() context.Context { return auth.WithPrincipal(context.Background(), operator) }

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// userID returns the id of the account with email.
func (e *env) userID(email string) string {
	e.t.Helper()
	u, err := userByEmail(context.Background(), e.d, email)
	if err != nil {
		e.t.Fatal(err)
	}
	return u.ID
}

func mustB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
