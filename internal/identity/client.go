package identity

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/svcclient"
)

// Client is Service over identity's REST API, for processes that do not run identity. Calls
// made for a signed-in caller carry the caller's bearer token (auth.BearerFrom); errors come
// back as the same sentinels Core returns, so errors.Is works in both shapes.
type Client struct {
	caller *svcclient.Caller
}

var _ Service = (*Client)(nil)

// NewClient returns a client of the identity service at base (e.g. "http://identity:8080").
// hc nil means a client with a 10 s timeout.
func NewClient(base string, hc *http.Client, opts ...svcclient.Option) *Client {
	c := svcclient.New("identity", base, hc, 10*time.Second, errUnavailable, opts...)
	c.OnError = func(resp *http.Response, e *apperr.Error) *apperr.Error {
		// A rate-limited sign-in keeps its wait, so the caller can answer with the same Retry-After.
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && resp.StatusCode == http.StatusTooManyRequests {
			return e.WithCause(RetryAfter(time.Duration(s) * time.Second))
		}
		return e
	}
	return &Client{caller: c}
}

var errUnavailable = apperr.New(apperr.Unavailable, "identity_unavailable", "Sign-in is unavailable right now.")

// call sends one request through the shared service caller.
func (c *Client) call(ctx context.Context, method, path string, in, out any, hdr ...string) error {
	return c.caller.Call(ctx, method, path, in, out, hdr...)
}

// Register calls POST /api/v1/auth/register.
func (c *Client) Register(ctx context.Context, in Credentials) (User, error) {
	var u User
	return u, c.call(ctx, "POST", "/api/v1/auth/register", in, &u)
}

// Login calls POST /api/v1/auth/login.
func (c *Client) Login(ctx context.Context, in Credentials) (Tokens, error) {
	var t Tokens
	return t, c.call(ctx, "POST", "/api/v1/auth/login", in, &t)
}

// Refresh calls POST /api/v1/auth/refresh.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (Tokens, error) {
	var t Tokens
	return t, c.call(ctx, "POST", "/api/v1/auth/refresh", refreshBody{refreshToken}, &t)
}

// Logout calls POST /api/v1/auth/logout.
func (c *Client) Logout(ctx context.Context, refreshToken string) error {
	return c.call(ctx, "POST", "/api/v1/auth/logout", refreshBody{refreshToken}, nil)
}

// Me calls GET /api/v1/me with the caller's token.
func (c *Client) Me(ctx context.Context) (User, error) {
	var u User
	return u, c.call(ctx, "GET", "/api/v1/me", nil, &u)
}

// ChangePassword calls POST /api/v1/me/password with the caller's token.
func (c *Client) ChangePassword(ctx context.Context, in PasswordChange) error {
	return c.call(ctx, "POST", "/api/v1/me/password", in, nil)
}

// RequestPasswordReset calls POST /api/v1/auth/password-reset.
func (c *Client) RequestPasswordReset(ctx context.Context, email string) error {
	return c.call(ctx, "POST", "/api/v1/auth/password-reset", resetRequestBody{email}, nil)
}

// ResetPassword calls POST /api/v1/auth/password-reset/confirm.
func (c *Client) ResetPassword(ctx context.Context, in PasswordReset) error {
	return c.call(ctx, "POST", "/api/v1/auth/password-reset/confirm", in, nil)
}

// ServiceToken calls the client-credentials grant.
func (c *Client) ServiceToken(ctx context.Context, clientID, secret string) (Tokens, error) {
	var t Tokens
	return t, c.call(ctx, "POST", "/api/v1/auth/token", tokenBody{"client_credentials", clientID, secret}, &t)
}

// JWKS fetches /.well-known/jwks.json.
func (c *Client) JWKS(ctx context.Context) (auth.JWKS, error) {
	var s auth.JWKS
	return s, c.call(ctx, "GET", "/.well-known/jwks.json", nil, &s)
}

// StartSession calls POST /api/v1/auth/session and returns the session from its cookie.
func (c *Client) StartSession(ctx context.Context, in Credentials) (Session, error) {
	var tok string
	hc := *c.caller.HTTPClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	jar := &cookieCatcher{}
	hc.Jar = jar
	cc := &Client{caller: c.caller.WithHTTPClient(&hc)}
	var v Session
	if err := cc.call(ctx, "POST", "/api/v1/auth/session", in, &v); err != nil {
		return Session{}, err
	}
	if tok = jar.token; tok == "" {
		return Session{}, fmt.Errorf("identity: session answer without a %s cookie", SessionCookie)
	}
	return c.Session(ctx, tok)
}

// Session calls GET /api/v1/auth/session with the session's cookie.
func (c *Client) Session(ctx context.Context, token string) (Session, error) {
	var v sessionView
	err := c.call(auth.WithBearer(ctx, ""), "GET", "/api/v1/auth/session", nil, &v,
		"Cookie", (&http.Cookie{Name: SessionCookie, Value: token}).String())
	if err != nil {
		return Session{}, err
	}
	return sessionFromView(token, v), nil
}

// SessionAccess calls GET /api/v1/internal/session with the session's cookie; ctx's bearer (or
// the client's own token, svcclient.WithToken) must hold auth.SessionsExchange.
func (c *Client) SessionAccess(ctx context.Context, token string) (Session, error) {
	var v accessView
	err := c.call(ctx, "GET", "/api/v1/internal/session", nil, &v,
		"Cookie", (&http.Cookie{Name: SessionCookie, Value: token}).String())
	if err != nil {
		return Session{}, err
	}
	s := sessionFromView(token, v.sessionView)
	s.AccessToken = v.AccessToken
	return s, nil
}

func sessionFromView(token string, v sessionView) Session {
	p := userPrincipal(User{ID: v.UserID, Email: v.Email, Role: v.Role})
	p.SessionID = tokenHash(token)[:16]
	return Session{Token: token, CSRF: v.CSRF, Principal: p, ExpiresAt: v.ExpiresAt}
}

// EndSession signs the session out, with its own CSRF token.
func (c *Client) EndSession(ctx context.Context, token string) error {
	s, err := c.Session(ctx, token)
	if err != nil {
		return nil // already ended
	}
	return c.call(auth.WithBearer(ctx, ""), "DELETE", "/api/v1/auth/session", nil, nil,
		"Cookie", (&http.Cookie{Name: SessionCookie, Value: token}).String(), CSRFHeader, s.CSRF)
}

// ListUsers calls GET /api/v1/admin/users.
func (c *Client) ListUsers(ctx context.Context, f UserFilter) (UserPage, error) {
	q := url.Values{}
	set(q, "email", f.Email)
	set(q, "role", string(f.Role))
	if f.Disabled != nil {
		q.Set("disabled", strconv.FormatBool(*f.Disabled))
	}
	if f.Limit != 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	set(q, "cursor", f.Cursor)
	var p UserPage
	return p, c.call(ctx, "GET", "/api/v1/admin/users?"+q.Encode(), nil, &p)
}

// UpdateUser calls PATCH /api/v1/admin/users/{id}.
func (c *Client) UpdateUser(ctx context.Context, id string, upd UserUpdate) (User, error) {
	var u User
	return u, c.call(ctx, "PATCH", "/api/v1/admin/users/"+url.PathEscape(id), upd, &u)
}

// CreateServiceClient calls POST /api/v1/admin/service-clients.
func (c *Client) CreateServiceClient(ctx context.Context, in ServiceClientInput) (ServiceClient, error) {
	var sc ServiceClient
	return sc, c.call(ctx, "POST", "/api/v1/admin/service-clients", in, &sc)
}

// Record calls POST /api/v1/internal/audit; ctx must carry a service token.
func (c *Client) Record(ctx context.Context, e auth.AuditEntry) error {
	return c.call(ctx, "POST", "/api/v1/internal/audit", e, nil)
}

// ListAudit calls GET /api/v1/admin/audit.
func (c *Client) ListAudit(ctx context.Context, f AuditFilter) (AuditPage, error) {
	q := url.Values{}
	for k, v := range map[string]string{"actor": f.Actor, "action": f.Action, "target": f.Target,
		"service": f.Service, "outcome": f.Outcome, "cursor": f.Cursor} {
		set(q, k, v)
	}
	if !f.Since.IsZero() {
		q.Set("since", f.Since.Format(time.RFC3339Nano))
	}
	if !f.Until.IsZero() {
		q.Set("until", f.Until.Format(time.RFC3339Nano))
	}
	if f.Limit != 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	var p AuditPage
	return p, c.call(ctx, "GET", "/api/v1/admin/audit?"+q.Encode(), nil, &p)
}

func set(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

// cookieCatcher is a cookie jar that only remembers the session cookie it is handed.
type cookieCatcher struct{ token string }

func (j *cookieCatcher) SetCookies(_ *url.URL, cs []*http.Cookie) {
	for _, c := range cs {
		if c.Name == SessionCookie {
			j.token = c.Value
		}
	}
}

func (j *cookieCatcher) Cookies(*url.URL) []*http.Cookie { return nil }
