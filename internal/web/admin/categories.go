package admin

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/pasarhq/pasar/internal/catalog"
)

type categoriesPage struct {
	Tree []categoryOption
	All  []catalog.Category // flat, for the rows' forms
}

func (h *Handler) categoryList(w http.ResponseWriter, r *http.Request) {
	h.showCategories(w, r, http.StatusOK, newForm(nil), "")
}

// showCategories shows the tree with a form per category and one to add a category; f is the
// form of row (a category slug) or of the add form when row is "".
func (h *Handler) showCategories(w http.ResponseWriter, r *http.Request, status int, f *form, row string) {
	cats, err := h.o.Catalog.Categories(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var all []catalog.Category
	var walk func([]catalog.Category)
	walk = func(cs []catalog.Category) {
		for _, c := range cs {
			all = append(all, catalog.Category{Slug: c.Slug, Name: c.Name, Parent: c.Parent, Position: c.Position})
			walk(c.Children)
		}
	}
	walk(cats)
	v := view{Title: "Categories", Nav: "categories", Page: categoriesPage{Tree: flatten(cats, 0, nil), All: all}}
	if row == "" {
		v.Form = f
	} else if f.Bad() {
		v.Problem = "Category " + row + ": " + firstError(f)
	}
	h.render(w, r, status, "categories", v)
}

func firstError(f *form) string {
	if f.Message != "" {
		return f.Message
	}
	for k, e := range f.Errors {
		return k + " " + e
	}
	return ""
}

func categoryFrom(f *form) (catalog.Category, bool) {
	c := catalog.Category{Slug: strings.TrimSpace(f.Get("slug")), Name: strings.TrimSpace(f.Get("name")),
		Parent: strings.TrimSpace(f.Get("parent"))}
	if p := strings.TrimSpace(f.Get("position")); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			f.Add("position", "Enter a whole number.")
			return c, false
		}
		c.Position = n
	}
	return c, true
}

func (h *Handler) categoryCreate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, err)
		return
	}
	f := newForm(r.PostForm)
	c, ok := categoryFrom(f)
	if !ok {
		h.showCategories(w, r, http.StatusUnprocessableEntity, f, "")
		return
	}
	if _, err := h.o.Catalog.CreateCategory(r.Context(), c); err != nil {
		h.showCategories(w, r, f.absorb(err), f, "")
		return
	}
	done(w, r, "/admin/categories", "created")
}

func (h *Handler) categoryUpdate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, err)
		return
	}
	slug := r.PathValue("slug")
	f := newForm(r.PostForm)
	c, ok := categoryFrom(f)
	if !ok {
		h.showCategories(w, r, http.StatusUnprocessableEntity, f, slug)
		return
	}
	if c.Slug == "" {
		c.Slug = slug
	}
	if _, err := h.o.Catalog.UpdateCategory(r.Context(), slug, c); err != nil {
		h.showCategories(w, r, f.absorb(err), f, slug)
		return
	}
	done(w, r, "/admin/categories", "saved")
}

func (h *Handler) categoryDelete(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	if err := h.o.Catalog.DeleteCategory(r.Context(), slug); err != nil {
		f := newForm(nil)
		h.showCategories(w, r, f.absorb(err), f, slug)
		return
	}
	done(w, r, "/admin/categories", "deleted")
}
