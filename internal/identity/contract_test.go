package identity

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/db/dbtest"
)

// TestContract runs one suite against both shapes of Service: Core in-process and Client over
// HTTP, so the split cannot silently change behaviour or errors.
func TestContract(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		admin := e.admin("boss@example.com")
		for name, svc := range map[string]Service{"core": e.core, "client": NewClient(e.srv.URL, nil)} {
			t.Run(name, func(t *testing.T) { contract(t, e, svc, name+"-", admin) })
		}
	})
}

// caller is ctx as a request with token arrives in a service: principal and bearer both set.
func (e *env) caller(token string) context.Context {
	e.t.Helper()
	p, err := e.core.Verifier().Verify(context.Background(), token)
	if err != nil {
		e.t.Fatal(err)
	}
	return auth.WithBearer(auth.WithPrincipal(context.Background(), p), token)
}

func contract(t *testing.T, e *env, svc Service, prefix, adminToken string) {
	ctx := context.Background()
	email := prefix + "ann@example.com"
	u, err := svc.Register(ctx, Credentials{email, goodPassword})
	if err != nil || u.Email != email || u.Role != auth.Customer {
		t.Fatalf("register: %+v, %v", u, err)
	}
	if _, err := svc.Register(ctx, Credentials{email, goodPassword}); !errors.Is(err, ErrEmailTaken) {
		t.Fatalf("duplicate: %v", err)
	}
	var ae *apperr.Error
	if _, err := svc.Register(ctx, Credentials{"bad", "short"}); !errors.As(err, &ae) || len(ae.Fields) != 2 || ae.Kind != apperr.InvalidInput {
		t.Fatalf("invalid: %v", err)
	}
	if _, err := svc.Login(ctx, Credentials{email, "wrong password"}); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("wrong password: %v", err)
	}
	tok, err := svc.Login(ctx, Credentials{email, goodPassword})
	if err != nil || tok.AccessToken == "" || tok.RefreshToken == "" || tok.ExpiresIn <= 0 {
		t.Fatalf("login: %+v, %v", tok, err)
	}
	me, err := svc.Me(e.caller(tok.AccessToken))
	if err != nil || me.ID != u.ID {
		t.Fatalf("me: %+v, %v", me, err)
	}
	if _, err := svc.Me(ctx); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Fatalf("anonymous me: %v", err)
	}
	next, err := svc.Refresh(ctx, tok.RefreshToken)
	if err != nil || next.RefreshToken == tok.RefreshToken {
		t.Fatalf("refresh: %+v, %v", next, err)
	}
	if _, err := svc.Refresh(ctx, tok.RefreshToken); !errors.Is(err, ErrInvalidRefresh) {
		t.Fatalf("reuse: %v", err)
	}

	if _, err := svc.ListUsers(e.caller(tok.AccessToken), UserFilter{}); !errors.Is(err, auth.ErrForbidden) {
		t.Fatalf("customer lists users: %v", err)
	}
	page, err := svc.ListUsers(e.caller(adminToken), UserFilter{Email: prefix, Limit: 10})
	if err != nil || len(page.Users) != 1 || page.Users[0].ID != u.ID {
		t.Fatalf("list users: %+v, %v", page, err)
	}
	staff := auth.Staff
	if u, err := svc.UpdateUser(e.caller(adminToken), u.ID, UserUpdate{Role: &staff}); err != nil || u.Role != auth.Staff {
		t.Fatalf("update: %+v, %v", u, err)
	}
	audit, err := svc.ListAudit(e.caller(adminToken), AuditFilter{Target: "user:" + u.ID, Action: "user.role_change"})
	if err != nil || len(audit.Entries) != 1 {
		t.Fatalf("audit: %+v, %v", audit, err)
	}

	s, err := svc.StartSession(ctx, Credentials{email, goodPassword})
	if err != nil || s.Token == "" || s.CSRF == "" || s.Principal.Subject != u.ID {
		t.Fatalf("start session: %+v, %v", s, err)
	}
	got, err := svc.Session(ctx, s.Token)
	if err != nil || got.Principal.Subject != u.ID || got.Principal.Role != auth.Staff || got.CSRF != s.CSRF {
		t.Fatalf("session: %+v, %v", got, err)
	}

	// A page server registered for it trades the cookie for a short-lived token of the person.
	web, err := svc.CreateServiceClient(e.caller(adminToken), ServiceClientInput{Name: prefix + "web",
		Permissions: []auth.Permission{auth.SessionsExchange}})
	if err != nil {
		t.Fatalf("service client for sessions: %v", err)
	}
	webTok, err := svc.ServiceToken(ctx, web.ID, web.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SessionAccess(ctx, s.Token); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Fatalf("session access by nobody: %v", err)
	}
	if _, err := svc.SessionAccess(e.caller(tok.AccessToken), s.Token); !errors.Is(err, auth.ErrForbidden) {
		t.Fatalf("session access by a customer: %v", err)
	}
	acc, err := svc.SessionAccess(e.caller(webTok.AccessToken), s.Token)
	if err != nil || acc.AccessToken == "" || acc.CSRF != s.CSRF || acc.Principal.SessionID != got.Principal.SessionID {
		t.Fatalf("session access: %+v, %v", acc, err)
	}
	claims, err := e.core.verifier.Claims(ctx, acc.AccessToken)
	if err != nil || claims.Subject != u.ID || claims.Role != auth.Staff || !slices.Contains(claims.Permissions, auth.OrdersManage) ||
		claims.SessionID != got.Principal.SessionID || claims.Service || claims.ExpiresAt-claims.IssuedAt != int64(SessionAccessTTL/time.Second) {
		t.Fatalf("session access token: %+v, %v", claims, err)
	}
	// The token names the page server acting for the person (RFC 8693 "act").
	if pr, err := e.core.Verifier().Verify(ctx, acc.AccessToken); err != nil || claims.Actor == nil ||
		!strings.HasPrefix(claims.Actor.Subject, "service:") || pr.Actor != claims.Actor.Subject || pr.Subject != u.ID {
		t.Fatalf("session access token's actor: %+v, %+v, %v", claims.Actor, pr, err)
	}
	if _, err := svc.SessionAccess(e.caller(webTok.AccessToken), "no-such-session"); !errors.Is(err, ErrNoSession) {
		t.Fatalf("session access, unknown cookie: %v", err)
	}

	if err := svc.EndSession(ctx, s.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Session(ctx, s.Token); !errors.Is(err, ErrNoSession) {
		t.Fatalf("ended session: %v", err)
	}
	if _, err := svc.SessionAccess(e.caller(webTok.AccessToken), s.Token); !errors.Is(err, ErrNoSession) {
		t.Fatalf("session access after sign-out: %v", err)
	}

	victim := prefix + "locked@example.com"
	for i := range 10 {
		svc.Login(ctx, Credentials{victim, "guess " + strconv.Itoa(i)})
	}
	_, err = svc.Login(ctx, Credentials{victim, "guess"})
	var ra RetryAfter
	if !errors.Is(err, ErrTooManyAttempts) || !errors.As(err, &ra) || ra.Seconds() < 1 {
		t.Fatalf("lockout: %v", err)
	}
	keys, err := svc.JWKS(ctx)
	if err != nil || len(keys.Keys) == 0 {
		t.Fatalf("jwks: %+v, %v", keys, err)
	}
}
