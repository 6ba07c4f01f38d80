package search

import "slices"

// The table's share of stock: which rows sell each SKU, and which SKUs are out of stock.

// unlink forgets that row n sells its SKUs; the caller holds t.mu.
func (t *table) unlink(n uint32) {
	for _, sku := range t.rows[n].skus {
		rs := slices.DeleteFunc(t.bySKU[sku], func(m uint32) bool { return m == n })
		if len(rs) == 0 {
			delete(t.bySKU, sku)
		} else {
			t.bySKU[sku] = rs
		}
	}
}

// stockOf tells whether a product selling skus is in stock: when any of them is. A SKU the
// inventory never reported is not limited (as in the cart), so it counts as in stock, and so does
// a product without SKUs. The caller holds t.mu.
func (t *table) stockOf(skus []string) bool {
	if len(skus) == 0 {
		return true
	}
	for _, s := range skus {
		if !t.out[s] {
			return true
		}
	}
	return false
}

// setStock records whether sku is in stock and reports whether any product's in-stock flag
// changed with it.
func (t *table) setStock(sku string, inStock bool) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.out[sku] == !inStock {
		return false
	}
	if inStock {
		delete(t.out, sku)
	} else {
		t.out[sku] = true
	}
	changed := false
	for _, n := range t.bySKU[sku] {
		r := &t.rows[n]
		if v := t.stockOf(r.skus); v != r.inStock {
			r.inStock, changed = v, true
		}
	}
	return changed
}

// loadStock makes out the set of SKUs out of stock and recomputes every product's flag.
func (t *table) loadStock(out map[string]bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.out = out
	for i := range t.rows {
		if r := &t.rows[i]; r.live {
			r.inStock = t.stockOf(r.skus)
		}
	}
}
