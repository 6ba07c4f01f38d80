package identity

import (
	"context"
	"fmt"
	"slices"

	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/db"
)

// ListUsers returns a page of accounts, oldest first. It needs auth.UsersManage.
func (c *Core) ListUsers(ctx context.Context, f UserFilter) (UserPage, error) {
	if err := auth.Check(ctx, auth.UsersManage); err != nil {
		return UserPage{}, err
	}
	var err error
	if f.Limit, err = pageLimit(f.Limit, 50, 100); err != nil {
		return UserPage{}, err
	}
	if f.Role != "" && !auth.ValidRole(f.Role) {
		return UserPage{}, invalid("role", "must be customer, staff or admin")
	}
	if fe := textFields("email", f.Email); len(fe) > 0 {
		return UserPage{}, apperr.Invalid(fe...)
	}
	after, err := parseCursor(f.Cursor)
	if err != nil {
		return UserPage{}, err
	}
	users, err := listUsers(ctx, c.d, f, after)
	if err != nil {
		return UserPage{}, err
	}
	page := UserPage{Users: users}
	if len(users) > f.Limit {
		page.Users = users[:f.Limit]
		last := page.Users[f.Limit-1]
		page.Next = cursor{at: last.CreatedAt.UnixMilli(), id: last.ID}.String()
	}
	if page.Users == nil {
		page.Users = []User{}
	}
	return page, nil
}

// UpdateUser changes an account's role or disables it. Either change ends the account's
// refresh tokens and sessions at once, so the next refresh or page view sees the new state;
// access tokens already issued live out their short lifetime. It needs auth.UsersManage.
func (c *Core) UpdateUser(ctx context.Context, id string, upd UserUpdate) (User, error) {
	if err := auth.Check(ctx, auth.UsersManage); err != nil {
		return User{}, err
	}
	if upd.Role != nil && !auth.ValidRole(*upd.Role) {
		return User{}, invalid("role", "must be customer, staff or admin")
	}
	if upd.Role == nil && upd.Disabled == nil {
		return User{}, invalid("role", "give role or disabled (or both)")
	}
	if id == auth.FromContext(ctx).Subject {
		return User{}, ErrSelfChange
	}
	if !plainText(id) {
		return User{}, ErrUserNotFound
	}
	now := c.opts.Now()
	var before, after userRow
	err := c.d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if before, err = userByID(ctx, tx, id); err != nil {
			return err
		}
		set, args := "updated_at = $1", []any{now.UnixMilli()}
		if upd.Role != nil {
			args = append(args, string(*upd.Role))
			set += fmt.Sprintf(", role = $%d", len(args))
		}
		if upd.Disabled != nil && *upd.Disabled != before.Disabled {
			args = append(args, map[bool]any{true: now.UnixMilli(), false: nil}[*upd.Disabled])
			set += fmt.Sprintf(", disabled_at = $%d", len(args))
		}
		args = append(args, id)
		if _, err := tx.ExecContext(ctx, `UPDATE users SET `+set+fmt.Sprintf(` WHERE id = $%d`, len(args)), args...); err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		if after, err = userByID(ctx, tx, id); err != nil {
			return err
		}
		if after.Role == before.Role && after.Disabled == before.Disabled {
			return nil
		}
		return revokeUserTokens(ctx, tx, id, now)
	})
	if err != nil {
		return User{}, err
	}
	changed := before.Role != after.Role || before.Disabled != after.Disabled
	if changed {
		if err := c.sessions.DeleteUser(ctx, id); err != nil {
			return User{}, err
		}
	}
	if before.Role != after.Role {
		c.audit(ctx, "user.role_change", "user:"+id, auth.Success,
			map[string]string{"from": string(before.Role), "to": string(after.Role)})
	}
	if before.Disabled != after.Disabled {
		c.audit(ctx, map[bool]string{true: "user.disable", false: "user.enable"}[after.Disabled], "user:"+id, auth.Success, nil)
	}
	return after.User, nil
}

// CreateServiceClient registers a service for client-credentials tokens holding only perms.
// The secret is in the answer once and stored hashed. It needs auth.UsersManage.
func (c *Core) CreateServiceClient(ctx context.Context, in ServiceClientInput) (ServiceClient, error) {
	if err := auth.Check(ctx, auth.UsersManage); err != nil {
		return ServiceClient{}, err
	}
	var fields []apperr.FieldError
	if !validName(in.Name) {
		fields = append(fields, apperr.FieldError{Field: "name", Detail: "must be 1-64 lowercase letters, digits or dashes"})
	}
	for i, p := range in.Permissions {
		if !knownPermission(p) {
			fields = append(fields, apperr.FieldError{Field: fmt.Sprintf("permissions[%d]", i), Detail: "is not a known permission"})
		}
	}
	if len(fields) > 0 {
		return ServiceClient{}, apperr.Invalid(fields...)
	}
	if in.Permissions == nil {
		in.Permissions = []auth.Permission{}
	}
	sc := ServiceClient{ID: newID(), Name: in.Name, Secret: randomToken(32), Permissions: in.Permissions,
		CreatedAt: c.opts.Now().UTC().Truncate(1e6)}
	if err := insertClient(ctx, c.d, sc); err != nil {
		return ServiceClient{}, err
	}
	c.audit(ctx, "service_client.create", "client:"+sc.ID, auth.Success, map[string]string{"name": sc.Name})
	return sc, nil
}

func validName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

func knownPermission(p auth.Permission) bool {
	return slices.Contains(auth.PermissionsOf(auth.Admin), p) || slices.Contains(auth.ServiceOnly, p)
}
