package web_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pasarhq/pasar/internal/web/browsertest"
)

// TestShopperJourney buys in a real browser from the real shop (WAF blocking): a search with a
// typo, the product, the cart, an account made on the way, checkout with the test card, the
// confirmation and the order in the account's history. It saves a screenshot of each page under
// browsertest.ScreenshotDir.
func TestShopperJourney(t *testing.T) {
	t.Parallel()
	ctx := browsertest.New(t, browsertest.Options{})
	run := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			url, _ := chromedp.Run(ctx, chromedp.Location())
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
			browsertest.Screenshot(t, ctx, "failed-"+strings.ReplaceAll(step, " ", "-"))
			t.Fatalf("%s: %v (at %s)\n%.1500s", step, err, url, html)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}

	run("home", chromedp.Navigate(shopURL+"/"), chromedp.WaitVisible(chromedp.CSS(".grid .card")))
	browsertest.Screenshot(t, ctx, "home")

	typo := typoOf(t, text(".grid .card .t"))
	run("search with a typo",
		chromedp.SendKeys(chromedp.ID("q"), typo),
		chromedp.Submit(chromedp.ID("q")),
		chromedp.WaitVisible(chromedp.ID("res-h")))
	if n := text("#res-h"); !strings.Contains(n, "of ") {
		t.Fatalf("search for %q found nothing: %q", typo, n)
	}
	browsertest.Screenshot(t, ctx, "search")

	run("product", chromedp.Click(chromedp.CSS(".results .card a")), chromedp.WaitVisible(chromedp.ID("add-to-cart")))
	title := text("h1")
	browsertest.Screenshot(t, ctx, "product")

	run("add to cart", chromedp.Click(chromedp.ID("add-to-cart")), chromedp.WaitVisible(chromedp.ID("to-checkout")))
	if c := text("table.lines"); !strings.Contains(c, title) {
		t.Fatalf("cart lacks %q: %s", title, c)
	}
	browsertest.Screenshot(t, ctx, "cart")

	email := fmt.Sprintf("browser%d@example.com", time.Now().UnixNano())
	run("register on the way to checkout",
		chromedp.Navigate(shopURL+"/account/register?next=/checkout"),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), "correct horse battery"),
		chromedp.Click(chromedp.ID("register")),
		chromedp.WaitVisible(chromedp.ID("place-order")))
	field := func(name, v string) chromedp.Action[chromedp.Void] {
		return chromedp.SendKeys(chromedp.CSS(`[name="`+name+`"]`), v)
	}
	run("fill checkout",
		field("shipping_address.name", "Ada Lovelace"),
		field("shipping_address.line1", "12 Analytical Row"),
		field("shipping_address.city", "London"),
		field("shipping_address.postal_code", "N1 9GU"),
		field("payment.card_number", "4242424242424242"),
		field("payment.exp", "12/30"),
		field("payment.cvc", "123"))
	browsertest.Screenshot(t, ctx, "checkout")
	run("place order", chromedp.Click(chromedp.ID("place-order")), chromedp.WaitVisible(chromedp.ID("order-number")))
	number := text("#order-number")
	if !regexp.MustCompile(`^PSR-\d+$`).MatchString(number) {
		t.Fatalf("confirmation shows order number %q", number)
	}
	browsertest.Screenshot(t, ctx, "confirmation")

	run("account", chromedp.Navigate(shopURL+"/account/"), chromedp.WaitVisible(chromedp.ID("order-history")))
	if h := text("#order-history"); !strings.Contains(h, number) {
		t.Fatalf("order history lacks %s: %s", number, h)
	}
	browsertest.Screenshot(t, ctx, "account")

	run("phone-sized home", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)),
		chromedp.Navigate(shopURL+"/"), chromedp.WaitVisible(chromedp.CSS(".grid .card")))
	browsertest.Screenshot(t, ctx, "home-phone")
}

// typoOf misspells the longest word of a product title by dropping one of its inner letters, as
// a hurried shopper would.
func typoOf(t *testing.T, title string) string {
	t.Helper()
	word := ""
	for _, w := range strings.Fields(title) {
		if len(w) > len(word) && regexp.MustCompile(`^[A-Za-z]+$`).MatchString(w) {
			word = w
		}
	}
	if len(word) < 5 {
		t.Fatalf("no word long enough to misspell in %q", title)
	}
	i := len(word) / 2
	return strings.ToLower(word[:i] + word[i+1:])
}
