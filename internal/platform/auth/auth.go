// Package auth is how every service learns who is calling and what they may do. The identity
// service issues the credentials; this package only reads them, so any service in either shape
// checks permissions locally, without a call to identity per request.
package auth

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// Permission names one thing a caller may do.
type Permission string

// The permissions Pasar's services check.
const (
	CatalogWrite   Permission = "catalog:write"
	InventoryWrite Permission = "inventory:write"
	OrdersRead     Permission = "orders:read"
	OrdersManage   Permission = "orders:manage"
	PaymentsRefund Permission = "payments:refund"
	UsersManage    Permission = "users:manage"
	AuditRead      Permission = "audit:read"
	AdminAccess    Permission = "admin:access"
	WebhooksManage Permission = "webhooks:manage"
	// SessionsExchange lets a page server in another process trade a browser's session cookie
	// for a short-lived access token of the person signed in. No role holds it: only service
	// clients registered with it (ServiceOnly).
	SessionsExchange Permission = "sessions:exchange"
)

// ServiceOnly are the permissions a service client may hold that no role has.
var ServiceOnly = []Permission{SessionsExchange}

// Role is a named set of permissions given to a user.
type Role string

// The roles a user can have.
const (
	Customer Role = "customer"
	Staff    Role = "staff"
	Admin    Role = "admin"
)

// rolePermissions is the one table that says what each role may do.
var rolePermissions = map[Role][]Permission{
	Customer: nil,
	Staff:    {AdminAccess, CatalogWrite, InventoryWrite, OrdersRead, OrdersManage},
	Admin: {AdminAccess, CatalogWrite, InventoryWrite, OrdersRead, OrdersManage, PaymentsRefund,
		UsersManage, AuditRead, WebhooksManage},
}

// ValidRole reports whether r is a known role.
func ValidRole(r Role) bool {
	_, ok := rolePermissions[r]
	return ok
}

// PermissionsOf returns what role r may do.
func PermissionsOf(r Role) []Permission { return slices.Clone(rolePermissions[r]) }

// Principal is an authenticated caller: a user, or another service acting on its own behalf.
type Principal struct {
	Subject     string // user id, or "service:<name>" for a service
	Email       string
	Role        Role
	Permissions []Permission
	Service     bool
	SessionID   string // set when the caller came in with a browser session
	// Actor is the service acting for Subject: set on a token a page server traded a browser's
	// session for (identity's SessionAccess), empty when the subject calls itself.
	Actor string
}

// Can reports whether p holds permission perm.
func (p Principal) Can(perm Permission) bool { return slices.Contains(p.Permissions, perm) }

// IsAnonymous reports whether nobody authenticated.
func (p Principal) IsAnonymous() bool { return p.Subject == "" }

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the caller, or an anonymous Principal.
func FromContext(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}

// Verifier turns a bearer token into the Principal it was issued to.
type Verifier interface {
	Verify(ctx context.Context, token string) (Principal, error)
}

// Errors every service returns for missing or insufficient credentials.
var (
	ErrUnauthenticated = apperr.New(apperr.Unauthenticated, "unauthenticated", "Sign in to do this.")
	ErrInvalidToken    = apperr.New(apperr.Unauthenticated, "invalid_token", "The access token is invalid or expired.")
	ErrForbidden       = apperr.New(apperr.Forbidden, "forbidden", "You are not allowed to do this.")
)

// Middleware reads the bearer token, if any, and puts its Principal in the request context.
// A request without credentials goes on as anonymous; one with a bad token is answered 401 here,
// so no handler ever acts on a forged identity.
func Middleware(v Verifier, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := BearerToken(r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		p, err := v.Verify(r.Context(), token)
		if err != nil && apperr.KindOf(err) == apperr.Unavailable {
			// The keys could not be fetched: the token may be fine, so say "try again", not "sign in".
			httpx.WriteError(w, r, err)
			return
		}
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			httpx.WriteError(w, r, ErrInvalidToken.WithCause(err))
			return
		}
		ctx := context.WithValue(WithPrincipal(r.Context(), p), bearerKey{}, token)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

type bearerKey struct{}

// BearerFrom returns the access token the request in ctx came with, so a service's HTTP client
// can call another service on the caller's behalf; "" when there is none.
func BearerFrom(ctx context.Context) string {
	t, _ := ctx.Value(bearerKey{}).(string)
	return t
}

// WithBearer returns ctx carrying an access token for BearerFrom, for callers outside a request
// (a command acting with a service token, a test).
func WithBearer(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, bearerKey{}, token)
}

// BearerToken returns the token of an "Authorization: Bearer" header.
func BearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return "", false
	}
	t := strings.TrimSpace(h[7:])
	return t, t != ""
}

// Require answers 401 to anonymous callers and 403 to callers without perm, and passes the rest
// to h. Every admin endpoint of every service is wrapped in it.
func Require(perm Permission, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := Check(r.Context(), perm); err != nil {
			if apperr.KindOf(err) == apperr.Unauthenticated {
				w.Header().Set("WWW-Authenticate", `Bearer`)
			}
			httpx.WriteError(w, r, err)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// RequireFunc is Require for a handler function.
func RequireFunc(perm Permission, f func(http.ResponseWriter, *http.Request)) http.Handler {
	return Require(perm, http.HandlerFunc(f))
}

// Check returns nil when the caller in ctx holds perm, and the error to answer otherwise. Service
// methods call it too, so a permission holds whichever way the method is reached.
func Check(ctx context.Context, perm Permission) error {
	p := FromContext(ctx)
	if p.IsAnonymous() {
		return ErrUnauthenticated
	}
	if !p.Can(perm) {
		return ErrForbidden
	}
	return nil
}
