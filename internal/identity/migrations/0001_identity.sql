-- Identity's store: accounts, credentials, signing keys, abuse counters and the audit log.
-- Times are unix milliseconds; a NULL *_at means "not yet".

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    disabled_at   BIGINT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX users_created ON users (created_at, id);

-- Refresh tokens are stored as SHA-256 hashes. Each login starts a family; every refresh
-- marks the presented token used and adds its successor to the family.
CREATE TABLE refresh_tokens (
    hash       TEXT PRIMARY KEY,
    family     TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    session_id TEXT NOT NULL DEFAULT '',
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    revoked_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

CREATE TABLE reset_tokens (
    hash       TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX reset_tokens_user ON reset_tokens (user_id);

-- Private keys never leave this table except to sign; retired keys are no longer published.
CREATE TABLE signing_keys (
    kid         TEXT PRIMARY KEY,
    public_key  TEXT NOT NULL,
    private_key TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    retired_at  BIGINT
);

CREATE TABLE service_clients (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    permissions TEXT NOT NULL,
    disabled_at BIGINT,
    created_at  BIGINT NOT NULL
);

-- Failed attempts per key ("login:acct:<email>", "login:ip:<addr>", ...) with a lock that grows.
CREATE TABLE attempt_limits (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    locked_until BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

CREATE TABLE sessions (
    hash       TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    csrf       TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE audit_log (
    id         TEXT PRIMARY KEY,
    at         BIGINT NOT NULL,
    service    TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    request_id TEXT NOT NULL,
    client_ip  TEXT NOT NULL,
    detail     TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_actor ON audit_log (actor, at);
CREATE INDEX audit_log_action ON audit_log (action, at);
