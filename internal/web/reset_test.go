package web_test

import (
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pasarhq/pasar/internal/web/webtest"
)

// TestPasswordReset follows the reset mail's link: request a reset, open the link from the mail
// the shop sent, choose a new password, sign in with it.
func TestPasswordReset(t *testing.T) {
	t.Parallel()
	s := newShopper(t)
	email := s.register()
	s.post("/account/logout", nil)

	p := s.post("/account/reset", url.Values{"email": {email}})
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "we have sent it a link") {
		t.Fatalf("reset request: %d %s", p.Status, excerpt(p.Body))
	}
	if p := s.post("/account/reset", url.Values{"email": {""}}); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("reset without an address: %d, want 422", p.Status)
	}
	var link string
	webtest.Eventually(t, "the reset mail to "+email, func() bool {
		link = webtest.ResetLink(filepath.Join(shopDataDir, "mail"), email)
		return link != ""
	})
	u, err := url.Parse(link)
	if err != nil || u.Path != "/account/reset" {
		t.Fatalf("reset link %q", link)
	}
	form := s.get(u.RequestURI())
	token := u.Query().Get("token")
	if form.Status != http.StatusOK || !strings.Contains(form.Body, `name="token" value="`) {
		t.Fatalf("reset link page: %d %s", form.Status, excerpt(form.Body))
	}
	if p := s.post("/account/reset/confirm", url.Values{"token": {token}, "password": {"short"}}); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("too short a new password: %d, want 422: %s", p.Status, excerpt(p.Body))
	}
	p = s.post("/account/reset/confirm", url.Values{"token": {token}, "password": {"a brand new passphrase"}})
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/account/login?reset=1" {
		t.Fatalf("reset confirm: %d %s", p.Status, excerpt(p.Body))
	}
	if p := s.post("/account/login", url.Values{"email": {email}, "password": {"correct horse battery"}}); p.Status != http.StatusUnauthorized {
		t.Errorf("old password after reset: %d, want 401", p.Status)
	}
	if p := s.post("/account/login", url.Values{"email": {email}, "password": {"a brand new passphrase"}}); p.Status != http.StatusSeeOther {
		t.Errorf("new password: %d %s", p.Status, excerpt(p.Body))
	}
	if p := s.post("/account/reset/confirm", url.Values{"token": {token}, "password": {"another new passphrase"}}); p.Status/100 != 4 {
		t.Errorf("reset token used twice: %d, want 4xx", p.Status)
	}
}
