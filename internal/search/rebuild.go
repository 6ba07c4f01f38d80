package search

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/pasarhq/pasar/internal/catalog"
)

// Scanner lists every product of the catalog in pages; catalog.Service implements it.
type Scanner interface {
	ScanProducts(ctx context.Context, after string, limit int) ([]catalog.ProductUpserted, error)
}

// rebuildBatch is how many products go into the index per write during a rebuild.
const rebuildBatch = 500

// Rebuild builds a new index from every product src lists into a folder beside path, then puts it
// in place of the index at path. The index at path must not be in use by a running server; Rebuild
// fails if it is. progress, when not nil, is told the running count after each batch. Events the
// durable consumer has not processed yet are applied on top later, and are ignored where the
// rebuilt index already holds a newer version.
func Rebuild(ctx context.Context, path string, src Scanner, progress func(indexed int)) (int, error) {
	if _, err := os.Stat(path); err == nil {
		// Hold the old index open while building, so a server cannot start on it meanwhile.
		old, err := bleve.OpenUsing(path, map[string]any{"bolt_timeout": (2 * time.Second).String()})
		if err != nil {
			return 0, fmt.Errorf("open search index %s (stop pasar serve before a reindex): %w", path, err)
		}
		defer old.Close()
	}
	tmp := path + ".rebuild"
	if err := os.RemoveAll(tmp); err != nil {
		return 0, err
	}
	idx, err := openBleve(tmp, 0)
	if err != nil {
		return 0, err
	}
	n, err := load(ctx, idx, src, progress)
	if cerr := idx.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.RemoveAll(tmp)
		return n, err
	}
	return n, swap(path, tmp)
}

// load writes every product src lists into idx in batches.
func load(ctx context.Context, idx bleve.Index, src Scanner, progress func(int)) (int, error) {
	after, n := "", 0
	for {
		page, err := src.ScanProducts(ctx, after, rebuildBatch)
		if err != nil {
			return n, fmt.Errorf("scan catalog after %q: %w", after, err)
		}
		if len(page) == 0 {
			return n, nil
		}
		b := idx.NewBatch()
		for _, ev := range page {
			p := ev.Product
			if p.Status == catalog.Active {
				if err := b.Index(p.ID, document(p, ev.CategoryPath)); err != nil {
					return n, fmt.Errorf("index product %s: %w", p.ID, err)
				}
			}
			b.SetInternal(versionKey(p.ID), encodeVersion(p.Version, p.Status != catalog.Active))
			after = p.ID
		}
		if err := idx.Batch(b); err != nil {
			return n, err
		}
		n += len(page)
		if progress != nil {
			progress(n)
		}
		if len(page) < rebuildBatch {
			return n, nil
		}
	}
}

// swap puts the folder built at tmp in place of path, keeping the old index until the new one
// is there.
func swap(path, tmp string) error {
	old := path + ".old"
	if err := os.RemoveAll(old); err != nil {
		return err
	}
	if err := os.Rename(path, old); err != nil && !os.IsNotExist(err) {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return os.RemoveAll(old)
}
