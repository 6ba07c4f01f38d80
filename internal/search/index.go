package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/platform/db"
)

// schemaKey holds the mapping's version inside the index; an index built with another mapping
// must be rebuilt (`pasar search reindex`) rather than read wrongly.
var schemaKey = []byte("pasar/schema")

// schemaVersion changes whenever newMapping or document changes what is indexed.
const schemaVersion = "7"

// Options tunes an Index.
type Options struct {
	// FacetTTL is how long facet counts for one query and filters are reused; default 5s.
	FacetTTL time.Duration
	// LockTimeout is how long Open waits for another process to release the index; default 2s.
	LockTimeout time.Duration
	// Logger receives what the index reports about itself, such as its opening; nil discards.
	Logger *slog.Logger
}

// Index is the Service implementation on an embedded Bleve index in a directory of its own.
// It is safe for concurrent use.
type Index struct {
	idx    bleve.Index
	log    *slog.Logger
	facets *facetCache
	tab    *table
	// segRows maps the index's documents to table rows, per segment (match.go).
	segRows segRows
	mu      sync.Mutex // serialises the version check and write of Upsert and Delete
	// created is set when Open found no index and made an empty one.
	created bool
}

var _ Service = (*Index)(nil)

// Open opens the index at path, creating an empty one if there is none.
func Open(path string, o Options) (*Index, error) {
	_, statErr := os.Stat(path)
	idx, err := openBleve(path, o.LockTimeout)
	if err != nil {
		return nil, err
	}
	x := newIndex(idx, o)
	x.created = errors.Is(statErr, os.ErrNotExist)
	start := time.Now()
	if err := x.tab.load(idx); err != nil {
		idx.Close()
		return nil, fmt.Errorf("load search index %s: %w", path, err)
	}
	x.log.Info("search index opened", "path", path, "products", len(x.tab.pos), "created", x.created,
		"load_ms", time.Since(start).Milliseconds())
	return x, nil
}

func newIndex(idx bleve.Index, o Options) *Index {
	if o.FacetTTL <= 0 {
		o.FacetTTL = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Index{idx: idx, log: o.Logger, facets: newFacetCache(o.FacetTTL, 1024), tab: newTable()}
}

// openBleve opens or creates a Bleve index at path and checks its schema. Each batch written to
// it is on disk when Batch returns, so an event is never acknowledged before it is indexed.
func openBleve(path string, lockTimeout time.Duration) (bleve.Index, error) {
	if lockTimeout <= 0 {
		lockTimeout = 2 * time.Second
	}
	cfg := map[string]any{"bolt_timeout": lockTimeout.String()}
	if _, err := os.Stat(path); err == nil {
		idx, err := bleve.OpenUsing(path, cfg)
		if err != nil {
			return nil, fmt.Errorf("open search index %s (is another pasar process using it?): %w", path, err)
		}
		v, err := idx.GetInternal(schemaKey)
		if err == nil && string(v) != schemaVersion {
			err = fmt.Errorf("search index %s has schema %q, this pasar needs %q: run `pasar search reindex`", path, v, schemaVersion)
		}
		if err != nil {
			idx.Close()
			return nil, err
		}
		return idx, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	m, err := newMapping()
	if err != nil {
		return nil, err
	}
	idx, err := bleve.NewUsing(path, m, scorch.Name, scorch.Name, cfg)
	if err != nil {
		return nil, fmt.Errorf("create search index %s: %w", path, err)
	}
	if err := idx.SetInternal(schemaKey, []byte(schemaVersion)); err != nil {
		idx.Close()
		return nil, err
	}
	return idx, nil
}

// Close closes the index; pending writes are on disk when it returns.
func (x *Index) Close() error { return x.idx.Close() }

// DocCount returns how many products the index holds.
func (x *Index) DocCount() (uint64, error) { return x.idx.DocCount() }

// Upsert indexes the product unless the store q records that version or a later one (or its
// deletion at that version or later) as applied, and records it. A product that is not active is
// removed, as shoppers must not find it. It reports whether anything changed. The consumer passes
// its transaction as q, so the record commits with the event's.
func (x *Index) Upsert(ctx context.Context, q db.Querier, ev catalog.ProductUpserted) (bool, error) {
	n, err := x.apply(ctx, q, []change{{upsert: &ev, id: ev.Product.ID, ver: ev.Product.Version}})
	return n > 0, err
}

// Delete removes the product unless q records a later version of it as applied. The deletion is
// recorded, so an older upsert delivered afterwards does not bring the product back.
func (x *Index) Delete(ctx context.Context, q db.Querier, ev catalog.ProductDeleted) (bool, error) {
	n, err := x.apply(ctx, q, []change{{id: ev.ID, ver: ev.Version}})
	return n > 0, err
}

// put writes the product to the index and the table as it is, or removes it if it is not active.
func (x *Index) put(ev catalog.ProductUpserted) error {
	p := ev.Product
	if p.Status != catalog.Active {
		return x.remove(p.ID)
	}
	doc := document(p, ev.CategoryPath, x.tab.reserve(p.ID))
	if err := x.idx.Index(p.ID, doc); err != nil {
		return fmt.Errorf("index product %s: %w", p.ID, err)
	}
	x.tab.set(p.ID, rowOf(doc))
	return nil
}

// remove deletes the product from the table, then from the index (see Search).
func (x *Index) remove(id string) error {
	x.tab.remove(id)
	if err := x.idx.Delete(id); err != nil {
		return fmt.Errorf("delete product %s: %w", id, err)
	}
	return nil
}
