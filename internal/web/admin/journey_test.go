package admin_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pasarhq/pasar/internal/web/browsertest"
)

// TestAdminJourney drives the admin pages in headless chromium against the all-in-one shop with
// the WAF blocking: sign in, create a product (HTML description, two variants, an uploaded
// image), stock it, find it on the storefront's search page, then ship an order a shopper placed
// for it through the checkout API. It saves screenshots of the main admin pages.
func TestAdminJourney(t *testing.T) {
	s := testShop(t)
	ctx := browsertest.New(t, browsertest.Options{Timeout: 90 * time.Second})
	// The shop as a person reaches it: by name, not by a bare IP the WAF scores as suspicious.
	base := strings.Replace(s.URL, "127.0.0.1", "localhost", 1)
	sku := uniq("SCARF")
	title := "Marigold Quokka Scarf " + sku
	shot := func(name string) { browsertest.Screenshot(t, ctx, name) }
	must := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		out, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return out
	}
	location := func() string {
		t.Helper()
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}

	// Sign in: the dashboard sends an anonymous visitor to the sign-in page.
	must("open the dashboard", chromedp.Navigate(base+"/admin/"), chromedp.WaitVisible(chromedp.ID("email")))
	if loc := location(); !strings.Contains(loc, "/admin/login") {
		t.Fatalf("anonymous dashboard at %s, want the sign-in page", loc)
	}
	shot("admin-login")
	must("sign in",
		chromedp.SendKeys(chromedp.ID("email"), s.admin.Email),
		chromedp.SendKeys(chromedp.ID("password"), s.admin.Password),
		chromedp.Click(chromedp.CSS(`form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.tiles`)))
	if h1 := text("h1"); h1 != "Dashboard" {
		t.Fatalf("after sign-in the page is %q", h1)
	}

	// Create the product. A bad price first: the form comes back with the error at the field.
	img := filepath.Join(t.TempDir(), "scarf.png")
	if err := os.WriteFile(img, tinyPNG(), 0o600); err != nil {
		t.Fatal(err)
	}
	must("open the product form", chromedp.Navigate(base+"/admin/products/new"), chromedp.WaitVisible(chromedp.ID("f-title")))
	must("fill the product form",
		chromedp.SendKeys(chromedp.ID("f-title"), title),
		chromedp.SendKeys(chromedp.ID("f-description"),
			`<h2>Care</h2><p>Hand-woven <em>merino</em>; wash "cold" & dry flat. 100% wool, see <a href="/c/scarves">scarves</a>.</p>`),
		chromedp.SendKeys(chromedp.ID("f-brand"), "O'Neill & Sons"),
		chromedp.SetValue(chromedp.ID("f-status"), "active"),
		chromedp.SendKeys(chromedp.ID("f-variants-0-sku"), sku),
		chromedp.SendKeys(chromedp.ID("f-variants-0-price-amount"), "twenty"),
		chromedp.SendKeys(chromedp.ID("f-variants-0-options"), "colour=marigold"),
		chromedp.Click(chromedp.CSS(`form.card button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("f-variants-0-price-amount-err")))
	if e := text("#f-variants-0-price-amount-err"); !strings.Contains(e, "Enter a price") {
		t.Fatalf("price error says %q", e)
	}
	must("correct the price and upload an image",
		chromedp.SetValue(chromedp.ID("f-variants-0-price-amount"), "39.00"),
		chromedp.SendKeys(chromedp.ID("f-variants-1-sku"), sku+"-WIDE"),
		chromedp.SendKeys(chromedp.ID("f-variants-1-price-amount"), "45.50"),
		chromedp.SendKeys(chromedp.ID("f-variants-1-options"), "colour=marigold, width=wide"),
		chromedp.SetUploadFiles(chromedp.ID("f-image_file"), []string{img}),
		chromedp.SendKeys(chromedp.ID("f-image_alt"), "The scarf, folded"))
	shot("admin-product-new")
	must("create the product",
		chromedp.Click(chromedp.CSS(`form.card button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice`)))
	if n := text(".notice"); n != "Saved." {
		t.Fatalf("after create the notice says %q", n)
	}
	if src, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(".image-row img"), "src")); err != nil || !strings.HasPrefix(src.Value, "/uploads/") {
		t.Fatalf("uploaded image: %+v %v", src, err)
	}
	shot("admin-product-edit")

	// Stock both variants, with a reason.
	for _, v := range []string{sku, sku + "-WIDE"} {
		must("stock "+v,
			chromedp.Navigate(base+"/admin/inventory?sku="+v), chromedp.WaitVisible(chromedp.ID("f-on_hand")),
			chromedp.SetValue(chromedp.ID("f-on_hand"), "12"),
			chromedp.SetValue(chromedp.ID("f-low_stock_threshold"), "3"),
			chromedp.SendKeys(chromedp.ID("f-reason"), "first delivery"),
			chromedp.Click(chromedp.CSS(`form.card button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`.notice`)))
	}
	shot("admin-inventory")

	// The storefront's search page finds it once the search index has the catalog's event, and
	// its card leads to the product page.
	deadline := time.Now().Add(20 * time.Second)
	for {
		must("search", chromedp.Navigate(base+"/search?q=quokka"), chromedp.WaitReady(chromedp.CSS("main")))
		if body := text("main"); strings.Contains(body, title) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the search page for quokka does not show %q: %s", title, text("main"))
		}
		time.Sleep(250 * time.Millisecond)
	}
	shot("admin-journey-storefront-search")
	must("open the product in the shop",
		chromedp.Click(chromedp.CSS(`main a[href^="/p/marigold-quokka-scarf"]`)),
		chromedp.WaitVisible(chromedp.CSS("main h1")))
	if h1 := text("main h1"); h1 != title {
		t.Fatalf("the shop's product page is titled %q, want %q", h1, title)
	}

	// A shopper orders it (through the checkout API); staff ship it from the order page.
	orderID, number := s.paidOrder(t, sku)
	must("open the orders", chromedp.Navigate(base+"/admin/orders"), chromedp.WaitVisible(chromedp.CSS(`a[href="/admin/orders/`+orderID+`"]`)))
	shot("admin-orders")
	must("open the order",
		chromedp.Click(chromedp.CSS(`a[href="/admin/orders/`+orderID+`"]`)),
		chromedp.WaitVisible(chromedp.ID("f-tracking_number")))
	if h1 := text("h1"); h1 != "Order "+number {
		t.Fatalf("order page heading %q", h1)
	}
	must("ship it",
		chromedp.SendKeys(chromedp.ID("f-tracking_number"), "1Z999AA10123456784"),
		chromedp.Click(chromedp.CSS(`form[action$="/ship"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice`)))
	if n := text(".notice"); n != "Order marked shipped." {
		t.Fatalf("after shipping the notice says %q", n)
	}
	if tl := text(".timeline"); !strings.Contains(tl, "tracking 1Z999AA10123456784") {
		t.Fatalf("timeline: %q", tl)
	}
	shot("admin-order-shipped")

	// The other main pages, for the screenshots; the dashboard also on a phone.
	for _, p := range []struct{ path, name string }{{"/admin/", "admin-dashboard"}, {"/admin/products", "admin-products"},
		{"/admin/categories", "admin-categories"}, {"/admin/discounts", "admin-discounts"}, {"/admin/users", "admin-users"},
		{"/admin/audit", "admin-audit"}} {
		must("open "+p.path, chromedp.Navigate(base+p.path), chromedp.WaitVisible(chromedp.CSS("main h1")))
		shot(p.name)
	}
	if a := text("main table"); !strings.Contains(a, "POST /admin/orders/{id}/ship") || !strings.Contains(a, "POST /admin/products") {
		t.Errorf("the audit log lacks the journey's writes: %.500s", a)
	}
	must("phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/admin/"), chromedp.WaitVisible(chromedp.CSS(".tiles")))
	shot("admin-dashboard-phone")
}
