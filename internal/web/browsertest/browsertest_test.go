package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserSubmitsForm drives a real form round trip: the launcher is only useful if chromium
// starts, loads a page from a local server, types, submits and screenshots.
func TestBrowserSubmitsForm(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.Method == http.MethodPost {
			fmt.Fprintf(w, `<!doctype html><title>done</title><p id="out">hello %s</p>`, r.PostFormValue("name"))
			return
		}
		fmt.Fprint(w, `<!doctype html><title>form</title><form method="post"><label>Name <input id="name" name="name"></label><button id="go">Go</button></form>`)
	}))
	defer srv.Close()

	ctx := New(t, Options{})
	err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL),
		chromedp.SendKeys(chromedp.ID("name"), "ada"),
		chromedp.Click(chromedp.ID("go")),
		chromedp.WaitVisible(chromedp.ID("out")),
	)
	if err != nil {
		t.Fatal(err)
	}
	out, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("out")))
	if err != nil {
		t.Fatal(err)
	}
	if out != "hello ada" {
		t.Fatalf("page says %q, want %q", out, "hello ada")
	}
	p := Screenshot(t, ctx, "browsertest-form")
	if st, err := os.Stat(p); err != nil || st.Size() == 0 {
		t.Fatalf("screenshot %s not written: %v", p, err)
	}
	os.Remove(p) // not a page anyone needs to look at
}
