-- Events waiting to be published. seq orders the relay's batches; the row is deleted once the
-- broker has acknowledged the event.
CREATE TABLE events_outbox (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT   NOT NULL,
    type       TEXT   NOT NULL,
    payload    TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
