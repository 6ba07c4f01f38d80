package admin

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/identity"
	"github.com/pasarhq/pasar/internal/platform/apperr"
	"github.com/pasarhq/pasar/internal/platform/auth"
	"github.com/pasarhq/pasar/internal/platform/httpx"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/admin.css
var stylesheet []byte

// assetPrefix is where the stylesheet is served; its name carries a hash of its content, so it
// can be cached for a year and a new build still reaches every browser at once.
const assetPrefix = "/admin/assets/"

// pages holds the parsed templates, one set per page, and the fingerprinted stylesheet.
type pages struct {
	byName  map[string]*template.Template
	cssName string
}

func loadPages() (*pages, error) {
	sum := sha256.Sum256(stylesheet)
	p := &pages{byName: map[string]*template.Template{}, cssName: "admin." + hex.EncodeToString(sum[:])[:10] + ".css"}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if n == "templates/layout.html" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, err
		}
		p.byName[strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")] = t
	}
	return p, nil
}

func (p *pages) serveAsset(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("name") != p.cssName {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(stylesheet)
}

// view is what every page template gets: the page's own data in Page, the form being
// re-shown (with its errors) in Form.
type view struct {
	Title   string
	Nav     string // which menu entry is current
	Who     auth.Principal
	CSRF    string
	CSS     string
	Notice  string // a short confirmation after a write (from ?done=)
	Problem string // what went wrong, for the whole page
	Form    *form
	Page    any
}

// form is a submitted form: its values as typed, and the error for each field that is wrong.
type form struct {
	Values  url.Values
	Errors  map[string]string
	Message string
}

func newForm(v url.Values) *form { return &form{Values: v, Errors: map[string]string{}} }

// Get returns the value of field name, as typed.
func (f *form) Get(name string) string {
	if f == nil {
		return ""
	}
	return f.Values.Get(name)
}

// Err returns the error of field name, or "".
func (f *form) Err(name string) string {
	if f == nil {
		return ""
	}
	return f.Errors[name]
}

// Add records an error for field name (the first one wins).
func (f *form) Add(name, detail string) {
	if _, ok := f.Errors[name]; !ok {
		f.Errors[name] = detail
	}
}

// Bad reports whether any field has an error.
func (f *form) Bad() bool { return len(f.Errors) > 0 || f.Message != "" }

// absorb puts a service error's field errors on the form, each under the field it names (the
// form's inputs carry the API's field names), and returns the status to answer with.
func (f *form) absorb(err error) int {
	var e *apperr.Error
	if !errors.As(err, &e) {
		f.Message = "Something went wrong; nothing was changed. Try again in a moment."
		return http.StatusInternalServerError
	}
	for _, fe := range e.Fields {
		f.Add(fe.Field, fe.Detail)
	}
	if len(e.Fields) == 0 || e.Kind != apperr.InvalidInput {
		f.Message = e.Message
	}
	return httpx.StatusOf(e.Kind)
}

// render writes page name with status. Templates are executed into a buffer first, so a
// template error becomes a clean 500 instead of half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	t, ok := h.pages.byName[name]
	if !ok {
		panic("admin: no template " + name) // a programming error, caught by every page's test
	}
	v.Who = auth.FromContext(r.Context())
	v.CSRF = identity.CSRFToken(r.Context())
	v.CSS = assetPrefix + h.pages.cssName
	if v.Notice == "" {
		v.Notice = notices[r.URL.Query().Get("done")]
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		h.o.Logger.Error("admin page", "page", name, "err", err)
		http.Error(w, "The page could not be shown.", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store") // private data, and every page carries the session's CSRF token
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail shows an error page for err: its message for the kinds a person can act on, a generic
// one (with the cause logged) for the rest.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, "Something went wrong. Try again in a moment."
	var e *apperr.Error
	if errors.As(err, &e) && e.Kind != apperr.Internal {
		status, msg = httpx.StatusOf(e.Kind), e.Message
	} else {
		h.o.Logger.Error("admin page", "path", r.URL.Path, "err", err)
	}
	h.render(w, r, status, "error", view{Title: http.StatusText(status), Problem: msg})
}

// done redirects after a successful write (POST, redirect, GET), with a notice to show.
func done(w http.ResponseWriter, r *http.Request, to, notice string) {
	sep := "?"
	if strings.Contains(to, "?") {
		sep = "&"
	}
	http.Redirect(w, r, to+sep+"done="+notice, http.StatusSeeOther)
}

// notices are the confirmations a redirect may ask for; anything else shows nothing, so a link
// cannot put arbitrary text on the page.
var notices = map[string]string{
	"created": "Saved.", "saved": "Saved.", "status": "Status changed.", "deleted": "Deleted.",
	"adjusted": "Stock adjusted.", "shipped": "Order marked shipped.", "delivered": "Order marked delivered.", "cancelled": "Order cancelled.",
	"refunded": "Order refunded.", "signedout": "You are signed out.",
}

var funcs = template.FuncMap{
	"money": formatMoney,
	// options shows an order line's variant options, as the storefront and the mails do.
	"options": catalog.OptionsText,
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"can": func(p auth.Principal, perm string) bool { return p.Can(auth.Permission(perm)) },
	"has": func(list []string, s string) bool { return slices.Contains(list, s) },
	"add": func(a, b int) int { return a + b },
	"str": func(v any) string { return fmt.Sprint(v) },
	"fld": func(f *form, name, label, typ string) field {
		return field{ID: fieldID(name), Name: name, Label: label, Type: typ, Value: f.Get(name), Err: f.Err(name)}
	},
	"fid":   fieldID,
	"vcols": variantFields,
}

// variantFields are the inputs of variant row i of the product editor.
func variantFields(f *form, i int) []field {
	n := fmt.Sprintf("variants[%d]", i)
	var out []field
	for _, c := range [][2]string{{".sku", "SKU"}, {".price.amount", "Price"},
		{".compare_at_price.amount", "Compare-at price"}, {".options", "Options"}} {
		name := n + c[0]
		out = append(out, field{ID: fieldID(name), Name: name, Label: fmt.Sprintf("%s, variant %d", c[1], i+1),
			Type: "text", Value: f.Get(name), Err: f.Err(name)})
	}
	return out
}

// field is one labelled input as the "input" template shows it.
type field struct {
	ID, Name, Label, Type, Value, Err string
}

// fieldID turns a field name such as variants[0].price.amount into an element id.
func fieldID(name string) string {
	return "f-" + strings.NewReplacer("[", "-", "]", "", ".", "-").Replace(name)
}

// formatMoney shows minor units as a decimal amount with its currency: 1999 USD -> "19.99 USD".
func formatMoney(amount int64, currency string) string {
	neg := amount < 0
	if neg {
		amount = -amount
	}
	s := strconv.FormatInt(amount/100, 10) + "." + fmt.Sprintf("%02d", amount%100)
	if neg {
		s = "-" + s
	}
	return strings.TrimSpace(s + " " + currency)
}

// parseMoney reads a decimal amount ("19.99", "20") as minor units; ok is false for anything
// else, including more than two decimals and amounts too large to be a price.
func parseMoney(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || len(whole) > 12 || (hasFrac && (len(frac) == 0 || len(frac) > 2)) {
		return 0, false
	}
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, _ := strconv.ParseInt(whole, 10, 64)
	cents := int64(0)
	if hasFrac {
		if len(frac) == 1 {
			frac += "0"
		}
		cents, _ = strconv.ParseInt(frac, 10, 64)
	}
	return n*100 + cents, true
}
