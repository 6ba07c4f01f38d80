-- Per-SKU stock as the inventory's stock.changed events last reported it. It lives here rather
-- than in the index so that a reindex keeps it. event_time (unix nanoseconds) and event_id (a
-- UUIDv7, ordered by creation) order the events, so one delivered late or twice changes nothing.
CREATE TABLE search_stock (
    sku        TEXT PRIMARY KEY,
    in_stock   INTEGER NOT NULL,
    available  BIGINT NOT NULL,
    event_time BIGINT NOT NULL,
    event_id   TEXT NOT NULL
);
