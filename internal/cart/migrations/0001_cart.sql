-- Carts are JSON documents; version guards every read-modify-write (two adds of the same SKU
-- each retry until they have both been counted). customer_id is '' for a guest cart.
CREATE TABLE carts (
    id          TEXT   PRIMARY KEY,
    customer_id TEXT   NOT NULL DEFAULT '',
    currency    TEXT   NOT NULL,
    version     BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL, -- unix milliseconds
    doc         TEXT   NOT NULL
);
CREATE INDEX carts_customer ON carts (customer_id, currency, updated_at);

-- The cart's copy of the catalog's variants, kept by the catalog's events: carts look up
-- prices by SKU, which the catalog's API does not offer.
CREATE TABLE cart_catalog (
    sku          TEXT   PRIMARY KEY,
    product_id   TEXT   NOT NULL,
    title        TEXT   NOT NULL,
    active       BOOLEAN NOT NULL,
    amount       BIGINT NOT NULL,
    currency     TEXT   NOT NULL,
    weight_grams BIGINT NOT NULL,
    version      BIGINT NOT NULL
);
CREATE INDEX cart_catalog_product ON cart_catalog (product_id);

-- Discount codes (doc is a pricing.Discount) and how often each was used, overall and per
-- customer; a redemption is recorded once per order so a retried checkout counts once.
CREATE TABLE discount_codes (
    code               TEXT   PRIMARY KEY,
    doc                TEXT   NOT NULL,
    usage_limit        BIGINT NOT NULL,
    per_customer_limit BIGINT NOT NULL,
    used               BIGINT NOT NULL DEFAULT 0,
    created_at         BIGINT NOT NULL
);
CREATE TABLE discount_uses (
    code     TEXT   NOT NULL,
    customer TEXT   NOT NULL,
    used     BIGINT NOT NULL,
    PRIMARY KEY (code, customer)
);
CREATE TABLE discount_redemptions (
    code      TEXT   NOT NULL,
    order_ref TEXT   NOT NULL,
    customer  TEXT   NOT NULL,
    at        BIGINT NOT NULL,
    PRIMARY KEY (code, order_ref)
);
