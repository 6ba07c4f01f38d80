-- One row per event a consumer has processed, written in the handler's transaction: a second
-- delivery of the same event finds it and is skipped. Rows are pruned after the stream's max age.
CREATE TABLE events_processed (
    consumer     TEXT   NOT NULL,
    event_id     TEXT   NOT NULL,
    processed_at BIGINT NOT NULL,
    PRIMARY KEY (consumer, event_id)
);
CREATE INDEX events_processed_age ON events_processed (consumer, processed_at);

-- Events a consumer gave up on after its attempts ran out, for an operator to inspect.
CREATE TABLE events_parked (
    consumer   TEXT    NOT NULL,
    event_id   TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    payload    TEXT    NOT NULL,
    last_error TEXT    NOT NULL,
    attempts   INTEGER NOT NULL,
    parked_at  BIGINT  NOT NULL,
    PRIMARY KEY (consumer, event_id)
);
