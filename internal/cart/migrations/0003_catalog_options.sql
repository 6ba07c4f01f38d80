-- Each SKU's variant options as a JSON object, shown with the cart's lines. NULL marks a row
-- written before the column existed: the index's fill at start rewrites those from the catalog,
-- and a product's next event does too.
ALTER TABLE cart_catalog ADD COLUMN options TEXT;
