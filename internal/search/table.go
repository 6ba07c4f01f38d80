package search

import (
	"encoding/json"
	"fmt"
	"sync"

	"github.com/blevesearch/bleve/v2"
	index "github.com/blevesearch/bleve_index_api"
)

// Facets and sorting read a table in memory rather than Bleve's doc values: Bleve decompresses
// a whole chunk of doc values per field for every chunk a match falls in, which made facets cost
// 20-300 ms at 100k products however few products matched. The table holds, per product, the
// interned keyword values, the price, the creation time and the SKUs: about 150 bytes each plus
// the SKUs. It is loaded from the index when it opens and kept up to date with every write.

// Value kinds, the first byte of an interned value.
const (
	kindCategory = 'c'
	kindBrand    = 'b'
	kindBand     = 'p'
	kindAttr     = 'a' // counted in the attribute facet
	kindNumAttr  = 'n' // numeric attribute: filterable, not counted
)

// rowDoc is a product's table row as stored in the index (field fRow).
type rowDoc struct {
	RID     uint32   `json:"r"` // the row's number, also in the doc-value field fRID
	Values  []string `json:"v"` // kind byte + value
	Price   int64    `json:"p"`
	Created int64    `json:"t"` // unix milliseconds
	SKUs    []string `json:"k,omitempty"`
}

type row struct {
	live    bool
	vals    []uint32
	price   int64
	created int64
	skus    []string
	inStock bool // some SKU is not known to be out of stock (see stockOf)
}

// table is the in-memory copy. Rows sit in a slice by row number: a text match finds its row
// through the number stored as a doc value (one small field, cheap to read), and a search without
// text scans the slice. Numbers are not reused until a rebuild; values are interned to small
// numbers that count into slices.
type table struct {
	mu   sync.RWMutex
	pos  map[string]uint32 // product id -> row number
	docs []string          // row number -> product id
	rows []row
	// arena holds the rows' interned values, each row's vals a slice of it; stale counts the
	// entries of replaced or removed rows, dropped by compact.
	arena []uint32
	stale int
	// prices repeats each row's price in a dense column: a text search with a price filter
	// turns most matches away here without reading their rows, which are 10x larger.
	prices []int64
	ids    map[string]uint32   // value -> number
	values []string            // number -> value
	bySKU  map[string][]uint32 // SKU -> the live rows of the products that sell it
	out    map[string]bool     // SKUs the inventory last reported out of stock
}

func newTable() *table {
	return &table{pos: map[string]uint32{}, ids: map[string]uint32{}, bySKU: map[string][]uint32{}, out: map[string]bool{}}
}

// reserve returns product id's row number, allocating one for a new product.
func (t *table) reserve(id string) uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n, ok := t.pos[id]; ok {
		return n
	}
	n := uint32(len(t.rows))
	t.pos[id] = n
	t.docs = append(t.docs, id)
	t.rows = append(t.rows, row{})
	t.prices = append(t.prices, 0)
	return n
}

// set fills row d.RID for product id, growing the table when loading an index.
func (t *table) set(id string, d rowDoc) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := row{live: true, price: d.Price, created: d.Created, skus: d.SKUs}
	r.inStock = t.stockOf(r.skus)
	if len(t.arena)+len(d.Values) > cap(t.arena) {
		// Grow by compacting rather than by append: rows would keep every outgrown array alive.
		t.compact(len(d.Values))
	}
	start := len(t.arena)
	for _, v := range d.Values {
		n, ok := t.ids[v]
		if !ok {
			n = uint32(len(t.values))
			t.ids[v] = n
			t.values = append(t.values, v)
		}
		t.arena = append(t.arena, n)
	}
	r.vals = t.arena[start:len(t.arena):len(t.arena)]
	for int(d.RID) >= len(t.rows) {
		t.rows = append(t.rows, row{})
		t.prices = append(t.prices, 0)
		t.docs = append(t.docs, "")
	}
	t.unlink(d.RID)
	t.stale += len(t.rows[d.RID].vals)
	t.rows[d.RID], t.docs[d.RID], t.prices[d.RID] = r, id, r.price
	t.pos[id] = d.RID
	for _, sku := range r.skus {
		t.bySKU[sku] = append(t.bySKU[sku], d.RID)
	}
	if t.stale > 4096 && t.stale > len(t.arena)/2 {
		t.compact(0)
	}
}

// compact copies every row's values into a new arena in row order, leaving out the values of
// replaced and removed rows, with room for at least extra more; the caller holds t.mu. Rows then
// read their values sequentially when a search scans them, rather than one small allocation
// each, scattered over the heap: that cut a scan of 100,000 rows from 7-9 to 3-4 ms of CPU
// (docs/PERFORMANCE.md).
func (t *table) compact(extra int) {
	n := 0
	for i := range t.rows {
		n += len(t.rows[i].vals)
	}
	a := make([]uint32, 0, 2*(n+extra)+1024) // appending below never moves it
	for i := range t.rows {
		r := &t.rows[i]
		start := len(a)
		a = append(a, r.vals...)
		r.vals = a[start:len(a):len(a)]
	}
	t.arena, t.stale = a, 0
}

func (t *table) remove(id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n, ok := t.pos[id]; ok {
		t.unlink(n)
		t.stale += len(t.rows[n].vals)
		t.rows[n], t.docs[n] = row{}, ""
		delete(t.pos, id)
	}
}

// load fills the table from every product in idx.
func (t *table) load(idx bleve.Index) error {
	adv, err := idx.Advanced()
	if err != nil {
		return err
	}
	r, err := adv.Reader()
	if err != nil {
		return err
	}
	defer r.Close()
	all, err := r.DocIDReaderAll()
	if err != nil {
		return err
	}
	defer all.Close()
	for {
		iid, err := all.Next()
		if err != nil {
			return err
		}
		if iid == nil {
			// Rows were read in the index's order; put their values in row order, the order
			// searches scan them in.
			t.mu.Lock()
			t.compact(0)
			t.mu.Unlock()
			return nil
		}
		id, err := r.ExternalID(iid)
		if err != nil {
			return err
		}
		raw, err := storedField(r, id, fRow)
		if err != nil {
			return err
		}
		var d rowDoc
		if err := json.Unmarshal(raw, &d); err != nil {
			return fmt.Errorf("search index row of %s: %w", id, err)
		}
		t.set(id, d)
	}
}

// storedField returns the stored value of field for product id, nil if it has none.
func storedField(r index.IndexReader, id, field string) ([]byte, error) {
	doc, err := r.Document(id)
	if err != nil || doc == nil {
		return nil, err
	}
	var out []byte
	doc.VisitFields(func(f index.Field) {
		if f.Name() == field {
			out = append([]byte(nil), f.Value()...)
		}
	})
	return out, nil
}
