package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
)

// Doc is a response body encoded once and served many times, with its entity tag. Its fields
// are read-only once built: every request shares them.
type Doc struct {
	Body   []byte
	ETag   string // quoted, as sent in the ETag header
	Active bool   // a product doc of an active product (the public API hides the others)

	// Header values prepared once, so serving a cached doc allocates nothing.
	etagHeader   []string
	lengthHeader []string
}

// DocSource serves the catalog's read responses as pre-encoded documents. The cache implements
// it; Encoder adapts any Service.
type DocSource interface {
	ProductDoc(ctx context.Context, idOrSlug string) (*Doc, error)
	ProductsDoc(ctx context.Context, q Query) (*Doc, error)
	CategoriesDoc(ctx context.Context) (*Doc, error)
}

// ProductETag is the entity tag of a product version: the id keeps a product recreated under
// the same slug from matching its predecessor.
func ProductETag(id string, version int64) string {
	return `"` + id + "." + strconv.FormatInt(version, 10) + `"`
}

func newDoc(body []byte, etag string, active bool) *Doc {
	return &Doc{Body: body, ETag: etag, Active: active,
		etagHeader: []string{etag}, lengthHeader: []string{strconv.Itoa(len(body))}}
}

func productDoc(p Product) (*Doc, error) {
	body, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode product: %w", err)
	}
	return newDoc(body, ProductETag(p.ID, p.Version), p.Status == Active), nil
}

// hashDoc encodes v with an entity tag derived from the bytes.
func hashDoc(v any) (*Doc, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	h := fnv.New64a()
	h.Write(body)
	return newDoc(body, `"h`+strconv.FormatUint(h.Sum64(), 36)+`"`, true), nil
}

// Encoder adapts a Service to DocSource by encoding each answer, for a catalog served without
// the cache.
type Encoder struct{ Service Service }

// ProductDoc encodes the product idOrSlug.
func (e Encoder) ProductDoc(ctx context.Context, idOrSlug string) (*Doc, error) {
	p, err := e.Service.Product(ctx, idOrSlug)
	if err != nil {
		return nil, err
	}
	return productDoc(p)
}

// ProductsDoc encodes the page q selects.
func (e Encoder) ProductsDoc(ctx context.Context, q Query) (*Doc, error) {
	page, err := e.Service.Products(ctx, q)
	if err != nil {
		return nil, err
	}
	return hashDoc(page)
}

// CategoriesDoc encodes the category tree.
func (e Encoder) CategoriesDoc(ctx context.Context) (*Doc, error) {
	cats, err := e.Service.Categories(ctx)
	if err != nil {
		return nil, err
	}
	return hashDoc(map[string]any{"categories": cats})
}
