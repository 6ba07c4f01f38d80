package search

import (
	"context"
	"errors"
	"fmt"

	"github.com/pasarhq/pasar/internal/catalog"
	"github.com/pasarhq/pasar/internal/platform/db"
	"github.com/pasarhq/pasar/internal/platform/events"
)

// change is one catalog event for the index: an upsert, or a deletion when upsert is nil.
type change struct {
	upsert *catalog.ProductUpserted
	id     string
	ver    int64
}

// pending is what a batch decides for one product.
type pending struct {
	ver     int64
	deleted bool
	known   bool                     // a version is recorded or was applied in this batch
	last    *catalog.ProductUpserted // the upsert to index; nil to remove
	dirty   bool
}

// apply applies cs in order as one Bleve batch, on disk before it returns, skipping each change
// that the versions recorded in q (or earlier changes of cs) make stale: an upsert applies only
// if its version is newer, a deletion only if not older and not already a deletion at that
// version. It records the versions in q and reports how many changes applied. Several events for
// one product in a batch leave the state of the last one that applies, as one at a time would.
func (x *Index) apply(ctx context.Context, q db.Querier, cs []change) (int, error) {
	for _, c := range cs {
		if c.id == "" {
			return 0, errors.New("search: product event without id")
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	byID := map[string]*pending{}
	var order []string
	applied := 0
	for _, c := range cs {
		p, ok := byID[c.id]
		if !ok {
			v, deleted, known, err := lastVersion(ctx, q, c.id)
			if err != nil {
				return 0, err
			}
			p = &pending{ver: v, deleted: deleted, known: known}
			byID[c.id] = p
			order = append(order, c.id)
		}
		if c.upsert != nil {
			if p.known && p.ver >= c.ver {
				continue
			}
			p.deleted = c.upsert.Product.Status != catalog.Active
			p.last = c.upsert
		} else {
			if p.known && (p.ver > c.ver || p.ver == c.ver && p.deleted) {
				continue
			}
			p.deleted, p.last = true, nil
		}
		p.ver, p.known, p.dirty = c.ver, true, true
		applied++
	}
	if applied == 0 {
		return 0, nil
	}

	// Removals leave the table before the index, and upserts reach the index before the table
	// (see Search).
	b := x.idx.NewBatch()
	docs := map[string]map[string]any{}
	for _, id := range order {
		p := byID[id]
		if !p.dirty {
			continue
		}
		if p.deleted {
			x.tab.remove(id)
			b.Delete(id)
			continue
		}
		doc := document(p.last.Product, p.last.CategoryPath, x.tab.reserve(id))
		if err := b.Index(id, doc); err != nil {
			return 0, fmt.Errorf("index product %s: %w", id, err)
		}
		docs[id] = doc
	}
	if err := x.idx.Batch(b); err != nil {
		return 0, fmt.Errorf("search: write %d products: %w", b.Size(), err)
	}
	for _, id := range order {
		p := byID[id]
		if !p.dirty {
			continue
		}
		if doc, ok := docs[id]; ok {
			x.tab.set(id, rowOf(doc))
		}
		if err := setVersion(ctx, q, id, p.ver, p.deleted); err != nil {
			return 0, err
		}
	}
	return applied, nil
}

// BatchHandler applies a run of catalog events as one index write (see apply), recording the
// versions in tx. An event it cannot read fails the batch; the consumer then handles the events
// one at a time, so only that one is retried and parked.
func (x *Index) BatchHandler() events.BatchHandler {
	return func(ctx context.Context, tx *db.Tx, evs []events.Event) error {
		cs := make([]change, 0, len(evs))
		for _, ev := range evs {
			c, ok, err := decodeChange(ev)
			if err != nil {
				return err
			}
			if ok {
				cs = append(cs, c)
			}
		}
		_, err := x.apply(ctx, tx, cs)
		return err
	}
}

// decodeChange reads a catalog event; ok is false for product events search does not show.
func decodeChange(ev events.Event) (c change, ok bool, err error) {
	if ev.Version > catalog.EventVersion {
		// A newer catalog than this search: fail so the event is parked, not misread.
		return c, false, fmt.Errorf("search: %s version %d is newer than %d", ev.Type, ev.Version, catalog.EventVersion)
	}
	switch ev.Type {
	case catalog.EventProductUpserted:
		var p catalog.ProductUpserted
		if err := ev.Decode(&p); err != nil {
			return c, false, err
		}
		return change{upsert: &p, id: p.Product.ID, ver: p.Product.Version}, true, nil
	case catalog.EventProductDeleted:
		var p catalog.ProductDeleted
		if err := ev.Decode(&p); err != nil {
			return c, false, err
		}
		return change{id: p.ID, ver: p.Version}, true, nil
	}
	return c, false, nil
}
