// Package identity is the identity service: accounts and passwords, access and refresh tokens,
// signing keys and their JWKS, roles, service clients, browser sessions, abuse limits and the
// audit log. Other services never call it per request: they verify access tokens locally with
// auth.KeySet from the keys it publishes.
package identity

import (
	"context"
	"time"

	"github.com/pasarhq/pasar/internal/platform/auth"
)

// Service is identity's contract. Core implements it on a SQL store; an HTTP client for the
// distributed shape implements the same methods. Methods that act for a signed-in caller read
// the caller from ctx (auth.FromContext); admin methods require auth.UsersManage or
// auth.AuditRead themselves, whichever way they are reached.
type Service interface {
	Register(ctx context.Context, in Credentials) (User, error)
	Login(ctx context.Context, in Credentials) (Tokens, error)
	Refresh(ctx context.Context, refreshToken string) (Tokens, error)
	Logout(ctx context.Context, refreshToken string) error
	Me(ctx context.Context) (User, error)
	ChangePassword(ctx context.Context, in PasswordChange) error
	RequestPasswordReset(ctx context.Context, email string) error
	ResetPassword(ctx context.Context, in PasswordReset) error

	ServiceToken(ctx context.Context, clientID, secret string) (Tokens, error)
	JWKS(ctx context.Context) (auth.JWKS, error)

	StartSession(ctx context.Context, in Credentials) (Session, error)
	Session(ctx context.Context, token string) (Session, error)
	SessionAccess(ctx context.Context, token string) (Session, error)
	EndSession(ctx context.Context, token string) error

	ListUsers(ctx context.Context, f UserFilter) (UserPage, error)
	UpdateUser(ctx context.Context, id string, u UserUpdate) (User, error)
	CreateServiceClient(ctx context.Context, in ServiceClientInput) (ServiceClient, error)
	auth.Auditor
	ListAudit(ctx context.Context, f AuditFilter) (AuditPage, error)
}

// Credentials are what a person signs in or registers with.
type Credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// User is an account as callers see it; the password hash never leaves the store.
type User struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Role      auth.Role `json:"role"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Tokens answer a login, refresh or client-credentials grant (the OAuth 2.0 token response).
type Tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"` // seconds the access token is valid
}

// PasswordChange is a signed-in user's request to change their password.
type PasswordChange struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// PasswordReset sets a new password with a token from a reset mail.
type PasswordReset struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// Session is a browser session. Token goes in the cookie and is known only to the browser;
// CSRF goes in every form that changes state. AccessToken is set only by SessionAccess: a
// short-lived access token of the principal, for calls to services in other processes.
type Session struct {
	Token       string         `json:"-"`
	CSRF        string         `json:"csrf_token"`
	Principal   auth.Principal `json:"-"`
	ExpiresAt   time.Time      `json:"expires_at"`
	AccessToken string         `json:"-"`
}

// Context returns ctx acting as the session's principal, carrying its access token (when it
// has one) for the service clients to pass on.
func (s Session) Context(ctx context.Context) context.Context {
	ctx = auth.WithPrincipal(ctx, s.Principal)
	if s.AccessToken != "" {
		ctx = auth.WithBearer(ctx, s.AccessToken)
	}
	return ctx
}

// UserFilter selects users for the admin list.
type UserFilter struct {
	Email    string    // substring of the address
	Role     auth.Role // exact role
	Disabled *bool
	Limit    int    // 1-100, default 50
	Cursor   string // from the previous page's Next
}

// UserPage is one page of users, oldest first.
type UserPage struct {
	Users []User `json:"users"`
	Next  string `json:"next,omitempty"`
}

// UserUpdate changes an account; nil fields stay as they are.
type UserUpdate struct {
	Role     *auth.Role `json:"role,omitempty"`
	Disabled *bool      `json:"disabled,omitempty"`
}

// ServiceClientInput registers a service that calls others with its own token.
type ServiceClientInput struct {
	Name        string            `json:"name"`
	Permissions []auth.Permission `json:"permissions"`
}

// ServiceClient is a registered service. Secret is set only in the answer that created it.
type ServiceClient struct {
	ID          string            `json:"client_id"`
	Name        string            `json:"name"`
	Secret      string            `json:"client_secret,omitempty"`
	Permissions []auth.Permission `json:"permissions"`
	CreatedAt   time.Time         `json:"created_at"`
}

// AuditFilter selects audit entries; empty fields match everything.
type AuditFilter struct {
	Actor, Action, Target, Service, Outcome string
	Since, Until                            time.Time
	Limit                                   int    // 1-200, default 50
	Cursor                                  string // from the previous page's Next
}

// AuditPage is one page of the audit log, newest first.
type AuditPage struct {
	Entries []auth.AuditEntry `json:"entries"`
	Next    string            `json:"next,omitempty"`
}

type clientIPKey struct{}

// WithClientIP returns ctx carrying the caller's network address, which abuse limits and the
// audit log use. The HTTP handlers set it; in-process callers may.
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey{}, ip)
}

func clientIP(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPKey{}).(string)
	return ip
}
