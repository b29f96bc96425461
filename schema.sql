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
CREATE INDEX audit_log_by_env ON audit_log (environment, at, id);
CREATE INDEX audit_log_by_user ON audit_log (environment, user_id, at, id);

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
