package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/search"
)

type homeData struct {
	Categories []catalog.Category
	Featured   []catalog.Product
}

// featuredCount is how many products the home page shows: two rows on a wide screen.
const featuredCount = 8

func (s *Storefront) home(w http.ResponseWriter, r *http.Request) {
	cats, err := s.o.Catalog.Categories(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page, err := s.o.Catalog.Products(r.Context(), catalog.Query{Status: catalog.Active, Limit: featuredCount})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, publicOrPrivate(r), "home", view{Title: s.o.ShopName,
		Data: homeData{Categories: cats, Featured: page.Items}})
}

// listingData is a category page or search results: hits, facets as links that toggle a
// filter, and the links of the pages before and after.
type listingData struct {
	Heading   string
	Action    string // where the sort form goes
	Text      string
	Category  string // the category slug of a category page
	Sort      string
	Result    search.Result
	Brands    []facetLink
	Prices    []facetLink
	Cats      []facetLink
	Prev      string
	Next      string
	Hidden    [][2]string // the filters the sort form carries along
	FirstItem int
	LastItem  int
}

// facetLink is one facet value with its count and the URL that turns it on or off.
type facetLink struct {
	Label string
	Count int
	URL   string
	On    bool
}

func (s *Storefront) category(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("category")
	cat, ok, err := s.findCategory(r, slug)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !ok {
		s.notFound(w, r)
		return
	}
	s.listing(w, r, "/c/"+slug, cat.Name, cat.Slug)
}

func (s *Storefront) search(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	heading := "All products"
	if q != "" {
		heading = "Results for “" + q + "”"
	}
	s.listing(w, r, "/search", heading, "")
}

// findCategory looks slug up in the category tree.
func (s *Storefront) findCategory(r *http.Request, slug string) (catalog.Category, bool, error) {
	cats, err := s.o.Catalog.Categories(r.Context())
	if err != nil {
		return catalog.Category{}, false, err
	}
	var walk func([]catalog.Category) (catalog.Category, bool)
	walk = func(cs []catalog.Category) (catalog.Category, bool) {
		for _, c := range cs {
			if c.Slug == slug {
				return c, true
			}
			if f, ok := walk(c.Children); ok {
				return f, true
			}
		}
		return catalog.Category{}, false
	}
	c, ok := walk(cats)
	return c, ok, nil
}

// listingPageSize is the hits per page: a multiple of 2, 3 and 4 columns.
const listingPageSize = 24

// listing runs the search the query string asks for (within category when set) and shows it.
// Parameters it cannot use are ignored rather than refused: they come from links and bookmarks.
func (s *Storefront) listing(w http.ResponseWriter, r *http.Request, base, heading, category string) {
	in := r.URL.Query()
	q := search.Query{Text: strings.TrimSpace(in.Get("q")), PageSize: listingPageSize, Page: 1}
	if len(q.Text) > 200 {
		q.Text = q.Text[:200]
	}
	if category != "" {
		q.Categories = []string{category}
	} else if c := in["category"]; len(c) > 0 {
		q.Categories = c
	}
	q.Brands = in["brand"]
	if n, err := strconv.Atoi(in.Get("page")); err == nil && n > 0 && n <= 1000 {
		q.Page = n
	}
	switch sv := search.Sort(in.Get("sort")); sv {
	case search.SortPriceAsc, search.SortPriceDesc, search.SortNewest, search.SortRelevance:
		q.Sort = sv
	}
	if lo, hi, ok := parsePriceBand(in.Get("price")); ok {
		q.PriceMin, q.PriceMax = lo, hi
	}
	if in.Get("in_stock") == "1" {
		t := true
		q.InStock = &t
	}
	res, err := s.o.Search.Search(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := listingData{Heading: heading, Action: base, Text: q.Text, Category: category, Sort: string(q.Sort), Result: res}
	d.Brands = facetLinks(base, in, "brand", res.Facets.Brands, nil)
	d.Prices = facetLinks(base, in, "price", res.Facets.Prices, priceBand)
	cur := s.o.Currency
	if len(res.Hits) > 0 {
		cur = res.Hits[0].Price.Currency
	}
	for i, fv := range res.Facets.Prices {
		d.Prices[i].Label = bandLabel(fv, cur)
	}
	if category == "" {
		d.Cats = facetLinks(base, in, "category", res.Facets.Categories, nil)
		if names, err := s.categoryNames(r); err == nil {
			for i := range d.Cats {
				if n := names[d.Cats[i].Label]; n != "" {
					d.Cats[i].Label = n
				}
			}
		}
	}
	if q.Page > 1 {
		d.Prev = withParam(base, in, "page", strconv.Itoa(q.Page-1))
	}
	if uint64(q.Page*listingPageSize) < res.Total {
		d.Next = withParam(base, in, "page", strconv.Itoa(q.Page+1))
	}
	if len(res.Hits) > 0 {
		d.FirstItem = (q.Page-1)*listingPageSize + 1
		d.LastItem = d.FirstItem + len(res.Hits) - 1
	}
	for k, vs := range in {
		if k == "sort" || k == "page" {
			continue
		}
		for _, v := range vs {
			d.Hidden = append(d.Hidden, [2]string{k, v})
		}
	}
	s.render(w, r, http.StatusOK, publicOrPrivate(r), "listing", view{Title: heading, Query: q.Text, Data: d})
}

// facetLinks turns facet values into links that add or remove the value from parameter key.
// value, when set, gives the parameter value of a facet value (price bands carry bounds).
func facetLinks(base string, in url.Values, key string, vals []search.FacetValue, value func(search.FacetValue) string) []facetLink {
	var out []facetLink
	for _, fv := range vals {
		v := fv.Value
		if value != nil {
			v = value(fv)
		}
		on := false
		var rest []string
		for _, have := range in[key] {
			if have == v {
				on = true
			} else {
				rest = append(rest, have)
			}
		}
		q := cloneValues(in)
		q.Del("page")
		switch {
		case on:
			q[key] = rest
		case key == "price": // one band at a time
			q.Set(key, v)
		default:
			q.Add(key, v)
		}
		out = append(out, facetLink{Label: fv.Value, Count: fv.Count, URL: base + "?" + q.Encode(), On: on})
	}
	return out
}

func cloneValues(in url.Values) url.Values {
	q := url.Values{}
	for k, v := range in {
		q[k] = append([]string(nil), v...)
	}
	return q
}

func withParam(base string, in url.Values, k, v string) string {
	q := cloneValues(in)
	q.Set(k, v)
	return base + "?" + q.Encode()
}

// bandLabel shows a price band to people: "$10.00 – $25.00", "$200.00 and up".
func bandLabel(fv search.FacetValue, currency string) string {
	if currency == "" {
		currency = "USD"
	}
	switch {
	case fv.Min != nil && fv.Max != nil:
		return money(*fv.Min, currency) + " – " + money(*fv.Max, currency)
	case fv.Min != nil:
		return money(*fv.Min, currency) + " and up"
	case fv.Max != nil:
		return "under " + money(*fv.Max, currency)
	}
	return fv.Value
}

// categoryNames maps every category slug to its name.
func (s *Storefront) categoryNames(r *http.Request) (map[string]string, error) {
	cats, err := s.o.Catalog.Categories(r.Context())
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	var walk func([]catalog.Category)
	walk = func(cs []catalog.Category) {
		for _, c := range cs {
			names[c.Slug] = c.Name
			walk(c.Children)
		}
	}
	walk(cats)
	return names, nil
}

// priceBand is the parameter of a price facet value: "min-max" in minor units, max exclusive and
// empty for the top band.
func priceBand(fv search.FacetValue) string {
	var b strings.Builder
	if fv.Min != nil {
		b.WriteString(strconv.FormatInt(*fv.Min, 10))
	}
	b.WriteByte('-')
	if fv.Max != nil {
		b.WriteString(strconv.FormatInt(*fv.Max, 10))
	}
	return b.String()
}

func parsePriceBand(v string) (lo, hi *int64, ok bool) {
	a, b, found := strings.Cut(v, "-")
	if !found {
		return nil, nil, false
	}
	if a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n < 0 {
			return nil, nil, false
		}
		lo = &n
	}
	if b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return nil, nil, false
		}
		n-- // the band's max is exclusive, the query's inclusive
		hi = &n
	}
	return lo, hi, lo != nil || hi != nil
}

// productData is the product page: the product, the variant shown as chosen and each variant's
// stock.
type productData struct {
	Product  catalog.Product
	Image    catalog.Image
	Selected catalog.Variant
	Variants []variantView
	Error    string
}

type variantView struct {
	catalog.Variant
	Label    string
	Stock    string // "In stock", "Only 3 left", "Out of stock"
	Buyable  bool
	Selected bool
}

// lowStock is where the page starts telling how many are left.
const lowStock = 5

func (s *Storefront) product(w http.ResponseWriter, r *http.Request) {
	p, err := s.o.Catalog.Product(r.Context(), r.PathValue("slug"))
	if err == nil && p.Status != catalog.Active {
		err = catalog.ErrNotFound
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.productView(r, p, r.URL.Query().Get("sku"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, publicOrPrivate(r), "product", view{Title: p.Title, Data: d})
}

func (s *Storefront) productView(r *http.Request, p catalog.Product, sku string) (productData, error) {
	skus := make([]string, len(p.Variants))
	for i, v := range p.Variants {
		skus[i] = v.SKU
	}
	avail, err := s.o.Stock.Available(r.Context(), skus)
	if err != nil {
		return productData{}, err
	}
	d := productData{Product: p, Image: catalog.Image{URL: catalog.PlaceholderURL(p.Slug), Alt: p.Title}}
	if len(p.Images) > 0 {
		d.Image = p.Images[0]
	}
	chosen := -1
	for i, v := range p.Variants {
		vv := variantView{Variant: v, Label: variantLabel(v), Stock: "In stock", Buyable: true}
		if n, tracked := avail[v.SKU]; tracked {
			switch {
			case n <= 0:
				vv.Stock, vv.Buyable = "Out of stock", false
			case n <= lowStock:
				vv.Stock = "Only " + strconv.FormatInt(n, 10) + " left"
			}
		}
		if v.SKU == sku || (sku == "" && chosen < 0 && vv.Buyable) {
			chosen = i
		}
		d.Variants = append(d.Variants, vv)
	}
	if chosen < 0 && len(d.Variants) > 0 {
		chosen = 0
	}
	if chosen >= 0 {
		d.Variants[chosen].Selected = true
		d.Selected = p.Variants[chosen]
	}
	return d, nil
}

func variantLabel(v catalog.Variant) string {
	if len(v.Options) == 0 {
		return v.SKU
	}
	keys := make([]string, 0, len(v.Options))
	for k := range v.Options {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = v.Options[k]
	}
	return strings.Join(parts, " / ")
}
