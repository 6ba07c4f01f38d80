-- Products are JSON documents (doc); the columns beside it are copies of the fields the catalog
-- filters and sorts on, kept in the same write, so lists never parse documents to select rows.
CREATE TABLE products (
    id         TEXT   PRIMARY KEY,
    slug       TEXT   NOT NULL UNIQUE,
    status     TEXT   NOT NULL,
    brand      TEXT   NOT NULL,
    min_price  BIGINT NOT NULL,
    version    BIGINT NOT NULL,
    created_at BIGINT NOT NULL, -- unix microseconds
    updated_at BIGINT NOT NULL,
    doc        TEXT   NOT NULL
);
CREATE INDEX products_newest ON products (status, created_at, id);
CREATE INDEX products_price ON products (status, min_price, id);
CREATE INDEX products_brand ON products (brand, status);

-- The categories a product was put in directly; a filter on a parent category expands to its
-- descendants in Go, from the (small) category tree.
CREATE TABLE product_categories (
    category   TEXT NOT NULL,
    product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    PRIMARY KEY (category, product_id)
);
CREATE INDEX product_categories_product ON product_categories (product_id);

-- SKUs are unique across the whole catalog: inventory and carts refer to them alone.
CREATE TABLE product_skus (
    sku        TEXT PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE
);
CREATE INDEX product_skus_product ON product_skus (product_id);

CREATE TABLE categories (
    slug     TEXT    PRIMARY KEY,
    name     TEXT    NOT NULL,
    parent   TEXT    REFERENCES categories (slug),
    position INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX categories_parent ON categories (parent);
