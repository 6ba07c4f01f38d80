package admin_test

import (
	"net/url"
	"strings"
	"testing"
)

// TestOddInputIsNeverA500 posts hostile and broken values to every admin form: each answer is a
// page with a 4xx (or the WAF's 403), never a server error.
func TestOddInputIsNeverA500(t *testing.T) {
	s := testShop(t)
	b := s.signedIn(t, s.admin)
	odd := []string{"", " ", "\x00", "\xff\xfe", "-1", "99999999999999999999999",
		"1e9", "0x10", "NaN", "../../etc/passwd", "ünïcødé ✓", "12.345", "-0.01"}
	forms := map[string][]string{
		"/admin/products":                {"title", "slug", "brand", "status", "currency", "variants[0].sku", "variants[0].price.amount", "variants[0].compare_at_price.amount", "variants[0].options", "image_url", "categories"},
		"/admin/products/nope/status":    {"status", "version"},
		"/admin/categories":              {"name", "slug", "parent", "position"},
		"/admin/categories/nope":         {"name", "slug", "parent", "position"},
		"/admin/categories/nope/delete":  {"x"},
		"/admin/inventory":               {"sku", "warehouse", "on_hand", "low_stock_threshold", "reason"},
		"/admin/orders/nope/ship":        {"tracking_number"},
		"/admin/orders/nope/cancel":      {"reason"},
		"/admin/orders/nope/deliver":     {"note"},
		"/admin/orders/nope/refund":      {"refund_reason"},
		"/admin/discounts":               {"code", "kind", "percent", "amount_off", "currency", "min_subtotal", "starts_at", "ends_at", "usage_limit", "per_customer_limit"},
		"/admin/discounts/%00bad/delete": {"x"},
		"/admin/users/nope":              {"role", "disabled"},
	}
	token := b.csrf("/admin/")
	for path, fields := range forms {
		for _, v := range odd {
			form := url.Values{"csrf_token": {token}}
			for _, f := range fields {
				form.Set(f, v)
			}
			p := b.post(path, form)
			if p.Status >= 500 {
				t.Errorf("%s with %.20q in every field: %d %.300s", path, v, p.Status, p.Body)
			}
		}
		// Over every length limit, in the first field.
		form := url.Values{"csrf_token": {token}, fields[0]: {strings.Repeat("x", 25_000)}}
		if p := b.post(path, form); p.Status >= 500 {
			t.Errorf("%s with a long %s: %d %.300s", path, fields[0], p.Status, p.Body)
		}
	}
	for _, q := range []string{"/admin/products?cursor=%ff&status=bogus", "/admin/products?q=%00", "/admin/orders?status=%ff",
		"/admin/users?cursor=garbage&role=root", "/admin/audit?cursor=garbage&outcome=x", "/admin/inventory?sku=%00%ff"} {
		if p := b.get(q); p.Status >= 500 {
			t.Errorf("GET %s: %d %.300s", q, p.Status, p.Body)
		}
	}
}
