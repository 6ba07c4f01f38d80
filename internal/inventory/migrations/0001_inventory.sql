-- One row per SKU the inventory knows, with its per-SKU settings.
CREATE TABLE inventory_skus (
    sku                 TEXT   PRIMARY KEY,
    low_stock_threshold BIGINT NOT NULL,
    created_at          BIGINT NOT NULL -- unix milliseconds
);

-- Stock per SKU per warehouse. The checks make an oversold or negative count impossible even
-- for a statement that forgot its guard.
CREATE TABLE inventory_stock (
    sku        TEXT   NOT NULL REFERENCES inventory_skus (sku),
    warehouse  TEXT   NOT NULL,
    on_hand    BIGINT NOT NULL CHECK (on_hand >= 0),
    reserved   BIGINT NOT NULL CHECK (reserved >= 0 AND reserved <= on_hand),
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (sku, warehouse)
);

-- The trail of admin adjustments: who set which count, when, from what, and why.
CREATE TABLE inventory_adjustments (
    id          TEXT   PRIMARY KEY, -- UUIDv7: sorts by time
    sku         TEXT   NOT NULL,
    warehouse   TEXT   NOT NULL,
    old_on_hand BIGINT NOT NULL,
    new_on_hand BIGINT NOT NULL,
    reason      TEXT   NOT NULL,
    actor       TEXT   NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX inventory_adjustments_sku ON inventory_adjustments (sku, id);

-- Stock held for orders. The lines (JSON, each with the warehouse it was held in) live on the
-- row: a reservation is written and read whole, and one row per order keeps a checkout to one
-- insert.
CREATE TABLE inventory_reservations (
    order_id   TEXT   PRIMARY KEY,
    status     TEXT   NOT NULL,
    lines      TEXT   NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX inventory_reservations_expiry ON inventory_reservations (status, expires_at);
