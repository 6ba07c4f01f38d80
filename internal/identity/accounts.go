package identity

import (
	"context"
	"database/sql"
	"errors"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/db"
)

// UserRegistered is the payload of the user.registered event.
type UserRegistered struct {
	UserID string    `json:"user_id"`
	Email  string    `json:"email"`
	Role   auth.Role `json:"role"`
}

// Register creates a customer account.
func (c *Core) Register(ctx context.Context, in Credentials) (User, error) {
	return c.CreateUser(ctx, in, auth.Customer)
}

// CreateUser creates an account with role r. Anyone may create a customer; other roles need
// auth.UsersManage, except from `pasar user create`, which runs with an operator principal.
func (c *Core) CreateUser(ctx context.Context, in Credentials, r auth.Role) (User, error) {
	if r != auth.Customer {
		if err := auth.Check(ctx, auth.UsersManage); err != nil {
			return User{}, err
		}
	}
	email, problem := normalizeEmail(in.Email)
	var fields []apperr.FieldError
	if problem != "" {
		fields = append(fields, apperr.FieldError{Field: "email", Detail: problem})
	}
	if p := passwordProblem(in.Password, email, c.common); p != "" {
		fields = append(fields, apperr.FieldError{Field: "password", Detail: p})
	}
	if !auth.ValidRole(r) {
		fields = append(fields, apperr.FieldError{Field: "role", Detail: "must be customer, staff or admin"})
	}
	if len(fields) > 0 {
		return User{}, apperr.Invalid(fields...)
	}
	// Sign-ups count against the address, so one client cannot mint accounts (or probe which
	// addresses are taken) without limit.
	if ip := clientIP(ctx); ip != "" && auth.FromContext(ctx).IsAnonymous() {
		keys := []limitKey{{"register:ip:" + ip, c.opts.Limits.AddressFree}}
		if err := c.checkLimits(ctx, keys); err != nil {
			return User{}, err
		}
		if err := c.fail(ctx, keys); err != nil {
			return User{}, err
		}
	}
	hash, err := hashPassword(in.Password, c.opts.Argon2)
	if err != nil {
		return User{}, err
	}
	now := c.opts.Now().UTC().Truncate(1e6)
	u := userRow{User: User{ID: newID(), Email: email, Role: r, CreatedAt: now, UpdatedAt: now}, hash: hash}
	err = c.d.InTx(ctx, func(tx *db.Tx) error {
		if err := insertUser(ctx, tx, u); err != nil {
			return err
		}
		_, err := c.outbox.Add(ctx, tx, "user.registered", 1, UserRegistered{UserID: u.ID, Email: u.Email, Role: u.Role})
		return err
	})
	if err != nil {
		return User{}, wrap("register", err)
	}
	actx := ctx
	if auth.FromContext(ctx).IsAnonymous() { // self-registration: the new user is the actor
		actx = auth.WithPrincipal(ctx, userPrincipal(u.User))
	}
	c.audit(actx, "user.register", "user:"+u.ID, auth.Success, map[string]string{"role": string(r)})
	return u.User, nil
}

// authenticate checks credentials under the abuse limits and returns the user they belong to.
func (c *Core) authenticate(ctx context.Context, in Credentials) (User, error) {
	email, problem := normalizeEmail(in.Email)
	switch {
	case problem != "":
		return User{}, invalid("email", problem)
	case in.Password == "":
		return User{}, invalid("password", "is required")
	case len(in.Password) > 4*MaxPasswordLength:
		return User{}, invalid("password", "is too long")
	}
	keys := c.loginKeys(ctx, email)
	if err := c.checkLimits(ctx, keys); err != nil {
		return User{}, err
	}
	u, err := userByEmail(ctx, c.d, email)
	if err != nil && !isNotFound(err) {
		return User{}, err
	}
	hash := u.hash
	if hash == "" {
		hash = c.dummy // spend the same time as for a real account
	}
	ok, stale, err := checkPassword(in.Password, hash, c.opts.Argon2)
	if err != nil {
		return User{}, wrap("check password", err)
	}
	if !ok || u.ID == "" || u.Disabled {
		if err := c.fail(ctx, keys); err != nil {
			return User{}, err
		}
		target := "email:" + email
		if u.ID != "" {
			target = "user:" + u.ID
		}
		c.audit(ctx, "user.login", target, auth.Failure, nil)
		return User{}, ErrInvalidCredentials
	}
	if err := c.clearLimit(ctx, keys[0].key); err != nil {
		return User{}, err
	}
	if stale {
		// The configured cost changed since this hash was made: upgrade it while we hold the password.
		if h, err := hashPassword(in.Password, c.opts.Argon2); err == nil {
			if err := setPasswordHash(ctx, c.d, u.ID, h, c.opts.Now()); err != nil {
				c.opts.Log.Warn("rehash password", "user", u.ID, "err", err)
			}
		}
	}
	c.audit(auth.WithPrincipal(ctx, userPrincipal(u.User)), "user.login", "user:"+u.ID, auth.Success, nil)
	return u.User, nil
}

// Login checks credentials and issues an access token and a new refresh token family.
func (c *Core) Login(ctx context.Context, in Credentials) (Tokens, error) {
	u, err := c.authenticate(ctx, in)
	if err != nil {
		return Tokens{}, err
	}
	return c.issue(ctx, u, newID(), "")
}

// Me returns the signed-in caller's account.
func (c *Core) Me(ctx context.Context) (User, error) {
	p := auth.FromContext(ctx)
	if p.IsAnonymous() || p.Service {
		return User{}, auth.ErrUnauthenticated
	}
	u, err := userByID(ctx, c.d, p.Subject)
	if isNotFound(err) || (err == nil && u.Disabled) {
		return User{}, auth.ErrUnauthenticated
	}
	return u.User, err
}

// ChangePassword sets a new password after checking the current one, and signs the user out
// everywhere else: every refresh token and session of the account ends.
func (c *Core) ChangePassword(ctx context.Context, in PasswordChange) error {
	me, err := c.Me(ctx)
	if err != nil {
		return err
	}
	if in.CurrentPassword == "" {
		return invalid("current_password", "is required")
	}
	if p := passwordProblem(in.NewPassword, me.Email, c.common); p != "" {
		return invalid("new_password", p)
	}
	if _, err := c.authenticate(ctx, Credentials{Email: me.Email, Password: in.CurrentPassword}); err != nil {
		if errors.Is(err, ErrInvalidCredentials) {
			return invalid("current_password", "is wrong")
		}
		return err
	}
	if err := c.setPassword(ctx, me.ID, in.NewPassword); err != nil {
		return err
	}
	c.audit(ctx, "user.password_change", "user:"+me.ID, auth.Success, nil)
	return nil
}

func (c *Core) setPassword(ctx context.Context, userID, pw string) error {
	hash, err := hashPassword(pw, c.opts.Argon2)
	if err != nil {
		return err
	}
	err = c.d.InTx(ctx, func(tx *db.Tx) error {
		if err := setPasswordHash(ctx, tx, userID, hash, c.opts.Now()); err != nil {
			return err
		}
		return revokeUserTokens(ctx, tx, userID, c.opts.Now())
	})
	if err != nil {
		return wrap("set password", err)
	}
	return c.sessions.DeleteUser(ctx, userID)
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
