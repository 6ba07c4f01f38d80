package search

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/platform/db"
)

// Scanner lists every product of the catalog in pages; catalog.Service implements it.
type Scanner interface {
	ScanProducts(ctx context.Context, after string, limit int) ([]catalog.ProductUpserted, error)
}

// rebuildBatch is how many products go into the index per write during a rebuild.
const rebuildBatch = 500

// Rebuild builds a new index from every product src lists into a folder beside path, records
// their versions in the search store d, then puts the new index in place of the one at path.
// The index at path must not be in use by a running server; Rebuild fails if it is, and holds it
// until just before the swap. progress, when not nil, is told the running count after each
// batch. Events the durable consumer has not processed yet are applied on top later, and are
// ignored where the rebuilt index already holds a newer version.
func Rebuild(ctx context.Context, path string, src Scanner, d *db.DB, progress func(indexed int)) (int, error) {
	var old bleve.Index
	if _, err := os.Stat(path); err == nil {
		// Hold the old index open while building, so a server cannot start on it meanwhile.
		old, err = bleve.OpenUsing(path, map[string]any{"bolt_timeout": (2 * time.Second).String()})
		if err != nil {
			return 0, fmt.Errorf("open search index %s (stop pasar serve before a reindex): %w", path, err)
		}
		defer func() {
			if old != nil {
				old.Close()
			}
		}()
	}
	tmp := path + ".rebuild"
	if err := os.RemoveAll(tmp); err != nil {
		return 0, err
	}
	idx, err := openBleve(tmp, 0)
	if err != nil {
		return 0, err
	}
	versions, err := load(ctx, idx, src, progress)
	if err == nil {
		err = compact(ctx, idx)
	}
	if cerr := idx.Close(); err == nil {
		err = cerr
	}
	if err == nil && old != nil {
		// Close the old index before the swap, not after: its merger and cleanup keep working on
		// the folder by name, and once the new index is there they delete its segment files as
		// stale, losing rebuilt products. Before the versions too, so a failure leaves both as
		// they were.
		err = old.Close()
		old = nil
	}
	if err == nil {
		err = replaceVersions(ctx, d, versions)
	}
	if err != nil {
		os.RemoveAll(tmp)
		return len(versions), err
	}
	return len(versions), swap(path, tmp)
}

// load writes every product src lists into idx in batches, and returns their versions.
func load(ctx context.Context, idx bleve.Index, src Scanner, progress func(int)) ([]versionRow, error) {
	var versions []versionRow
	after, rid := "", uint32(0)
	for {
		page, err := src.ScanProducts(ctx, after, rebuildBatch)
		if err != nil {
			return versions, fmt.Errorf("scan catalog after %q: %w", after, err)
		}
		if len(page) == 0 {
			return versions, nil
		}
		b := idx.NewBatch()
		for _, ev := range page {
			p := ev.Product
			if p.Status == catalog.Active {
				if err := b.Index(p.ID, document(p, ev.CategoryPath, rid)); err != nil {
					return versions, fmt.Errorf("index product %s: %w", p.ID, err)
				}
				rid++
			}
			versions = append(versions, versionRow{p.ID, p.Version, p.Status != catalog.Active})
			after = p.ID
		}
		if err := idx.Batch(b); err != nil {
			return versions, err
		}
		if progress != nil {
			progress(len(versions))
		}
		if len(page) < rebuildBatch {
			return versions, nil
		}
	}
}

// compact merges the freshly built index into one segment, the fastest shape to search.
func compact(ctx context.Context, idx bleve.Index) error {
	adv, err := idx.Advanced()
	if err != nil {
		return err
	}
	if s, ok := adv.(*scorch.Scorch); ok {
		if err := s.ForceMerge(ctx, nil); err != nil {
			return fmt.Errorf("merge rebuilt index: %w", err)
		}
	}
	return nil
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
