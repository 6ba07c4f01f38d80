package web_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
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
	link := waitResetLink(t, email)
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

var resetLink = regexp.MustCompile(`https?://[^\s"<>]+/account/reset\?token=[^\s"<>&]+`)

// waitResetLink waits for the reset mail to email among the .eml files the shop writes, and
// returns the link in it.
func waitResetLink(t *testing.T, email string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		files, _ := filepath.Glob(filepath.Join(shopDataDir, "mail", "*.eml"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			// Undo quoted-printable soft breaks and the escaped "=" so the link reads whole.
			text := strings.ReplaceAll(strings.ReplaceAll(string(b), "=\r\n", ""), "=\n", "")
			text = strings.ReplaceAll(text, "=3D", "=")
			if !strings.Contains(text, email) {
				continue
			}
			if m := resetLink.FindString(text); m != "" {
				return m
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no reset mail to %s under %s", email, filepath.Join(shopDataDir, "mail"))
	return ""
}
