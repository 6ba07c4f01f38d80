// Package webtest drives the shop's pages over HTTP as a browser without JavaScript would: a
// cookie jar, forms posted from the shop's own pages with their CSRF tokens, and no redirect
// followed unasked. Journey walks a shopper and an admin through a running shop; the
// distributed-shape tests run it against the page server and through the gateway.
package webtest

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pasarhq/pasar/internal/notification"
)

// Browser is one browser on the shop at Base.
type Browser struct {
	t    testing.TB
	Base string
	c    *http.Client
}

// NewBrowser returns a browser with an empty cookie jar.
func NewBrowser(t testing.TB, base string) *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{t: t, Base: strings.TrimRight(base, "/"), c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Page is one answer.
type Page struct {
	Status   int
	Location string
	Body     string
}

// Get fetches path.
func (b *Browser) Get(path string) Page {
	b.t.Helper()
	return b.do(http.MethodGet, path, nil)
}

// Post submits form to path as a form on one of the shop's pages does: same-origin fetch
// metadata, and the CSRF token of the page at from (when from is not empty and the form has
// none yet).
func (b *Browser) Post(from, path string, form url.Values) Page {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if from != "" && form.Get("csrf_token") == "" {
		if m := csrfRe.FindStringSubmatch(b.Get(from).Body); m != nil {
			form.Set("csrf_token", m[1])
		}
	}
	return b.do(http.MethodPost, path, form)
}

// PostFile submits form to path as a multipart form with a file in fileField, as a form on the
// page at from (whose CSRF token it carries) does.
func (b *Browser) PostFile(from, path string, form url.Values, fileField, fileName string, content []byte) Page {
	b.t.Helper()
	if m := csrfRe.FindStringSubmatch(b.Get(from).Body); m != nil && form.Get("csrf_token") == "" {
		form.Set("csrf_token", m[1])
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile(fileField, fileName)
	if err == nil {
		_, err = fw.Write(content)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		b.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, b.Base+path, &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", b.Base)
	return b.send(req)
}

// Follow fetches where p redirects to, failing the test when p is no redirect.
func (b *Browser) Follow(p Page) Page {
	b.t.Helper()
	if p.Status < 300 || p.Status > 399 || p.Location == "" {
		b.t.Fatalf("want a redirect, got %d: %s", p.Status, Excerpt(p.Body))
	}
	return b.Get(p.Location)
}

var (
	csrfRe  = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	loginRe = regexp.MustCompile(`name="login_token" value="([^"]*)"`)
	keyRe   = regexp.MustCompile(`name="key" value="([0-9a-f]+)"`)
)

func (b *Browser) do(method, path string, form url.Values) Page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.Base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Origin", b.Base)
	}
	return b.send(req)
}

func (b *Browser) send(req *http.Request) Page {
	b.t.Helper()
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) pasar-webtest")
	req.Header.Set("Accept", "text/html")
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return Page{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(raw)}
}

// AdminLogin signs in on /admin/login and returns the answer to the form.
func (b *Browser) AdminLogin(email, password string) Page {
	b.t.Helper()
	p := b.Get("/admin/login")
	m := loginRe.FindStringSubmatch(p.Body)
	if m == nil {
		b.t.Fatalf("no admin sign-in form: %d %s", p.Status, Excerpt(p.Body))
	}
	return b.Post("", "/admin/login", url.Values{"login_token": {m[1]}, "email": {email}, "password": {password}})
}

// Want fails the test unless p has status and every one of want in its body.
func Want(t testing.TB, what string, p Page, status int, want ...string) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("%s: status %d, want %d (location %q): %s", what, p.Status, status, p.Location, Excerpt(p.Body))
	}
	for _, w := range want {
		if !strings.Contains(p.Body, w) {
			t.Fatalf("%s: the page lacks %q: %s", what, w, Excerpt(p.Body))
		}
	}
}

// Excerpt is the main part of a page, cut short, for failure messages.
func Excerpt(body string) string {
	if i := strings.Index(body, "<main"); i >= 0 {
		body = body[i:]
	}
	if len(body) > 1500 {
		body = body[:1500]
	}
	return body
}

// Eventually retries ok for up to 20 s.
func Eventually(t testing.TB, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20s", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

var resetLinkRe = regexp.MustCompile(`/account/reset\?token=[A-Za-z0-9_%.~-]+`)

// ResetLink returns the path of the password reset link in the newest mail to email in the
// mail log in dir (the notification service's mail folder without SMTP), or "".
func ResetLink(dir, email string) string {
	mails, _ := notification.ReadMailLog(dir)
	link := ""
	for _, m := range mails { // in the order written: the last match is the newest
		if m.Header.Get("To") != "<"+email+">" {
			continue
		}
		text, err := m.Part("text/plain")
		if err != nil {
			continue
		}
		if l := resetLinkRe.FindString(text); l != "" {
			link = l
		}
	}
	return link
}
