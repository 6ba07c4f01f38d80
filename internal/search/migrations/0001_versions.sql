-- The last catalog version the search index applied per product, and whether it was a deletion,
-- so that events delivered late or twice change nothing.
CREATE TABLE search_versions (
    product_id TEXT PRIMARY KEY,
    version    BIGINT NOT NULL,
    deleted    INTEGER NOT NULL
);
