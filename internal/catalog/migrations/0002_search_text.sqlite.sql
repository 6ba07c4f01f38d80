-- What the admin's product search matches (substring, any case): title, brand, slug, id and
-- SKUs, lower-cased, a line each. Written with every product write; filled here for the products
-- there are (SQLite's lower() folds ASCII only: such a product's non-ASCII capitals match once it
-- is next saved).
ALTER TABLE products ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE products SET search_text = lower(coalesce(json_extract(doc, '$.title'), '') || char(10) || brand || char(10) ||
    slug || char(10) || id || coalesce((SELECT char(10) || group_concat(sku, char(10)) FROM product_skus s
    WHERE s.product_id = products.id), ''));
