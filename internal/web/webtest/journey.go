package webtest

import (
	"crypto/rand"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Journey is what a shop's pages must let a guest, a customer and the staff do, from the home
// page to a shipped order, each step checked on the page it answers with.
type Journey struct {
	Base          string // the shop's address: the page server, or the gateway in front of it
	Slug, SKU     string // a product with at least three units of SKU in stock
	Word          string // a word the search page finds the product by
	AdminEmail    string // an admin account
	AdminPassword string
	// ResetLink returns the path of the password reset link mailed to an address, "" while
	// there is none yet.
	ResetLink func(email string) string
}

// Result is what the journey made.
type Result struct {
	GuestOrder, CustomerOrder string // order ids
	CustomerEmail             string
}

const password = "a long shopper passphrase"

var (
	orderIDRe = regexp.MustCompile(`^/orders/([^/?]+)`)
	userRe    = regexp.MustCompile(`action="/admin/users/([^"]+)"`)
	tokenRe   = regexp.MustCompile(`name="token" value="([^"]+)"`)
)

// Run walks the journey; a step that does not answer as it should fails t.
func (j Journey) Run(t *testing.T) Result {
	t.Helper()
	var res Result
	guest := NewBrowser(t, j.Base)
	Want(t, "home page", guest.Get("/"), 200, `href="/p/`)
	Eventually(t, "the search page finds "+j.Slug, func() bool {
		p := guest.Get("/search?q=" + url.QueryEscape(j.Word))
		return p.Status == 200 && strings.Contains(p.Body, `href="/p/`+j.Slug+`"`)
	})
	Want(t, "product page", guest.Get("/p/"+j.Slug), 200, j.SKU)

	// A guest buys one; the receipt is theirs only.
	res.GuestOrder = j.buy(t, guest, 1, "guest-"+strings.ToLower(rand.Text()[:8])+"@example.test")
	Want(t, "the guest's receipt", guest.Get("/orders/"+res.GuestOrder), 200, "PSR-")
	Want(t, "the guest's receipt in another browser", NewBrowser(t, j.Base).Get("/orders/"+res.GuestOrder), 404)

	// A customer registers, signs out, fills a cart as a guest and signs in: the cart moves into
	// theirs. They buy it and find the order in their history.
	email := "shopper-" + strings.ToLower(rand.Text()[:8]) + "@example.test"
	res.CustomerEmail = email
	cust := NewBrowser(t, j.Base)
	Want(t, "register", cust.Post("", "/account/register", url.Values{"email": {email}, "password": {password},
		"next": {"/account/"}}), 303)
	Want(t, "signed in after registering", cust.Get("/account/"), 200, email, "No orders yet")
	Want(t, "sign out", cust.Post("/account/", "/account/logout", nil), 303)
	Want(t, "add to the guest cart", cust.Post("", "/cart/items", url.Values{"slug": {j.Slug}, "sku": {j.SKU},
		"quantity": {"2"}}), 303)
	p := cust.Post("", "/account/login", url.Values{"email": {email}, "password": {password}, "next": {"/cart"}})
	if p.Status != 303 || p.Location != "/cart" {
		t.Fatalf("sign in: %d %q %s", p.Status, p.Location, Excerpt(p.Body))
	}
	Want(t, "the guest cart merged at sign-in", cust.Get("/cart"), 200, j.SKU, `value="2"`)
	res.CustomerOrder = j.buy(t, cust, 0, email)
	Want(t, "order history", cust.Get("/account/"), 200, "/account/orders/"+res.CustomerOrder)
	Want(t, "the customer's order", cust.Get("/account/orders/"+res.CustomerOrder), 200, "PSR-")
	Want(t, "another customer's order", cust.Get("/account/orders/"+res.GuestOrder), 404)

	// A customer cannot reach the admin pages, signed in or at the admin sign-in.
	Want(t, "a customer on /admin/", cust.Get("/admin/"), 403)
	Want(t, "a customer signing in to admin", NewBrowser(t, j.Base).AdminLogin(email, password), 403)

	// The admin ships the customer's order; the write is audited, and one without the form's
	// CSRF token is refused.
	adm := NewBrowser(t, j.Base)
	if p := adm.AdminLogin(j.AdminEmail, j.AdminPassword); p.Status != 303 || p.Location != "/admin/" {
		t.Fatalf("admin sign in: %d %q %s", p.Status, p.Location, Excerpt(p.Body))
	}
	Want(t, "dashboard", adm.Get("/admin/"), 200)
	path := "/admin/orders/" + res.CustomerOrder
	Want(t, "the order in admin", adm.Get(path), 200, "Mark shipped")
	Want(t, "ship without the CSRF token", adm.Post("", path+"/ship", url.Values{"tracking_number": {"E2E-TRACK-1"}}), 403)
	Want(t, "ship", adm.Post(path, path+"/ship", url.Values{"tracking_number": {"E2E-TRACK-1"}}), 303)
	Want(t, "the shipped order in admin", adm.Get(path), 200, "s-shipped", "E2E-TRACK-1")
	Want(t, "the shipped order in the customer's account", cust.Get("/account/orders/"+res.CustomerOrder), 200, "shipped")
	Want(t, "the audit log", adm.Get("/admin/audit"), 200, path+"/ship")

	// Discount codes, kept by the cart service: the admin adds one, the customer uses it.
	code := "E2E" + strings.ToUpper(rand.Text()[:6])
	Want(t, "create a discount code", adm.Post("/admin/discounts", "/admin/discounts", url.Values{"code": {code},
		"kind": {"percent"}, "percent": {"10"}}), 303)
	Want(t, "the discount codes", adm.Get("/admin/discounts"), 200, code)
	Want(t, "add to the customer's cart", cust.Post("/cart", "/cart/items", url.Values{"slug": {j.Slug}, "sku": {j.SKU},
		"quantity": {"1"}}), 303)
	Want(t, "apply the code", cust.Post("/cart", "/cart/discount", url.Values{"code": {code}}), 303)
	Want(t, "the cart with the code", cust.Get("/cart"), 200, code)

	// Roles limit what staff may do: the admin makes the customer staff; they see orders, not users.
	m := userRe.FindStringSubmatch(adm.Get("/admin/users?email=" + url.QueryEscape(email)).Body)
	if m == nil {
		t.Fatalf("the customer is not on the users page")
	}
	Want(t, "make the customer staff", adm.Post("/admin/users", "/admin/users/"+m[1], url.Values{"role": {"staff"}}), 303)
	staff := NewBrowser(t, j.Base)
	if p := staff.AdminLogin(email, password); p.Status != 303 {
		t.Fatalf("staff sign in: %d %s", p.Status, Excerpt(p.Body))
	}
	Want(t, "staff on the orders", staff.Get("/admin/orders"), 200, res.CustomerOrder)
	Want(t, "staff on the users", staff.Get("/admin/users"), 403)
	Want(t, "staff refunding", staff.Post(path, path+"/refund", url.Values{"refund_reason": {"no"}}), 403)

	// A password reset by mail: the link opens the page that sets a new one.
	r := NewBrowser(t, j.Base)
	Want(t, "ask for a reset", r.Post("", "/account/reset", url.Values{"email": {email}}), 200, "we have sent it a link")
	var link string
	Eventually(t, "the reset mail", func() bool { link = j.ResetLink(email); return link != "" })
	page := r.Get(link)
	tm := tokenRe.FindStringSubmatch(page.Body)
	if page.Status != 200 || tm == nil {
		t.Fatalf("reset link %s: %d %s", link, page.Status, Excerpt(page.Body))
	}
	const newPassword = "another long passphrase"
	Want(t, "set the new password", r.Post("", "/account/reset/confirm", url.Values{"token": {tm[1]}, "password": {newPassword}}), 303)
	Want(t, "sign in with the new password", r.Post("", "/account/login", url.Values{"email": {email},
		"password": {newPassword}, "next": {"/account/"}}), 303)
	Want(t, "signed in after the reset", r.Get("/account/"), 200, email)
	return res
}

// buy adds quantity (0: none, the cart is filled) of the journey's SKU and checks out with the
// test card that succeeds, then checks the confirmation page. It returns the order id.
func (j Journey) buy(t *testing.T, b *Browser, quantity int, email string) string {
	t.Helper()
	if quantity > 0 {
		Want(t, "add to cart", b.Post("", "/cart/items", url.Values{"slug": {j.Slug}, "sku": {j.SKU},
			"quantity": {strconv.Itoa(quantity)}}), 303)
		Want(t, "the cart", b.Get("/cart"), 200, j.SKU)
	}
	co := b.Get("/checkout")
	Want(t, "checkout page", co, 200, `name="shipping_method"`)
	km := keyRe.FindStringSubmatch(co.Body)
	if km == nil {
		t.Fatalf("checkout page without an idempotency key: %s", Excerpt(co.Body))
	}
	form := url.Values{"key": {km[1]}, "email": {email}, "shipping_address.name": {"Ann Shopper"},
		"shipping_address.line1": {"1 Main St"}, "shipping_address.city": {"Springfield"},
		"shipping_address.postal_code": {"12345"}, "shipping_address.country": {"US"}, "shipping_method": {"standard"},
		"payment.card_number": {"4242424242424242"}}
	if m := csrfRe.FindStringSubmatch(co.Body); m != nil {
		form.Set("csrf_token", m[1])
	}
	p := b.Post("", "/checkout", form)
	m := orderIDRe.FindStringSubmatch(p.Location)
	if p.Status != 303 || m == nil {
		t.Fatalf("checkout: %d %q %s", p.Status, p.Location, Excerpt(p.Body))
	}
	Want(t, "confirmation", b.Get(p.Location), 200, "Your order is placed", "PSR-")
	Want(t, "the cart after checkout", b.Get("/cart"), 200, "Your cart is empty")
	return m[1]
}
