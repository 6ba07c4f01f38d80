-- What the admin's product search matches (substring, any case): title, brand, slug, id and
-- SKUs, lower-cased, a line each. Written with every product write; filled here for the products
-- there are.
ALTER TABLE products ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE products SET search_text = lower(coalesce(doc::jsonb ->> 'title', '') || E'\n' || brand || E'\n' ||
    slug || E'\n' || id || coalesce((SELECT E'\n' || string_agg(sku, E'\n') FROM product_skus s
    WHERE s.product_id = products.id), ''));
