-- The rows whose options are still NULL (see 0003), and only those: the fill at start asks
-- whether any are left, which without this index read the whole table on every start. Once the
-- fill has run the index is empty, so that question reads nothing; rows an older version of the
-- service writes (without options) still show up in it, and the next start fills them.
CREATE INDEX cart_catalog_unfilled ON cart_catalog (sku) WHERE options IS NULL;
