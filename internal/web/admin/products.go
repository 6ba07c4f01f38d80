package admin

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/platform/apperr"
)

type productListPage struct {
	Items      []catalog.Product
	Q          string
	Status     string
	Next       string // cursor of the next page
	StatusList []catalog.Status
}

var statuses = []catalog.Status{catalog.Draft, catalog.Active, catalog.Archived}

// productList lists the products, newest first, a page at a time; q keeps those whose title,
// brand, slug, id or a SKU contains it (the catalog's text filter, so every product is found,
// of any status, however many the shop has).
func (h *Handler) productList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pg := productListPage{Q: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), StatusList: statuses}
	if len(pg.Q) > catalog.MaxTextLength {
		pg.Q = strings.ToValidUTF8(pg.Q[:catalog.MaxTextLength], "")
	}
	st := catalog.Status(pg.Status)
	if st != "" && st != catalog.Draft && st != catalog.Active && st != catalog.Archived {
		st, pg.Status = "", ""
	}
	cq := catalog.Query{Status: st, Text: pg.Q, Cursor: q.Get("cursor"), Limit: catalog.DefaultLimit}
	page, err := h.o.Catalog.Products(r.Context(), cq)
	if errors.Is(err, catalog.ErrBadCursor) {
		cq.Cursor = ""
		page, err = h.o.Catalog.Products(r.Context(), cq)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pg.Items, pg.Next = page.Items, page.NextCursor
	h.render(w, r, http.StatusOK, "products", view{Title: "Products", Nav: "products", Page: pg})
}

// productFormPage is the product editor: the form's values live in view.Form, named like the
// API's fields ("variants[0].price.amount"), so the service's field errors land next to them.
type productFormPage struct {
	ID         string
	Slug       string
	Status     catalog.Status
	Categories []categoryOption
	Variants   []int // row indexes of the variant inputs
	Images     []int // row indexes of the existing images
	Uploads    bool  // image files can be uploaded
	StatusList []catalog.Status
}

type categoryOption struct {
	Slug, Name string
	Depth      int
}

func (h *Handler) productNew(w http.ResponseWriter, r *http.Request) {
	h.showProduct(w, r, http.StatusOK, catalog.Product{}, newForm(productValues(catalog.Product{Status: catalog.Draft})))
}

func (h *Handler) productEdit(w http.ResponseWriter, r *http.Request) {
	p, err := h.o.Catalog.Product(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.showProduct(w, r, http.StatusOK, p, newForm(productValues(p)))
}

func (h *Handler) showProduct(w http.ResponseWriter, r *http.Request, status int, p catalog.Product, f *form) {
	cats, err := h.o.Catalog.Categories(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pg := productFormPage{ID: p.ID, Slug: p.Slug, Status: p.Status, Categories: flatten(cats, 0, nil),
		Uploads: h.o.Uploads != nil, StatusList: statuses}
	for i := 0; f.Values.Has(fmt.Sprintf("variants[%d].sku", i)); i++ {
		pg.Variants = append(pg.Variants, i)
	}
	pg.Variants = append(pg.Variants, len(pg.Variants)) // one empty row to add a variant
	for i := 0; f.Values.Has(fmt.Sprintf("images[%d].url", i)); i++ {
		pg.Images = append(pg.Images, i)
	}
	title := "New product"
	if p.ID != "" {
		title = "Edit " + p.Title
	}
	h.render(w, r, status, "product", view{Title: title, Nav: "products", Form: f, Page: pg})
}

func flatten(cats []catalog.Category, depth int, out []categoryOption) []categoryOption {
	for _, c := range cats {
		out = append(out, categoryOption{Slug: c.Slug, Name: c.Name, Depth: depth})
		out = flatten(c.Children, depth+1, out)
	}
	return out
}

func (h *Handler) productCreate(w http.ResponseWriter, r *http.Request) {
	f, ok := h.parseProductForm(w, r)
	if !ok {
		return
	}
	p := h.productFrom(f)
	if f.Bad() {
		h.showProduct(w, r, http.StatusUnprocessableEntity, catalog.Product{}, f)
		return
	}
	if !h.takeUpload(r, f, &p) {
		h.showProduct(w, r, http.StatusUnprocessableEntity, catalog.Product{}, f)
		return
	}
	created, err := h.o.Catalog.CreateProduct(r.Context(), p)
	if err != nil {
		h.showProduct(w, r, f.absorb(err), catalog.Product{}, f)
		return
	}
	done(w, r, "/admin/products/"+created.ID, "created")
}

func (h *Handler) productUpdate(w http.ResponseWriter, r *http.Request) {
	old, err := h.o.Catalog.Product(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f, ok := h.parseProductForm(w, r)
	if !ok {
		return
	}
	p := h.productFrom(f)
	p.ID, p.Attributes = old.ID, old.Attributes
	keepVariantFields(&p, old)
	version, verr := strconv.ParseInt(f.Get("version"), 10, 64)
	if verr != nil || version < 1 {
		f.Message = "The form is missing the product's version; reload the page."
	}
	if f.Bad() || !h.takeUpload(r, f, &p) {
		h.showProduct(w, r, http.StatusUnprocessableEntity, old, f)
		return
	}
	if _, err := h.o.Catalog.UpdateProduct(r.Context(), p, version); err != nil {
		h.showProduct(w, r, f.absorb(err), old, f)
		return
	}
	done(w, r, "/admin/products/"+old.ID, "saved")
}

// productStatus publishes, archives or unpublishes a product from the list or the editor.
func (h *Handler) productStatus(w http.ResponseWriter, r *http.Request) {
	p, err := h.o.Catalog.Product(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	st := catalog.Status(r.PostFormValue("status"))
	if st != catalog.Draft && st != catalog.Active && st != catalog.Archived {
		h.fail(w, r, apperr.Invalid(apperr.FieldError{Field: "status", Detail: "must be draft, active or archived"}))
		return
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	p.Status = st
	if _, err := h.o.Catalog.UpdateProduct(r.Context(), p, version); err != nil {
		h.fail(w, r, err)
		return
	}
	to := "/admin/products/" + p.ID
	if back := r.PostFormValue("back"); back == "list" {
		to = "/admin/products"
	}
	done(w, r, to, "status")
}

// parseProductForm reads the editor's form (multipart when it carries an image file).
func (h *Handler) parseProductForm(w http.ResponseWriter, r *http.Request) (*form, bool) {
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		err = r.ParseMultipartForm(maxUploadMemory)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.fail(w, r, apperr.New(apperr.TooLarge, "too_large", "The form is larger than this shop accepts; use a smaller image."))
			return nil, false
		}
		h.fail(w, r, apperr.New(apperr.BadRequest, "bad_form", "The form could not be read."))
		return nil, false
	}
	return newForm(r.PostForm), true
}

// productFrom builds a product from the form, putting the errors only the page can see (a
// price that is not a number) on the form; the catalog checks the rest.
func (h *Handler) productFrom(f *form) catalog.Product {
	p := catalog.Product{
		Title: f.Get("title"), Slug: strings.TrimSpace(f.Get("slug")), Description: f.Get("description"),
		Brand: f.Get("brand"), Type: strings.TrimSpace(f.Get("type")), Status: catalog.Status(f.Get("status")),
		Categories: f.Values["categories"], Images: []catalog.Image{}, Variants: []catalog.Variant{},
	}
	currency := strings.ToUpper(strings.TrimSpace(f.Get("currency")))
	if currency == "" {
		currency = h.o.Currency
	} else if !catalog.ValidCurrency(currency) {
		f.Add("currency", "Enter an ISO 4217 currency code such as USD.")
	}
	for i := 0; f.Values.Has(fmt.Sprintf("variants[%d].sku", i)); i++ {
		n := fmt.Sprintf("variants[%d]", i)
		v := catalog.Variant{SKU: strings.TrimSpace(f.Get(n + ".sku"))}
		price, compare := f.Get(n+".price.amount"), f.Get(n+".compare_at_price.amount")
		if f.Get(n+".remove") != "" || (v.SKU == "" && strings.TrimSpace(price) == "" && f.Get(n+".options") == "") {
			continue // removed, or the empty row left empty
		}
		idx := fmt.Sprintf("variants[%d]", len(p.Variants)) // the catalog's field names count kept rows
		if idx != n {
			f.Values = renameRow(f.Values, n, idx)
		}
		amount, ok := parseMoney(price)
		if !ok {
			f.Add(idx+".price.amount", "Enter a price such as 19.99.")
		}
		v.Price = catalog.Money{Amount: amount, Currency: currency}
		if strings.TrimSpace(compare) != "" {
			c, ok := parseMoney(compare)
			if !ok {
				f.Add(idx+".compare_at_price.amount", "Enter a price such as 24.99, or leave it empty.")
			}
			v.CompareAtPrice = &catalog.Money{Amount: c, Currency: currency}
		}
		opts, err := parseOptions(f.Get(n + ".options"))
		if err != "" {
			f.Add(idx+".options", err)
		}
		v.Options = opts
		p.Variants = append(p.Variants, v)
	}
	for k := range f.Values {
		var i int
		if _, err := fmt.Sscanf(k, "variants[%d]", &i); err == nil && i >= len(p.Variants) {
			delete(f.Values, k) // removed rows; the editor adds one empty row again
		}
	}
	for i := 0; f.Values.Has(fmt.Sprintf("images[%d].url", i)); i++ {
		n := fmt.Sprintf("images[%d]", i)
		if f.Get(n+".remove") != "" {
			continue
		}
		p.Images = append(p.Images, catalog.Image{URL: f.Get(n + ".url"), Alt: f.Get(n + ".alt"), Position: len(p.Images)})
	}
	if u := strings.TrimSpace(f.Get("image_url")); u != "" {
		if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "/") {
			f.Add("image_url", "Enter an http(s) address or a path on this site.")
		}
		p.Images = append(p.Images, catalog.Image{URL: u, Alt: f.Get("image_alt"), Position: len(p.Images)})
	}
	return p
}

// keepVariantFields carries over what the editor does not show (weights and barcodes, set
// through the API) to the variants that keep their SKU, so saving the page does not erase them.
func keepVariantFields(p *catalog.Product, old catalog.Product) {
	bySKU := make(map[string]catalog.Variant, len(old.Variants))
	for _, v := range old.Variants {
		bySKU[v.SKU] = v
	}
	for i, v := range p.Variants {
		if ov, ok := bySKU[v.SKU]; ok {
			p.Variants[i].WeightGrams, p.Variants[i].Barcode = ov.WeightGrams, ov.Barcode
		}
	}
}

// renameRow moves the values of one variant row to another index, so a row kept after a
// removed one shows its errors under the name the catalog reports.
func renameRow(v url.Values, from, to string) url.Values {
	out := url.Values{}
	for k, vals := range v {
		switch {
		case strings.HasPrefix(k, to+"."):
			continue // the removed row's old values
		case strings.HasPrefix(k, from+"."):
			out[to+strings.TrimPrefix(k, from)] = vals
		default:
			out[k] = vals
		}
	}
	return out
}

// parseOptions reads "size=M, colour=blue".
func parseOptions(s string) (map[string]string, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, ""
	}
	out := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, "Write options as name=value pairs separated by commas, e.g. size=M, colour=blue."
		}
		out[k] = v
	}
	return out, ""
}

// productValues is a product as the editor's form values.
func productValues(p catalog.Product) url.Values {
	v := url.Values{}
	v.Set("title", p.Title)
	v.Set("slug", p.Slug)
	v.Set("description", p.Description)
	v.Set("brand", p.Brand)
	v.Set("type", p.Type)
	v.Set("status", string(p.Status))
	if len(p.Variants) > 0 {
		v.Set("currency", p.Variants[0].Price.Currency)
	}
	if p.Version > 0 {
		v.Set("version", strconv.FormatInt(p.Version, 10))
	}
	v["categories"] = p.Categories
	for i, vr := range p.Variants {
		n := fmt.Sprintf("variants[%d]", i)
		v.Set(n+".sku", vr.SKU)
		v.Set(n+".price.amount", strings.TrimSuffix(formatMoney(vr.Price.Amount, ""), " "))
		if vr.CompareAtPrice != nil {
			v.Set(n+".compare_at_price.amount", formatMoney(vr.CompareAtPrice.Amount, ""))
		}
		var opts []string
		for k, o := range vr.Options {
			opts = append(opts, k+"="+o)
		}
		slices.Sort(opts)
		v.Set(n+".options", strings.Join(opts, ", "))
	}
	for i, im := range p.Images {
		n := fmt.Sprintf("images[%d]", i)
		v.Set(n+".url", im.URL)
		v.Set(n+".alt", im.Alt)
	}
	return v
}
