package search

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"github.com/pasarhq/pasar/internal/catalog"
)

// schemaKey holds the mapping's version inside the index; an index built with another mapping
// must be rebuilt (`pasar search reindex`) rather than read wrongly.
var schemaKey = []byte("pasar/schema")

// schemaVersion changes whenever newMapping or document changes what is indexed.
const schemaVersion = "1"

// Options tunes an Index.
type Options struct {
	// FacetTTL is how long facet counts for one query and filters are reused; default 5s.
	FacetTTL time.Duration
	// LockTimeout is how long Open waits for another process to release the index; default 2s.
	LockTimeout time.Duration
	Logger      *slog.Logger
}

// Index is the Service implementation on an embedded Bleve index in a directory of its own.
// It is safe for concurrent use.
type Index struct {
	idx    bleve.Index
	log    *slog.Logger
	facets *facetCache
	mu     sync.Mutex // serialises the version check and write of Upsert and Delete
}

var _ Service = (*Index)(nil)

// Open opens the index at path, creating an empty one if there is none.
func Open(path string, o Options) (*Index, error) {
	idx, err := openBleve(path, o.LockTimeout)
	if err != nil {
		return nil, err
	}
	return newIndex(idx, o), nil
}

func newIndex(idx bleve.Index, o Options) *Index {
	if o.FacetTTL <= 0 {
		o.FacetTTL = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Index{idx: idx, log: o.Logger, facets: newFacetCache(o.FacetTTL, 1024)}
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

// versionKey is where the index remembers the last version it applied for a product, and whether
// that was a deletion, so that events arriving late or twice change nothing.
func versionKey(id string) []byte { return append([]byte("v/"), id...) }

func encodeVersion(v int64, deleted bool) []byte {
	b := make([]byte, 9)
	binary.BigEndian.PutUint64(b, uint64(v))
	if deleted {
		b[8] = 1
	}
	return b
}

func decodeVersion(b []byte) (v int64, deleted, ok bool) {
	if len(b) != 9 {
		return 0, false, false
	}
	return int64(binary.BigEndian.Uint64(b)), b[8] == 1, true
}

// Upsert indexes the product unless the index already holds that version or a later one (or its
// deletion at that version or later). A product that is not active is removed, as shoppers must
// not find it. It reports whether anything changed.
func (x *Index) Upsert(ctx context.Context, ev catalog.ProductUpserted) (bool, error) {
	p := ev.Product
	if p.ID == "" {
		return false, errors.New("search: product without id")
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	cur, err := x.idx.GetInternal(versionKey(p.ID))
	if err != nil {
		return false, err
	}
	if v, _, ok := decodeVersion(cur); ok && v >= p.Version {
		return false, nil
	}
	b := x.idx.NewBatch()
	if p.Status == catalog.Active {
		if err := b.Index(p.ID, document(p, ev.CategoryPath)); err != nil {
			return false, fmt.Errorf("index product %s: %w", p.ID, err)
		}
	} else {
		b.Delete(p.ID)
	}
	b.SetInternal(versionKey(p.ID), encodeVersion(p.Version, p.Status != catalog.Active))
	if err := x.idx.Batch(b); err != nil {
		return false, fmt.Errorf("index product %s: %w", p.ID, err)
	}
	return true, nil
}

// Delete removes the product unless the index holds a later version of it. The deletion is
// remembered, so an older upsert delivered afterwards does not bring the product back.
func (x *Index) Delete(ctx context.Context, ev catalog.ProductDeleted) (bool, error) {
	if ev.ID == "" {
		return false, errors.New("search: deletion without id")
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	cur, err := x.idx.GetInternal(versionKey(ev.ID))
	if err != nil {
		return false, err
	}
	if v, deleted, ok := decodeVersion(cur); ok && (v > ev.Version || (v == ev.Version && deleted)) {
		return false, nil
	}
	b := x.idx.NewBatch()
	b.Delete(ev.ID)
	b.SetInternal(versionKey(ev.ID), encodeVersion(ev.Version, true))
	if err := x.idx.Batch(b); err != nil {
		return false, fmt.Errorf("delete product %s: %w", ev.ID, err)
	}
	return true, nil
}
