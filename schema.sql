-- usher schema (PRAGMA user_version = 1). Applied whole to a new database; older
-- databases are upgraded by the steps in src/store/migrate.rs. Times are Unix
-- milliseconds; ids are 24 hex characters, time-ordered. Every row that belongs to a
-- customer environment carries `environment`, and every query filters on it.

-- API keys: only the SHA-256 of the key is kept.
CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    environment TEXT NOT NULL CHECK (environment IN ('development', 'production')),
    label       TEXT NOT NULL DEFAULT '',
    prefix      TEXT NOT NULL,             -- the first characters, to tell keys apart
    key_hash    BLOB NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER                    -- stops working at this time; NULL = active
) STRICT;

-- End users of the customer's product.
CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    environment TEXT NOT NULL CHECK (environment IN ('development', 'production')),
    username    TEXT NOT NULL,
    full_name   TEXT,
    phone       TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (environment, username)
) STRICT;

-- Who did what. Not tied to users by a foreign key: deleting a user keeps their trail
-- (only DELETE /users/{id}/logs erases it).
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    environment TEXT NOT NULL,
    at          INTEGER NOT NULL,
    action      TEXT NOT NULL,
    actor       TEXT NOT NULL,
    user_id     TEXT,
    ip          TEXT,
    details     TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX audit_log_by_env ON audit_log (environment, id);
CREATE INDEX audit_log_by_user ON audit_log (environment, user_id, id);

-- The outbox: one row per event, written in the transaction of the change that caused
-- it. `payload` is the exact JSON body every delivery sends; `id` is the webhook-id.
CREATE TABLE outbox_messages (
    id          TEXT PRIMARY KEY,
    environment TEXT NOT NULL,
    type        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_messages_by_env ON outbox_messages (environment, created_at);

-- Webhook endpoints of an environment. `secret` is the `whsec_...` signing secret,
-- encrypted by the vault with row_aad('webhook_endpoints', id); after rotate-secret the
-- previous one (row_aad('webhook_endpoints.previous_secret', id)) keeps signing
-- alongside until `previous_until`. `events` is a JSON array of event types; an empty
-- array means every event. A disabled endpoint gets no new deliveries and its queued
-- ones wait until it is enabled again.
CREATE TABLE webhook_endpoints (
    id              TEXT PRIMARY KEY,
    environment     TEXT NOT NULL CHECK (environment IN ('development', 'production')),
    url             TEXT NOT NULL,
    events          TEXT NOT NULL DEFAULT '[]',
    secret          BLOB NOT NULL,
    previous_secret BLOB,
    previous_until  INTEGER,
    disabled_at     INTEGER,
    disabled_reason TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX webhook_endpoints_by_env ON webhook_endpoints (environment, id);

-- One delivery per (message, subscribed endpoint). `pending`: waiting for its first
-- attempt (or re-queued); `failed`: the last attempt failed and a retry is scheduled at
-- `next_attempt_at`; `delivered`; `dead`: the retry schedule ran out. A worker that
-- claims a delivery sets `lease_until`; until then nobody else claims it, and after a
-- crash the expired lease returns it to the queue. `schedule_step` counts the retries of
-- the current round (reset by a manual retry or recover); `attempts` counts them all.
CREATE TABLE deliveries (
    id               TEXT PRIMARY KEY,
    environment      TEXT NOT NULL CHECK (environment IN ('development', 'production')),
    endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    message_id       TEXT NOT NULL REFERENCES outbox_messages (id) ON DELETE CASCADE,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'dead')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    schedule_step    INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER,
    lease_until      INTEGER,
    last_status_code INTEGER,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (endpoint_id, message_id)
) STRICT;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status IN ('pending', 'failed');
CREATE INDEX deliveries_leased ON deliveries (lease_until) WHERE lease_until IS NOT NULL;
CREATE INDEX deliveries_by_endpoint ON deliveries (endpoint_id, id);
CREATE INDEX deliveries_by_message ON deliveries (message_id);

-- Every attempt of a delivery: when, the answer (status code, first 2 KiB of the body)
-- or the error, and how long it took.
CREATE TABLE delivery_attempts (
    id           TEXT PRIMARY KEY,
    delivery_id  TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    environment  TEXT NOT NULL CHECK (environment IN ('development', 'production')),
    at           INTEGER NOT NULL,
    status_code  INTEGER,
    duration_ms  INTEGER NOT NULL,
    response     TEXT NOT NULL DEFAULT '',
    error        TEXT
) STRICT;
CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts (delivery_id, at);
