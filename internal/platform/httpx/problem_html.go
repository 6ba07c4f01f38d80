package httpx

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"
	"strings"
)

// A browser that posts a page's form and is refused by a layer in front of the page handlers
// (an expired form's CSRF check, the WAF, a rate limit) should see a page, not a JSON document.
// The same problem is rendered as a small HTML page for such requests; the API keeps JSON.
var problemPage = template.Must(template.New("problem").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title></head>
<body><main>
<h1>{{.Title}}</h1>
{{with .Detail}}<p>{{.}}</p>{{end}}
{{with .Errors}}<ul>{{range .}}<li>{{.Field}}: {{.Detail}}</li>{{end}}</ul>{{end}}
<p>Go back and try again, or <a href="/">go to the shop&rsquo;s home page</a>.</p>
{{with .RequestID}}<p><small>Request id {{.}}</small></p>{{end}}
</main></body></html>
`))

// wantsHTML tells a browser's page request (it accepts HTML) from an API call: everything
// under /api/ answers in problem+json whatever it accepts.
func wantsHTML(r *http.Request) bool {
	if r == nil || strings.HasPrefix(r.URL.Path, "/api/") {
		return false
	}
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

// writeProblemHTML renders p as a page; the status is p's.
func writeProblemHTML(w http.ResponseWriter, p Problem) {
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	var b bytes.Buffer
	if err := problemPage.Execute(&b, p); err != nil { // only strings: cannot happen
		writeProblem(w, p)
		return
	}
	h := w.Header()
	h.Del("Content-Encoding")
	h.Del("ETag")
	h.Del("Last-Modified")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_, _ = w.Write(b.Bytes())
}
