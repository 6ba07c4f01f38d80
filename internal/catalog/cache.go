package catalog

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"
)

// CacheOptions bounds the read cache.
type CacheOptions struct {
	TTL         time.Duration // safety net should an invalidation be lost; default 5 minutes
	MaxProducts int           // product documents kept; default 20,000
	MaxLists    int           // list pages kept; default 2,000
}

// Cache is the catalog's in-process read cache: a decorator of Service that keeps encoded
// documents. Its own writes invalidate on return (after commit); other processes' writes reach it
// through Invalidate, driven by the catalog's events (see Consume). Every invalidation bumps a
// generation, and a read that raced one does not store its possibly older answer.
type Cache struct {
	inner Service
	o     CacheOptions
	born  time.Time // events written well before this cannot concern what it holds

	mu       sync.RWMutex
	gen      uint64
	products map[string]*cached // by id and by slug
	lists    map[Query]*cached
	cats     *cached

	stats [3][2]atomic.Uint64 // by CacheKinds, then miss (0) or hit (1)
}

// CacheKinds name what the cache keeps, for CacheStats.
var CacheKinds = [3]string{"product", "list", "categories"}

const (
	kindProduct = iota
	kindList
	kindCategories
)

// CacheStats are the reads the cache answered (hits) and passed on (misses) since it was made,
// by CacheKinds.
type CacheStats struct {
	Hits, Misses [3]uint64
}

// Stats reads the cache's counters.
func (c *Cache) Stats() CacheStats {
	var s CacheStats
	for k := range c.stats {
		s.Misses[k], s.Hits[k] = c.stats[k][0].Load(), c.stats[k][1].Load()
	}
	return s
}

// count records a read of kind: one atomic add on the read path.
func (c *Cache) count(kind int, hit bool) {
	i := 0
	if hit {
		i = 1
	}
	c.stats[kind][i].Add(1)
}

type cached struct {
	doc      *Doc
	id, slug string
	expires  int64 // unix nanoseconds
}

var (
	_ Service   = (*Cache)(nil)
	_ DocSource = (*Cache)(nil)
)

// NewCache returns inner with reads cached.
func NewCache(inner Service, o CacheOptions) *Cache {
	if o.TTL <= 0 {
		o.TTL = 5 * time.Minute
	}
	if o.MaxProducts <= 0 {
		o.MaxProducts = 20000
	}
	if o.MaxLists <= 0 {
		o.MaxLists = 2000
	}
	return &Cache{inner: inner, o: o, born: time.Now(), products: map[string]*cached{}, lists: map[Query]*cached{}}
}

// ProductDoc returns the encoded product idOrSlug.
func (c *Cache) ProductDoc(ctx context.Context, idOrSlug string) (*Doc, error) {
	now := time.Now().UnixNano()
	c.mu.RLock()
	e, gen := c.products[idOrSlug], c.gen
	c.mu.RUnlock()
	hit := e != nil && now < e.expires
	c.count(kindProduct, hit)
	if hit {
		return e.doc, nil
	}
	p, err := c.inner.Product(ctx, idOrSlug)
	if err != nil {
		return nil, err
	}
	doc, err := productDoc(p)
	if err != nil {
		return nil, err
	}
	e = &cached{doc: doc, id: p.ID, slug: p.Slug, expires: now + int64(c.o.TTL)}
	c.mu.Lock()
	if c.gen == gen {
		evictOne(c.products, c.o.MaxProducts-1)
		c.products[p.ID], c.products[p.Slug] = e, e
	}
	c.mu.Unlock()
	return doc, nil
}

// ProductsDoc returns the encoded page q selects.
func (c *Cache) ProductsDoc(ctx context.Context, q Query) (*Doc, error) {
	now := time.Now().UnixNano()
	c.mu.RLock()
	e, gen := c.lists[q], c.gen
	c.mu.RUnlock()
	hit := e != nil && now < e.expires
	c.count(kindList, hit)
	if hit {
		return e.doc, nil
	}
	page, err := c.inner.Products(ctx, q)
	if err != nil {
		return nil, err
	}
	doc, err := hashDoc(page)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.gen == gen {
		evictOne(c.lists, c.o.MaxLists)
		c.lists[q] = &cached{doc: doc, expires: now + int64(c.o.TTL)}
	}
	c.mu.Unlock()
	return doc, nil
}

// CategoriesDoc returns the encoded category tree.
func (c *Cache) CategoriesDoc(ctx context.Context) (*Doc, error) {
	now := time.Now().UnixNano()
	c.mu.RLock()
	e, gen := c.cats, c.gen
	c.mu.RUnlock()
	hit := e != nil && now < e.expires
	c.count(kindCategories, hit)
	if hit {
		return e.doc, nil
	}
	doc, err := Encoder{c.inner}.CategoriesDoc(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.gen == gen {
		c.cats = &cached{doc: doc, expires: now + int64(c.o.TTL)}
	}
	c.mu.Unlock()
	return doc, nil
}

// evictOne makes room for one more entry by dropping an arbitrary one (map order is random),
// which keeps the cache bounded without bookkeeping on the read path.
func evictOne[K comparable](m map[K]*cached, limit int) {
	for k := range m {
		if len(m) < limit {
			return
		}
		delete(m, k)
	}
}

// InvalidateProduct drops product id and every list (any list may hold it).
func (c *Cache) InvalidateProduct(id string) {
	c.mu.Lock()
	c.gen++
	if e := c.products[id]; e != nil {
		delete(c.products, e.slug)
	}
	delete(c.products, id)
	clear(c.lists)
	c.mu.Unlock()
}

// InvalidateCategories drops the tree and every list (category filters depend on the tree).
func (c *Cache) InvalidateCategories() {
	c.mu.Lock()
	c.gen++
	c.cats = nil
	clear(c.lists)
	c.mu.Unlock()
}

// Product returns the product idOrSlug, decoded from its cached document so callers get their
// own copy.
func (c *Cache) Product(ctx context.Context, idOrSlug string) (Product, error) {
	doc, err := c.ProductDoc(ctx, idOrSlug)
	if err != nil {
		return Product{}, err
	}
	var p Product
	return p, json.Unmarshal(doc.Body, &p)
}

// Products returns the page q selects, from the cache when it can.
func (c *Cache) Products(ctx context.Context, q Query) (Page, error) {
	doc, err := c.ProductsDoc(ctx, q)
	if err != nil {
		return Page{}, err
	}
	var p Page
	return p, json.Unmarshal(doc.Body, &p)
}

// Categories returns the category tree, from the cache when it can.
func (c *Cache) Categories(ctx context.Context) ([]Category, error) {
	doc, err := c.CategoriesDoc(ctx)
	if err != nil {
		return nil, err
	}
	var v struct{ Categories []Category }
	return v.Categories, json.Unmarshal(doc.Body, &v)
}
