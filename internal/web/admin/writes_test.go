package admin_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestProductEditor(t *testing.T) {
	s := testShop(t)
	b := s.signedIn(t, s.admin)
	sku := uniq("TEE")

	t.Run("bad input is shown next to the fields", func(t *testing.T) {
		p := b.post("/admin/products", b.with("/admin/products/new", url.Values{"title": {"Tee"},
			"variants[0].sku": {sku}, "variants[0].price.amount": {"twelve"}, "currency": {"usd1"}}))
		wantPage(t, "bad price", p, http.StatusUnprocessableEntity,
			`id="f-variants-0-price-amount-err">Enter a price such as 19.99.`, `id="f-currency-err"`, `value="twelve"`)
		p = b.post("/admin/products", b.with("/admin/products/new", url.Values{"title": {""}, "slug": {"Not A Slug"},
			"variants[0].sku": {"bad sku!"}, "variants[0].price.amount": {"12"}}))
		wantPage(t, "catalog rules", p, http.StatusUnprocessableEntity, `id="f-title-err">is required`,
			`id="f-slug-err">must be lower-case`, `id="f-variants-0-sku-err">must be 1-64`)
		p = b.post("/admin/products", b.with("/admin/products/new", url.Values{"title": {"No variants"}}))
		wantPage(t, "no variants", p, http.StatusUnprocessableEntity, "at least one variant is required")
	})

	var id string
	t.Run("create, with HTML in the description through the WAF", func(t *testing.T) {
		id = createProduct(t, b, "Organic Tee "+sku, sku, "12.50")
		p := b.get("/admin/products/" + id)
		wantPage(t, "editor", p, http.StatusOK, `value="Organic Tee `+sku+`"`, `value="12.50"`, "Made for the test of &lt;em&gt;",
			`<span class="status s-active">active</span>`)
	})

	t.Run("list and search", func(t *testing.T) {
		wantPage(t, "search by SKU", b.get("/admin/products?q="+strings.ToLower(sku)), http.StatusOK, "Organic Tee "+sku)
		wantPage(t, "search by title", b.get("/admin/products?q=organic+tee&status=active"), http.StatusOK, "Organic Tee "+sku)
		p := b.get("/admin/products?q=" + sku + "&status=draft")
		if strings.Contains(p.Body, "Organic Tee "+sku) {
			t.Error("a draft filter lists an active product")
		}
	})

	t.Run("edit variants and prices", func(t *testing.T) {
		v := editorValues(t, b, id)
		v.Set("variants[0].price.amount", "13")
		v.Set("variants[1].sku", sku+"-XL")
		v.Set("variants[1].price.amount", "14.99")
		v.Set("variants[1].compare_at_price.amount", "19.99")
		v.Set("variants[1].options", "size=XL")
		p := b.post("/admin/products/"+id, v)
		if p.Status != http.StatusSeeOther {
			t.Fatalf("save: %d %.2000s", p.Status, p.Body)
		}
		wantPage(t, "saved", b.get(p.Location), http.StatusOK, "Saved.", `value="13.00"`, `value="`+sku+`-XL"`,
			`value="19.99"`, `value="size=XL"`)
		// The old version again: someone else saved in between.
		p = b.post("/admin/products/"+id, v)
		wantPage(t, "stale", p, http.StatusPreconditionFailed, "changed since you read it")
		// Remove the second variant.
		v = editorValues(t, b, id)
		v.Set("variants[1].remove", "1")
		if p := b.post("/admin/products/"+id, v); p.Status != http.StatusSeeOther {
			t.Fatalf("remove variant: %d", p.Status)
		}
		if p := b.get("/admin/products/" + id); strings.Contains(p.Body, sku+"-XL") {
			t.Error("removed variant still there")
		}
	})

	t.Run("archive and publish", func(t *testing.T) {
		v := editorValues(t, b, id)
		p := b.post("/admin/products/"+id+"/status", url.Values{"csrf_token": {v.Get("csrf_token")},
			"version": {v.Get("version")}, "status": {"archived"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("archive: %d %.1000s", p.Status, p.Body)
		}
		wantPage(t, "archived", b.get("/admin/products/"+id), http.StatusOK, `<span class="status s-archived">archived</span>`)
		v = editorValues(t, b, id)
		p = b.post("/admin/products/"+id+"/status", url.Values{"csrf_token": {v.Get("csrf_token")},
			"version": {v.Get("version")}, "status": {"published!"}})
		wantPage(t, "bad status", p, http.StatusUnprocessableEntity)
		p = b.post("/admin/products/"+id+"/status", url.Values{"csrf_token": {v.Get("csrf_token")},
			"version": {v.Get("version")}, "status": {"active"}, "back": {"list"}})
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/admin/products?") {
			t.Fatalf("publish: %d %q", p.Status, p.Location)
		}
	})

	t.Run("unknown product", func(t *testing.T) {
		wantPage(t, "unknown", b.get("/admin/products/no-such-product"), http.StatusNotFound, "No such product.")
	})

	t.Run("writes are audited", func(t *testing.T) {
		p := b.get("/admin/audit?action=" + url.QueryEscape("POST /admin/products/{id}"))
		wantPage(t, "audit", p, http.StatusOK, "/admin/products/"+id, s.admin.ID, "s-failure", "s-success")
		wantPage(t, "audit of create", b.get("/admin/audit?action="+url.QueryEscape("POST /admin/products")+"&outcome=failure"),
			http.StatusOK, "/admin/products")
	})
}

var valueRe = regexp.MustCompile(`<input id="[^"]*" name="([^"]+)"(?: type="[^"]*")? value="([^"]*)"`)

// editorValues reads the product editor's form as the browser would submit it unchanged.
func editorValues(t *testing.T, b *browser, id string) url.Values {
	t.Helper()
	p := b.get("/admin/products/" + id)
	v := url.Values{}
	for _, m := range valueRe.FindAllStringSubmatch(p.Body, -1) {
		v.Set(m[1], htmlUnescape(m[2]))
	}
	for _, m := range regexp.MustCompile(`name="(version|csrf_token)" value="([^"]*)"`).FindAllStringSubmatch(p.Body, -1) {
		v.Set(m[1], m[2])
	}
	v.Set("status", regexp.MustCompile(`<option value="(\w+)" selected>`).FindStringSubmatch(p.Body)[1])
	return v
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'").Replace(s)
}

func TestImageUpload(t *testing.T) {
	s := testShop(t)
	b := s.signedIn(t, s.admin)
	sku := uniq("IMG")
	id := createProduct(t, b, "Pictured "+sku, sku, "5")
	send := func(name string, content []byte) page {
		v := editorValues(t, b, id)
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		for k, vals := range v {
			w.WriteField(k, vals[0])
		}
		w.WriteField("image_alt", "A red square")
		fw, _ := w.CreateFormFile("image_file", name)
		fw.Write(content)
		w.Close()
		return b.postMultipart("/admin/products/"+id, w.FormDataContentType(), body.Bytes())
	}
	p := send("notes.png", []byte("this is text, not a picture"))
	wantPage(t, "not an image", p, http.StatusUnprocessableEntity, `id="f-image_file-err">Upload a JPEG, PNG, GIF or WebP image.`)

	if p := send("red.png", tinyPNG()); p.Status != http.StatusSeeOther {
		t.Fatalf("upload: %d %.2000s", p.Status, p.Body)
	}
	m := regexp.MustCompile(`src="(/uploads/[0-9a-f]{32}\.png)" alt=""`).FindStringSubmatch(b.get("/admin/products/" + id).Body)
	if m == nil {
		t.Fatal("the editor does not show the uploaded image")
	}
	img := s.browser(t).get(m[1])
	if img.Status != http.StatusOK || img.Header.Get("Content-Type") != "image/png" ||
		img.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || img.Body != string(tinyPNG()) {
		t.Fatalf("served image: %d %v", img.Status, img.Header)
	}
	for _, bad := range []string{"/uploads/x.png", "/uploads/" + strings.Repeat("0", 32) + ".png", "/uploads/%2e%2e%2fcatalog.db"} {
		if p := s.browser(t).get(bad); p.Status != http.StatusNotFound && p.Status != http.StatusForbidden { // the WAF refuses traversal first
			t.Errorf("%s: %d, want 404", bad, p.Status)
		}
	}
}

// tinyPNG is a valid 1x1 PNG.
func tinyPNG() []byte {
	return []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde" +
		"\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")
}

// TestEditorKeepsWhatItDoesNotShow saves a product made through the API (with weights, barcodes
// and attributes the editor has no inputs for) from the editor: those stay as they were.
func TestEditorKeepsWhatItDoesNotShow(t *testing.T) {
	s := testShop(t)
	b := s.signedIn(t, s.admin)
	sku := uniq("BOOT")
	var created struct {
		ID string `json:"id"`
	}
	in := map[string]any{"title": "Boot " + sku, "status": "active", "attributes": map[string]any{"material": "leather"},
		"variants": []map[string]any{{"sku": sku, "price": map[string]any{"amount": 9900, "currency": "USD"},
			"weight_grams": 1200, "barcode": "4006381333931"}}}
	if st := b.api("POST", "/api/v1/admin/products", in, &created, "X-CSRF-Token", b.csrf("/admin/")); st != http.StatusCreated {
		t.Fatalf("create through the API: %d", st)
	}
	v := editorValues(t, b, created.ID)
	v.Set("title", "Boot "+sku+" (new season)")
	if p := b.post("/admin/products/"+created.ID, v); p.Status != http.StatusSeeOther {
		t.Fatalf("save: %d %.1000s", p.Status, p.Body)
	}
	var got struct {
		Title      string         `json:"title"`
		Attributes map[string]any `json:"attributes"`
		Variants   []struct {
			WeightGrams int    `json:"weight_grams"`
			Barcode     string `json:"barcode"`
		} `json:"variants"`
	}
	if st := b.api("GET", "/api/v1/products/"+created.ID, nil, &got); st != http.StatusOK {
		t.Fatalf("read back: %d", st)
	}
	if got.Title != "Boot "+sku+" (new season)" || len(got.Variants) != 1 || got.Variants[0].WeightGrams != 1200 ||
		got.Variants[0].Barcode != "4006381333931" || got.Attributes["material"] != "leather" {
		t.Fatalf("after saving from the editor: %+v", got)
	}
}
