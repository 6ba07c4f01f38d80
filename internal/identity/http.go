package identity

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

// handlers serve identity's REST API over any Service implementation.
type handlers struct {
	svc Service
}

// Routes registers identity's endpoints on r. The process's handler must be wrapped in
// auth.Middleware and SessionMiddleware so handlers see the caller.
func Routes(r *httpx.Router, svc Service) { routes(r, handlers{svc}) }

// router is the part of httpx.Router routes needs, so a test can list the patterns.
type router interface {
	Handle(pattern string, h http.Handler)
}

func routes(r router, h handlers) {
	f := func(pattern string, fn http.HandlerFunc) { r.Handle(pattern, fn) }
	f("POST /api/v1/auth/register", h.register)
	f("POST /api/v1/auth/login", h.login)
	f("POST /api/v1/auth/refresh", h.refresh)
	f("POST /api/v1/auth/logout", h.logout)
	f("POST /api/v1/auth/token", h.token)
	f("POST /api/v1/auth/password-reset", h.requestReset)
	f("POST /api/v1/auth/password-reset/confirm", h.confirmReset)
	f("POST /api/v1/auth/session", h.startSession)
	f("GET /api/v1/auth/session", h.session)
	f("DELETE /api/v1/auth/session", h.endSession)
	f("POST /api/v1/auth/session/end", h.endSession) // for HTML forms, which cannot DELETE
	f("GET /api/v1/me", h.me)
	f("POST /api/v1/me/password", h.changePassword)
	f("GET /.well-known/jwks.json", h.jwks)
	r.Handle("GET /api/v1/admin/users", auth.RequireFunc(auth.UsersManage, h.listUsers))
	r.Handle("PATCH /api/v1/admin/users/{id}", auth.RequireFunc(auth.UsersManage, h.updateUser))
	r.Handle("POST /api/v1/admin/service-clients", auth.RequireFunc(auth.UsersManage, h.createClient))
	r.Handle("GET /api/v1/admin/audit", auth.RequireFunc(auth.AuditRead, h.listAudit))
	f("POST /api/v1/internal/audit", h.recordAudit)
	r.Handle("GET /api/v1/internal/session", auth.RequireFunc(auth.SessionsExchange, h.sessionAccess))
}

// fail writes err as a problem, adding Retry-After to rate-limit answers.
func fail(w http.ResponseWriter, r *http.Request, err error) {
	var ra RetryAfter
	if errors.As(err, &ra) {
		w.Header().Set("Retry-After", strconv.Itoa(ra.Seconds()))
	}
	if apperr.KindOf(err) == apperr.Unauthenticated {
		w.Header().Set("WWW-Authenticate", `Bearer`)
	}
	httpx.WriteError(w, r, err)
}

// decode reads the JSON body into v, answering the problem itself when it cannot.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := httpx.Decode(w, r, v); err != nil {
		httpx.WriteError(w, r, err)
		return false
	}
	return true
}

func (h handlers) register(w http.ResponseWriter, r *http.Request) {
	var in Credentials
	if !decode(w, r, &in) {
		return
	}
	u, err := h.svc.Register(withIP(r), in)
	if err != nil {
		fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/me")
	httpx.JSON(w, http.StatusCreated, u)
}

func (h handlers) login(w http.ResponseWriter, r *http.Request) {
	var in Credentials
	if !decode(w, r, &in) {
		return
	}
	t, err := h.svc.Login(withIP(r), in)
	if err != nil {
		fail(w, r, err)
		return
	}
	noStore(w)
	httpx.JSON(w, http.StatusOK, t)
}

type refreshBody struct {
	RefreshToken string `json:"refresh_token"`
}

func (h handlers) refresh(w http.ResponseWriter, r *http.Request) {
	var in refreshBody
	if !decode(w, r, &in) {
		return
	}
	t, err := h.svc.Refresh(withIP(r), in.RefreshToken)
	if err != nil {
		fail(w, r, err)
		return
	}
	noStore(w)
	httpx.JSON(w, http.StatusOK, t)
}

func (h handlers) logout(w http.ResponseWriter, r *http.Request) {
	var in refreshBody
	if !decode(w, r, &in) {
		return
	}
	if err := h.svc.Logout(withIP(r), in.RefreshToken); err != nil {
		fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type tokenBody struct {
	GrantType    string `json:"grant_type"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// token is the OAuth 2.0 token endpoint for the client-credentials grant. It takes the form
// encoding RFC 6749 specifies, HTTP Basic client authentication, or JSON.
func (h handlers) token(w http.ResponseWriter, r *http.Request) {
	var in tokenBody
	if ct := r.Header.Get("Content-Type"); len(ct) >= 33 && ct[:33] == "application/x-www-form-urlencoded" {
		if err := r.ParseForm(); err != nil {
			httpx.WriteError(w, r, apperr.New(apperr.BadRequest, "malformed_form", "The form body cannot be parsed."))
			return
		}
		in = tokenBody{r.PostForm.Get("grant_type"), r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")}
	} else if !decode(w, r, &in) {
		return
	}
	if id, secret, ok := r.BasicAuth(); ok {
		in.ClientID, in.ClientSecret = id, secret
	}
	if in.GrantType != "client_credentials" {
		httpx.WriteError(w, r, invalid("grant_type", "must be client_credentials"))
		return
	}
	t, err := h.svc.ServiceToken(withIP(r), in.ClientID, in.ClientSecret)
	if err != nil {
		fail(w, r, err)
		return
	}
	noStore(w)
	httpx.JSON(w, http.StatusOK, t)
}

type resetRequestBody struct {
	Email string `json:"email"`
}

func (h handlers) requestReset(w http.ResponseWriter, r *http.Request) {
	var in resetRequestBody
	if !decode(w, r, &in) {
		return
	}
	if err := h.svc.RequestPasswordReset(withIP(r), in.Email); err != nil {
		fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusAccepted, map[string]string{
		"status": "If the address has an account, a reset link is on its way."})
}

func (h handlers) confirmReset(w http.ResponseWriter, r *http.Request) {
	var in PasswordReset
	if !decode(w, r, &in) {
		return
	}
	if err := h.svc.ResetPassword(withIP(r), in); err != nil {
		fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h handlers) me(w http.ResponseWriter, r *http.Request) {
	u, err := h.svc.Me(withIP(r))
	if err != nil {
		fail(w, r, err)
		return
	}
	noStore(w)
	httpx.JSON(w, http.StatusOK, u)
}

func (h handlers) changePassword(w http.ResponseWriter, r *http.Request) {
	var in PasswordChange
	if !decode(w, r, &in) {
		return
	}
	if err := h.svc.ChangePassword(withIP(r), in); err != nil {
		fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h handlers) jwks(w http.ResponseWriter, r *http.Request) {
	s, err := h.svc.JWKS(r.Context())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	// Short enough that a verifier behind an HTTP cache sees a new key well before it signs.
	w.Header().Set("Cache-Control", "public, max-age=60")
	httpx.JSON(w, http.StatusOK, s)
}

func noStore(w http.ResponseWriter) { w.Header().Set("Cache-Control", "no-store") }

func withIP(r *http.Request) context.Context { return WithClientIP(r.Context(), httpx.ClientIP(r)) }
