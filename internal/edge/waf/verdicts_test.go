package waf

import (
	"bytes"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
)

// keyed are the variables a remembered verdict may depend on: the request line, headers and
// cookies (all in the key), the body and what is parsed from it (only body-less requests are
// remembered), the transaction's own state, and REMOTE_ADDR, whose only use (REQUEST-905,
// ipMatch 127.0.0.1,::1) the key covers by holding loopback peers' addresses.
var keyed = map[string]bool{
	"ARGS": true, "ARGS_COMBINED_SIZE": true, "ARGS_GET": true, "ARGS_GET_NAMES": true, "ARGS_NAMES": true,
	"FILES": true, "FILES_COMBINED_SIZE": true, "FILES_NAMES": true, "MULTIPART_PART_HEADERS": true,
	"MULTIPART_STRICT_ERROR": true, "REQBODY_ERROR": true, "REQBODY_ERROR_MSG": true, "REQBODY_PROCESSOR": true,
	"REQUEST_BODY": true, "REQUEST_BODY_LENGTH": true, "XML": true,
	"QUERY_STRING": true, "REQUEST_BASENAME": true, "REQUEST_FILENAME": true, "REQUEST_LINE": true,
	"REQUEST_METHOD": true, "REQUEST_PROTOCOL": true, "REQUEST_URI": true, "REQUEST_URI_RAW": true,
	"REQUEST_HEADERS": true, "REQUEST_HEADERS_NAMES": true, "REQUEST_COOKIES": true, "REQUEST_COOKIES_NAMES": true,
	"TX": true, "MATCHED_VAR": true, "MATCHED_VARS": true, "MATCHED_VAR_NAME": true, "REMOTE_ADDR": true,
	// Read only when sampling is under 100% (901410) or default collections are on (901320);
	// TestVerdictKeyCoversWhatTheRulesRead checks that neither is configured.
	"UNIQUE_ID": true,
}

// TestVerdictKeyCoversWhatTheRulesRead reads every variable the loaded rule files name, as a
// rule target or in a macro, and fails on one the verdict key does not cover: a new CRS
// version that reads the clock or a persistent collection would make remembered verdicts
// unsound.
func TestVerdictKeyCoversWhatTheRulesRead(t *testing.T) {
	t.Parallel()
	files := []string{"@coraza.conf-recommended", "@crs-setup.conf.example"}
	reqs, err := fs.Glob(coreruleset.FS, "@owasp_crs/REQUEST-*.conf")
	if err != nil || len(reqs) < 15 {
		t.Fatalf("CRS request rule files: %v %v", reqs, err)
	}
	files = append(files, reqs...)
	var text strings.Builder
	for _, f := range files {
		b, err := fs.ReadFile(coreruleset.FS, f)
		if err != nil {
			t.Fatal(err)
		}
		text.Write(b)
	}
	text.WriteString(pasarSettings)
	text.WriteString(exclusions)
	var live []string
	for line := range strings.Lines(text.String()) {
		if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
			live = append(live, line)
		}
	}
	rules := strings.Join(live, "")
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s*SecRule\s+(\S+)`).FindAllStringSubmatch(rules, -1) {
		for v := range strings.SplitSeq(m[1], "|") {
			name, _, _ := strings.Cut(strings.TrimLeft(v, "!&"), ":")
			seen[strings.ToUpper(name)] = true
		}
	}
	for _, m := range regexp.MustCompile(`%\{([A-Za-z_]+)`).FindAllStringSubmatch(rules, -1) {
		seen[strings.ToUpper(m[1])] = true
	}
	for v := range seen {
		if !keyed[v] {
			t.Errorf("the rules read %s, which the verdict key does not cover", v)
		}
	}
	if !seen["REQUEST_HEADERS"] || !seen["ARGS"] {
		t.Fatalf("parsed variables %v: the rule files were not read", slices.Sorted(func(yield func(string) bool) {
			for v := range seen {
				if !yield(v) {
					return
				}
			}
		}))
	}
	// Sampling must stay at 100% and default (persistent) collections off.
	for _, m := range regexp.MustCompile(`(?i)setvar:'?tx\.(sampling_percentage|enable_default_collections)=([^',"\s]*)`).FindAllStringSubmatch(rules, -1) {
		if setting, value := strings.ToLower(m[1]), m[2]; (setting == "sampling_percentage") != (value == "100") {
			t.Errorf("tx.%s=%s is configured: verdicts would depend on UNIQUE_ID or persistent state", setting, value)
		}
	}
}

func TestVerdictKey(t *testing.T) {
	t.Parallel()
	base := func() *http.Request {
		r := request{method: "GET", target: "/api/v1/products/linen-shirt?x=1"}.build()
		r.RemoteAddr = "203.0.113.7:5000"
		return r
	}
	k := verdictKey(base())
	if k == "" {
		t.Fatal("a plain GET has no key")
	}
	other := base()
	other.RemoteAddr = "198.51.100.9:6000"
	if verdictKey(other) != k {
		t.Error("two non-loopback peers have different keys: the rules cannot tell them apart")
	}
	for name, change := range map[string]func(*http.Request){
		"loopback peer":    func(r *http.Request) { r.RemoteAddr = "127.0.0.1:5000" },
		"loopback v6 peer": func(r *http.Request) { r.RemoteAddr = "[::1]:5000" },
		"header value":     func(r *http.Request) { r.Header.Set("Accept", "text/html") },
		"added header":     func(r *http.Request) { r.Header.Set("Referer", "https://shop.example/") },
		"second value":     func(r *http.Request) { r.Header.Add("Accept", "text/html") },
		"query":            func(r *http.Request) { r.URL.RawQuery = "x=2" },
		"method":           func(r *http.Request) { r.Method = "HEAD" },
		"host":             func(r *http.Request) { r.Host = "203.0.113.7" },
		"protocol":         func(r *http.Request) { r.Proto = "HTTP/1.0" },
	} {
		r := base()
		change(r)
		if kk := verdictKey(r); kk == k || kk == "" {
			t.Errorf("%s: key %q, want a different, non-empty key", name, kk)
		}
	}
	for name, change := range map[string]func(*http.Request){
		"cookie":        func(r *http.Request) { r.Header.Set("Cookie", "pasar_session=abc") },
		"authorization": func(r *http.Request) { r.Header.Set("Authorization", "Bearer abc") },
		"post":          func(r *http.Request) { r.Method = "POST" },
		"body":          func(r *http.Request) { r.ContentLength = 3 },
		"chunked":       func(r *http.Request) { r.TransferEncoding = []string{"chunked"} },
		"huge header":   func(r *http.Request) { r.Header.Set("X-Big", strings.Repeat("a", maxKeyBytes)) },
	} {
		r := base()
		change(r)
		if kk := verdictKey(r); kk != "" {
			t.Errorf("%s: key %q, want none (always evaluated)", name, kk)
		}
	}
}

func TestVerdictsAreBounded(t *testing.T) {
	t.Parallel()
	v := newVerdicts(2)
	v.remember("a")
	v.remember("b")
	v.remember("c") // a and b become the old generation
	if !v.passed("a") {
		t.Fatal("a was dropped a generation early")
	}
	// a moved to the current generation (c, a); the next key retires b.
	v.remember("d")
	if v.passed("b") {
		t.Error("b outlived two generations")
	}
	if !v.passed("a") || !v.passed("c") || !v.passed("d") {
		t.Error("keys in use were dropped")
	}
	if n := len(v.cur) + len(v.old); n > 4 {
		t.Errorf("%d keys held, want at most 2 generations of 2", n)
	}
}

// TestRememberedVerdictsNeverPassAnAttack sends a clean request, then the same request with one
// part changed into an attack: each must be blocked although the clean one was remembered.
func TestRememberedVerdictsNeverPassAnAttack(t *testing.T) {
	t.Parallel()
	w, err := New(Options{Mode: Block, MaxBodyBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	h := w.Wrap(echo)
	clean := func() *http.Request {
		return request{method: "GET", target: "/api/v1/search?q=linen+shirt"}.build()
	}
	for range 2 {
		if rec := serve(h, clean()); rec.Code != http.StatusOK {
			t.Fatalf("clean search: %d %s", rec.Code, rec.Body)
		}
	}
	if !w.seen.passed(verdictKey(clean())) {
		t.Fatal("the clean search was not remembered")
	}
	for name, change := range map[string]func(*http.Request){
		"user agent":  func(r *http.Request) { r.Header.Set("User-Agent", "sqlmap/1.7") },
		"referer xss": func(r *http.Request) { r.Header.Set("Referer", `"><script>alert(1)</script>`) },
		"header sqli": func(r *http.Request) { r.Header.Set("User-Agent", "x' UNION SELECT password FROM users--") },
		"query":       func(r *http.Request) { r.URL.RawQuery = "q=" + q("' OR '1'='1' --") },
		"path":        func(r *http.Request) { r.URL.Path = "/api/v1/search/../../etc/passwd" },
		"body on a get": func(r *http.Request) {
			r.Body = http.NoBody
			r.ContentLength = 4
			r.Header.Set("Content-Length", "4")
		},
	} {
		r := clean()
		change(r)
		for range 2 {
			if rec := serve(h, r); rec.Code < 400 {
				t.Errorf("%s: %d after a clean request was remembered, want refused", name, rec.Code)
			}
		}
	}
	for _, a := range attacks {
		if k := verdictKey(a.build()); k != "" && w.seen.passed(k) {
			t.Errorf("attack %q is remembered as clean", a.name)
		}
	}
	// A request scored under the threshold passes silently, so it is remembered.
	warned := httptest.NewRequest("GET", "http://203.0.113.7/api/v1/products", nil)
	if rec := serve(h, warned); rec.Code != http.StatusOK {
		t.Fatalf("numeric host: %d", rec.Code)
	}
	if !w.seen.passed(verdictKey(warned)) {
		t.Error("a request passed under the threshold (numeric Host, 920350) was not remembered")
	}
	// Detect mode logs what block would refuse: each such request is evaluated and logged.
	var logs bytes.Buffer
	d, err := New(Options{Mode: Detect, MaxBodyBytes: 1 << 20, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	xss := func() *http.Request {
		return request{method: "GET", target: "/api/v1/search?q=" + q("<script>alert(1)</script>")}.build()
	}
	for range 2 {
		if rec := serve(d.Wrap(echo), xss()); rec.Code != http.StatusOK {
			t.Fatalf("detect mode refused: %d", rec.Code)
		}
	}
	if d.seen.passed(verdictKey(xss())) || strings.Count(logs.String(), "WAF detected") != 2 {
		t.Errorf("detect mode: remembered %v, log %q: want each request evaluated and logged", d.seen.passed(verdictKey(xss())), logs.String())
	}
}
