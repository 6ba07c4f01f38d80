package admin

import (
	"net/http"
	"strings"

	"github.com/pasarhq/pasar/internal/identity"
	"github.com/pasarhq/pasar/internal/platform/auth"
)

var roles = []auth.Role{auth.Customer, auth.Staff, auth.Admin}

type usersPage struct {
	Users       []identity.User
	Email, Role string
	Next        string
	Roles       []auth.Role
}

func (h *Handler) userList(w http.ResponseWriter, r *http.Request) {
	h.showUsers(w, r, http.StatusOK, "")
}

func (h *Handler) showUsers(w http.ResponseWriter, r *http.Request, status int, problem string) {
	q := r.URL.Query()
	pg := usersPage{Email: strings.TrimSpace(q.Get("email")), Role: q.Get("role"), Roles: roles}
	f := identity.UserFilter{Email: pg.Email, Cursor: q.Get("cursor")}
	if auth.ValidRole(auth.Role(pg.Role)) {
		f.Role = auth.Role(pg.Role)
	} else {
		pg.Role = ""
	}
	page, err := h.o.Identity.ListUsers(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pg.Users, pg.Next = page.Users, page.Next
	h.render(w, r, status, "users", view{Title: "Users and roles", Nav: "users", Problem: problem, Page: pg})
}

// userUpdate changes a user's role and whether the account is disabled.
func (h *Handler) userUpdate(w http.ResponseWriter, r *http.Request) {
	role := auth.Role(r.PostFormValue("role"))
	disabled := r.PostFormValue("disabled") != ""
	u := identity.UserUpdate{Role: &role, Disabled: &disabled}
	if _, err := h.o.Identity.UpdateUser(r.Context(), r.PathValue("id"), u); err != nil {
		f := newForm(nil)
		status := f.absorb(err)
		h.showUsers(w, r, status, "The user was not changed: "+firstError(f))
		return
	}
	done(w, r, "/admin/users", "saved")
}
