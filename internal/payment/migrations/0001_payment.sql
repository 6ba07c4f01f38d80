-- Payment intents: what an order asks for and where its money stands. The card is kept as brand
-- and last four digits only. The checks make capturing more than was authorized, or refunding
-- more than was captured, impossible even for a statement that forgot its guard.
CREATE TABLE payment_intents (
    id              TEXT   PRIMARY KEY,
    order_id        TEXT   NOT NULL,
    provider        TEXT   NOT NULL,
    amount          BIGINT NOT NULL CHECK (amount > 0),
    currency        TEXT   NOT NULL,
    status          TEXT   NOT NULL,
    captured        BIGINT NOT NULL DEFAULT 0,
    refunded        BIGINT NOT NULL DEFAULT 0,
    provider_ref    TEXT   NOT NULL DEFAULT '',
    card_brand      TEXT   NOT NULL DEFAULT '',
    card_last4      TEXT   NOT NULL DEFAULT '',
    last_error      TEXT   NOT NULL DEFAULT '',
    idempotency_key TEXT, -- NULL when the caller sent none; NULLs never collide
    created_at      BIGINT NOT NULL, -- unix milliseconds
    updated_at      BIGINT NOT NULL,
    CHECK (captured >= 0 AND captured <= amount AND refunded >= 0 AND refunded <= captured)
);
CREATE UNIQUE INDEX payment_intents_idempotency ON payment_intents (idempotency_key);
CREATE INDEX payment_intents_order ON payment_intents (order_id);
CREATE INDEX payment_intents_ref ON payment_intents (provider, provider_ref);

-- Every step taken on an intent, failed ones too: the payment's history for support and audits.
CREATE TABLE payment_steps (
    id        TEXT    PRIMARY KEY, -- UUIDv7: sorts by time
    intent_id TEXT    NOT NULL REFERENCES payment_intents (id),
    kind      TEXT    NOT NULL,
    amount    BIGINT  NOT NULL,
    succeeded INTEGER NOT NULL, -- 0 or 1
    code      TEXT    NOT NULL,
    reason    TEXT    NOT NULL,
    actor     TEXT    NOT NULL,
    at        BIGINT  NOT NULL
);
CREATE INDEX payment_steps_intent ON payment_steps (intent_id, id);

-- Provider callbacks already handled, so a provider's retry is acknowledged without acting twice.
CREATE TABLE payment_callbacks (
    provider    TEXT   NOT NULL,
    event_id    TEXT   NOT NULL,
    type        TEXT   NOT NULL,
    intent_id   TEXT   NOT NULL, -- '' when no intent has the reference
    received_at BIGINT NOT NULL,
    PRIMARY KEY (provider, event_id)
);
