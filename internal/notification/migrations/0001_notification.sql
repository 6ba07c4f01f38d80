-- Mails sent, one row per mail kind and subject (e.g. the confirmation of one order), so an
-- order that is placed and then paid gets one confirmation, and a redelivered event no second mail.
CREATE TABLE notification_mails (
    mail_key   TEXT PRIMARY KEY, -- kind:subject, e.g. order_confirmation:<order id>
    kind       TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    message_id TEXT NOT NULL,
    sent_at    BIGINT NOT NULL -- unix milliseconds
);

-- Merchant webhook endpoints. The secret signs deliveries (Standard Webhooks) and is kept as
-- given, since signing needs it.
CREATE TABLE notification_endpoints (
    id          TEXT PRIMARY KEY,
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    event_types TEXT NOT NULL, -- JSON array; ["*"] for every type
    description TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    deleted_at  BIGINT -- set when removed; its deliveries stay readable
);

-- One delivery per event per endpoint, written in the transaction that handles the event, so a
-- crash loses none; the worker sends those due and reschedules failures with backoff.
CREATE TABLE notification_deliveries (
    id           TEXT PRIMARY KEY, -- the webhook-id header: the same for every attempt
    endpoint_id  TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    event_type   TEXT NOT NULL,
    payload      TEXT NOT NULL,
    status       TEXT NOT NULL, -- pending, delivered, failed
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      BIGINT NOT NULL, -- when the next attempt is due (or the worker's lease ends)
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX notification_deliveries_due ON notification_deliveries (status, next_at);
CREATE INDEX notification_deliveries_endpoint ON notification_deliveries (endpoint_id, created_at);

-- Every attempt of a delivery: when, the answer's status code (0 when none came) and the error.
CREATE TABLE notification_attempts (
    delivery_id TEXT NOT NULL,
    n           INTEGER NOT NULL,
    at          BIGINT NOT NULL,
    status_code INTEGER NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    duration_ms BIGINT NOT NULL,
    PRIMARY KEY (delivery_id, n)
);
