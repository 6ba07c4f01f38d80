-- Orders, their lines, their status history, the order number counter and checkout idempotency keys.
CREATE TABLE orders (
    id                TEXT PRIMARY KEY,
    number            TEXT NOT NULL UNIQUE,
    status            TEXT NOT NULL,
    customer_id       TEXT NOT NULL DEFAULT '',
    email             TEXT NOT NULL,
    cart_id           TEXT NOT NULL,
    currency          TEXT NOT NULL,
    subtotal          BIGINT NOT NULL,
    discount          BIGINT NOT NULL,
    shipping          BIGINT NOT NULL,
    tax               BIGINT NOT NULL,
    total             BIGINT NOT NULL,
    shipping_method   TEXT NOT NULL,
    discount_code     TEXT NOT NULL DEFAULT '',
    shipping_address  TEXT NOT NULL,
    payment_intent_id TEXT NOT NULL DEFAULT '',
    tracking_number   TEXT NOT NULL DEFAULT '',
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX orders_customer ON orders (customer_id, created_at);
CREATE INDEX orders_status ON orders (status, created_at);

CREATE TABLE order_lines (
    order_id   TEXT NOT NULL,
    n          INTEGER NOT NULL,
    sku        TEXT NOT NULL,
    title      TEXT NOT NULL,
    quantity   BIGINT NOT NULL,
    unit_price BIGINT NOT NULL,
    line_total BIGINT NOT NULL,
    PRIMARY KEY (order_id, n)
);

CREATE TABLE order_history (
    order_id    TEXT NOT NULL,
    n           INTEGER NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    actor       TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    at          BIGINT NOT NULL,
    PRIMARY KEY (order_id, n)
);

-- order_numbers holds the next order number; a row lock makes concurrent checkouts take distinct ones.
CREATE TABLE order_numbers (
    name TEXT PRIMARY KEY,
    next BIGINT NOT NULL
);
INSERT INTO order_numbers (name, next) VALUES ('order', 100001);

CREATE TABLE order_idempotency (
    idem_key     TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    order_id     TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
