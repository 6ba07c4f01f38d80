package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestCategories(t *testing.T) {
	s := testShop(t)
	b := s.signedIn(t, s.admin)
	slug := strings.ToLower(uniq("shirts"))
	p := b.post("/admin/categories", b.with("/admin/categories", url.Values{"name": {"Shirts"}, "slug": {slug}, "position": {"x"}}))
	wantPage(t, "bad position", p, http.StatusUnprocessableEntity, `id="f-position-err">Enter a whole number.`, `value="Shirts"`)
	p = b.post("/admin/categories", b.with("/admin/categories", url.Values{"name": {"Shirts"}, "slug": {"Not a slug"}}))
	wantPage(t, "bad slug", p, http.StatusUnprocessableEntity, `id="f-slug-err"`)
	p = b.post("/admin/categories", b.with("/admin/categories", url.Values{"name": {"Shirts"}, "slug": {slug}}))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("create: %d %.1000s", p.Status, p.Body)
	}
	wantPage(t, "listed", b.get(p.Location), http.StatusOK, `value="`+slug+`"`, "Saved.")
	child := slug + "-linen"
	p = b.post("/admin/categories", b.with("/admin/categories", url.Values{"name": {"Linen"}, "slug": {child}, "parent": {slug}}))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("create child: %d", p.Status)
	}
	// The product editor offers both.
	wantPage(t, "editor", b.get("/admin/products/new"), http.StatusOK, `value="`+slug+`"`, `class="check depth-1"`)
	p = b.post("/admin/categories/"+slug+"/delete", b.with("/admin/categories", url.Values{}))
	wantPage(t, "delete parent", p, http.StatusConflict, "still has subcategories")
	p = b.post("/admin/categories/"+child, b.with("/admin/categories", url.Values{"name": {"Linen shirts"}, "slug": {child}, "parent": {slug}, "position": {"2"}}))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("rename: %d %.1000s", p.Status, p.Body)
	}
	wantPage(t, "renamed", b.get("/admin/categories"), http.StatusOK, `value="Linen shirts"`)
	for _, c := range []string{child, slug} {
		if p := b.post("/admin/categories/"+c+"/delete", b.with("/admin/categories", url.Values{})); p.Status != http.StatusSeeOther {
			t.Fatalf("delete %s: %d", c, p.Status)
		}
	}
}

func TestInventoryAndDashboard(t *testing.T) {
	s := testShop(t)
	b := s.signedIn(t, s.staff) // staff run the stock
	sku := uniq("MUG")
	createProduct(t, b, "Mug "+sku, sku, "8")
	p := b.post("/admin/inventory", b.with("/admin/inventory", url.Values{"sku": {sku}, "on_hand": {"-3"}, "reason": {""}}))
	wantPage(t, "bad adjustment", p, http.StatusUnprocessableEntity, `id="f-reason-err">is required`, `id="f-on_hand-err"`)
	p = b.post("/admin/inventory", b.with("/admin/inventory", url.Values{"sku": {sku}, "on_hand": {"lots"}, "reason": {"count"}}))
	wantPage(t, "not a number", p, http.StatusUnprocessableEntity, `id="f-on_hand-err">Enter a whole number of units.`)
	wantPage(t, "stock", b.get(stock(t, b, sku, 3, "5")), http.StatusOK, "Stock adjusted.", "<dt>Available</dt><dd>3</dd>",
		`<span class="status s-pending">low</span>`, "<td>delivery</td>", s.staff.ID)
	wantPage(t, "dashboard low stock", b.get("/admin/"), http.StatusOK, `href="/admin/inventory?sku=`+sku+`"`)
	wantPage(t, "unknown sku", b.get("/admin/inventory?sku=NOPE-"+sku), http.StatusOK, "No stock recorded for this SKU yet.")
	// Staff's dashboard has no audit log: only admins read it.
	if strings.Contains(b.get("/admin/").Body, "Recent activity") {
		t.Error("staff dashboard shows the audit log")
	}
	admin := s.signedIn(t, s.admin)
	wantPage(t, "audited", admin.get("/admin/audit?action="+url.QueryEscape("POST /admin/inventory")+"&actor="+s.staff.ID),
		http.StatusOK, "/admin/inventory", "s-success", "s-failure")
}

func TestOrders(t *testing.T) {
	s := testShop(t)
	admin, staff := s.signedIn(t, s.admin), s.signedIn(t, s.staff)
	sku := uniq("CAP")
	createProduct(t, admin, "Cap "+sku, sku, "20")
	stock(t, admin, sku, 10, "")
	id, number := s.paidOrder(t, sku)
	id2, _ := s.paidOrder(t, sku)

	wantPage(t, "list", admin.get("/admin/orders"), http.StatusOK, number, "shopper@example.com", `href="/admin/orders/`+id+`"`)
	wantPage(t, "filtered", admin.get("/admin/orders?status=paid"), http.StatusOK, number)
	if strings.Contains(admin.get("/admin/orders?status=shipped").Body, number) {
		t.Error("a paid order is listed under shipped")
	}
	wantPage(t, "dashboard", admin.get("/admin/"), http.StatusOK, number)
	wantPage(t, "detail", admin.get("/admin/orders/"+id), http.StatusOK, "Cap "+sku, "Ada Shopper", "12345 Springfield",
		`class="timeline"`, "paid", "Mark shipped", "Cancel order", "Refund in full")
	if strings.Contains(staff.get("/admin/orders/"+id).Body, "Refund in full") {
		t.Error("staff are offered a refund they may not make")
	}
	p := staff.post("/admin/orders/"+id+"/refund", staff.with("/admin/orders/"+id, url.Values{}))
	wantPage(t, "staff refund", p, http.StatusForbidden)

	p = staff.post("/admin/orders/"+id+"/ship", staff.with("/admin/orders/"+id, url.Values{"tracking_number": {"  "}}))
	wantPage(t, "no tracking number", p, http.StatusUnprocessableEntity, `id="f-tracking_number-err">is required`)
	p = staff.post("/admin/orders/"+id+"/ship", staff.with("/admin/orders/"+id, url.Values{"tracking_number": {"1Z999AA10123456784"}}))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("ship: %d %.2000s", p.Status, p.Body)
	}
	wantPage(t, "shipped", staff.get(p.Location), http.StatusOK, "Order marked shipped.", "1Z999AA10123456784",
		"paid → shipped", "tracking 1Z999AA10123456784", s.staff.ID)
	p = staff.post("/admin/orders/"+id+"/cancel", staff.with("/admin/orders/"+id, url.Values{"reason": {"too late"}}))
	wantPage(t, "cancel shipped", p, http.StatusConflict, "not in a state that allows this")

	p = staff.post("/admin/orders/"+id+"/deliver", staff.with("/admin/orders/"+id, url.Values{"note": {"signed for"}}))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("deliver: %d %.2000s", p.Status, p.Body)
	}
	wantPage(t, "delivered", staff.get(p.Location), http.StatusOK, "Order marked delivered.", "shipped → delivered", "signed for")
	p = admin.post("/admin/orders/"+id+"/refund", admin.with("/admin/orders/"+id, url.Values{"refund_reason": {"damaged"}}))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("refund: %d %.2000s", p.Status, p.Body)
	}
	wantPage(t, "refunded", admin.get("/admin/orders/"+id), http.StatusOK, "delivered → refunded", "damaged")
	p = admin.post("/admin/orders/"+id2+"/cancel", admin.with("/admin/orders/"+id2, url.Values{"reason": {"customer asked"}}))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("cancel: %d %.2000s", p.Status, p.Body)
	}
	wantPage(t, "cancelled", admin.get("/admin/orders/"+id2), http.StatusOK, "paid → cancelled", "customer asked")
	wantPage(t, "unknown order", admin.get("/admin/orders/no-such-order"), http.StatusNotFound)
	wantPage(t, "audit", admin.get("/admin/audit?action="+url.QueryEscape("POST /admin/orders/{id}/ship")), http.StatusOK,
		"/admin/orders/"+id+"/ship", "s-failure", "s-success")
}

func TestDiscountCodes(t *testing.T) {
	s := testShop(t)
	b := s.signedIn(t, s.admin)
	code := strings.ToUpper(uniq("SPRING"))
	p := b.post("/admin/discounts", b.with("/admin/discounts", url.Values{"code": {code}, "kind": {"percent"}, "percent": {"150"}}))
	wantPage(t, "bad percent", p, http.StatusUnprocessableEntity, `id="f-percent-err">must be from 1 to 100`, `value="`+code+`"`)
	p = b.post("/admin/discounts", b.with("/admin/discounts", url.Values{"code": {code}, "kind": {"fixed"}, "amount_off": {"5.5.5"}, "ends_at": {"soon"}}))
	wantPage(t, "bad amount", p, http.StatusUnprocessableEntity, `id="f-amount_off-err">Enter an amount`, `id="f-ends_at-err">Enter a date`)
	p = b.post("/admin/discounts", b.with("/admin/discounts", url.Values{"code": {code}, "kind": {"fixed"}, "amount_off": {"5"}}))
	wantPage(t, "fixed without currency", p, http.StatusUnprocessableEntity, `id="f-currency-err">is required for a fixed discount`)
	p = b.post("/admin/discounts", b.with("/admin/discounts", url.Values{"code": {code}, "kind": {"percent"}, "percent": {"15"},
		"usage_limit": {"100"}, "ends_at": {"2099-01-01"}}))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("create: %d %.2000s", p.Status, p.Body)
	}
	wantPage(t, "listed", b.get("/admin/discounts"), http.StatusOK, "<strong>"+code+"</strong>", "15%", "0 / 100", "until 2099-01-01")
	p = b.post("/admin/discounts", b.with("/admin/discounts", url.Values{"code": {code}, "kind": {"percent"}, "percent": {"10"}}))
	if p.Status < 400 || p.Status >= 500 {
		t.Errorf("duplicate code: %d, want a 4xx", p.Status)
	}
	if p := b.post("/admin/discounts/"+code+"/delete", b.with("/admin/discounts", url.Values{})); p.Status != http.StatusSeeOther {
		t.Fatalf("delete: %d", p.Status)
	}
	if strings.Contains(b.get("/admin/discounts").Body, "<strong>"+code+"</strong>") {
		t.Error("deleted code still listed")
	}
	wantPage(t, "delete again", b.post("/admin/discounts/"+code+"/delete", b.with("/admin/discounts", url.Values{})), http.StatusNotFound)
}

func TestUsersAndRoles(t *testing.T) {
	s := testShop(t)
	b := s.signedIn(t, s.admin)
	wantPage(t, "users", b.get("/admin/users?email=staff"), http.StatusOK, s.staff.Email)
	if strings.Contains(b.get("/admin/users?email=staff").Body, s.customer.Email) {
		t.Error("email filter lists another user")
	}
	// Promote the customer to staff, then back.
	for _, role := range []string{"staff", "customer"} {
		p := b.post("/admin/users/"+s.customer.ID, b.with("/admin/users", url.Values{"role": {role}}))
		if p.Status != http.StatusSeeOther {
			t.Fatalf("role %s: %d %.1000s", role, p.Status, p.Body)
		}
	}
	p := b.post("/admin/users/"+s.customer.ID, b.with("/admin/users", url.Values{"role": {"owner"}}))
	wantPage(t, "bad role", p, http.StatusUnprocessableEntity, "The user was not changed")
	wantPage(t, "audited by identity", b.get("/admin/audit?action=user.role_change"), http.StatusOK, "user:"+s.customer.ID)
}
