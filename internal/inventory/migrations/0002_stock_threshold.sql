-- A copy of the SKU's low-stock threshold on each of its stock rows, kept equal by Adjust, so a
-- reservation's conditional UPDATE can guard on it ("more than the threshold stays") without a
-- subquery or a read: statement preparation is most of a reservation's cost on SQLite.
ALTER TABLE inventory_stock ADD COLUMN low_stock_threshold BIGINT NOT NULL DEFAULT 5;
UPDATE inventory_stock SET low_stock_threshold =
    (SELECT k.low_stock_threshold FROM inventory_skus k WHERE k.sku = inventory_stock.sku);
